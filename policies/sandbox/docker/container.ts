/** Readers for `docker:index/container:Container` props (@pulumi/docker 5.2 ContainerArgs), shared by the docker policies. */
import { at, list, rec, records, str, strings, type Json } from "../../lib/read";

export interface BindMount {
    /** Where in ContainerArgs, e.g. "mounts[1]" or "volumes[0]". */
    readonly field: string;
    readonly source: string;
    readonly readOnly: boolean;
    readonly propagation: string | undefined;
}

/** Host paths mounted into the container: `mounts` of type bind and `volumes` with a hostPath. */
export function bindMounts(props: Json): BindMount[] {
    const mounts = records(props["mounts"]).flatMap((m, i) =>
        str(m["type"]) === "bind"
            ? [
                  {
                      field: `mounts[${i}]`,
                      source: str(m["source"]) ?? "",
                      readOnly: m["readOnly"] === true,
                      propagation: str(at(m, "bindOptions", "propagation")),
                  },
              ]
            : [],
    );
    const volumes = records(props["volumes"]).flatMap((v, i) => {
        const hostPath = str(v["hostPath"]);
        return hostPath === undefined
            ? []
            : [
                  {
                      field: `volumes[${i}]`,
                      source: hostPath,
                      readOnly: v["readOnly"] === true,
                      propagation: undefined,
                  },
              ];
    });
    return [...mounts, ...volumes];
}

export interface SecurityOpt {
    readonly raw: string;
    readonly key: string;
    readonly value: string | undefined;
}

/** Docker's parser: `key=value`, or the legacy `key:value`; a bare `no-new-privileges` means true. */
export function securityOpts(props: Json): SecurityOpt[] {
    return strings(props["securityOpts"]).map((raw) => {
        const eq = raw.indexOf("=");
        const colon = raw.indexOf(":");
        const cut = eq >= 0 ? eq : colon;
        if (cut < 0) return { raw, key: raw.trim().toLowerCase(), value: undefined };
        return { raw, key: raw.slice(0, cut).trim().toLowerCase(), value: raw.slice(cut + 1).trim() };
    });
}

/** Docker normalises capability names: case-insensitive, optional CAP_ prefix. */
export function capabilityName(cap: string): string {
    return cap.trim().toUpperCase().replace(/^CAP_/, "");
}

export function capabilities(props: Json): { adds: string[]; drops: string[] } {
    const caps = rec(props["capabilities"]);
    return {
        adds: strings(caps?.["adds"]).map(capabilityName),
        drops: strings(caps?.["drops"]).map(capabilityName),
    };
}

/** Container labels (`labels: [{label, value}]`) as a map. */
export function labels(props: Json): Record<string, string> {
    const out: Record<string, string> = {};
    for (const l of records(props["labels"])) {
        const k = str(l["label"]);
        const v = str(l["value"]);
        if (k !== undefined && v !== undefined) out[k] = v;
    }
    return out;
}

export type UserVerdict =
    | { kind: "non-root"; uid: number }
    | { kind: "root"; why: string }
    | { kind: "unverifiable"; name: string };

/** `user` as `uid[:gid]` or `name[:group]`; no user means the image's default, which is root unless proven otherwise. */
export function judgeUser(user: string | undefined): UserVerdict {
    const spec = (user ?? "").trim();
    if (spec === "")
        return {
            kind: "root",
            why: "is not set, so the image's default user (root unless the image says otherwise) runs",
        };
    const name = spec.split(":")[0] ?? "";
    if (name === "root" || /^0+$/.test(name)) return { kind: "root", why: `is "${spec}", which is UID 0` };
    if (/^\d+$/.test(name)) return { kind: "non-root", uid: Number(name) };
    return { kind: "unverifiable", name };
}

export function publishedPorts(props: Json): Json[] {
    return records(props["ports"]);
}

export function isSet(v: unknown): boolean {
    return Array.isArray(v) ? list(v).length > 0 : v !== undefined && v !== null && v !== "";
}
