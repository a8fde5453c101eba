/**
 * The container fields compose files and `docker run` spell alike (memory sizes, volumes, ports, restart
 * policies), read into ContainerArgs' shape, and the renaming of ContainerArgs fields back to a source's own
 * names for messages.
 */
import { rec, str, type Json } from "../../lib/read";

/** Compose's size strings ("128m", "1g", 512) in MB, as ContainerArgs.memory takes them. */
export function megabytes(v: unknown): number | undefined {
    if (typeof v === "number") return Math.round(v / 2 ** 20);
    const m = /^(\d+(?:\.\d+)?)\s*([bkmg]?)b?$/i.exec(str(v)?.trim() ?? "");
    if (!m) return undefined;
    const scale = { "": 2 ** -20, b: 2 ** -20, k: 2 ** -10, m: 1, g: 1024 }[(m[2] ?? "").toLowerCase()] ?? 1;
    return Math.round(Number(m[1]) * scale);
}

const isHostPath = (source: string) => /^[/.~]/.test(source);

/** A compose volume (short "src:dst[:opts]" or long {type, source, target, read_only, bind}) as a mount. */
export function mountOf(v: unknown): Json {
    const long = rec(v);
    if (long) {
        const propagation = str(rec(long["bind"])?.["propagation"]);
        return {
            type: str(long["type"]) ?? "volume",
            source: str(long["source"]) ?? "",
            target: str(long["target"]) ?? "",
            readOnly: long["read_only"] === true,
            ...(propagation ? { bindOptions: { propagation } } : {}),
        };
    }
    const [source = "", target = "", options = ""] = (str(v) ?? "").split(":");
    if (!target) return { type: "volume", source: "", target: source, readOnly: false };
    const opts = options.split(",");
    const propagation = opts.find((o) => /^r?(shared|slave|private)$/.test(o));
    return {
        type: isHostPath(source) ? "bind" : "volume",
        source,
        target,
        readOnly: opts.includes("ro"),
        ...(propagation ? { bindOptions: { propagation } } : {}),
    };
}

/** "[ip:]host:container[/proto]", "container", or the long {target, published, host_ip, protocol}. */
export function portOf(p: unknown): Json | undefined {
    const long = rec(p);
    if (long) {
        const published = Number(long["published"]);
        return {
            internal: Number(long["target"]),
            ...(Number.isFinite(published) ? { external: published } : {}),
            ...(str(long["host_ip"]) ? { ip: str(long["host_ip"]) } : {}),
            protocol: str(long["protocol"]) ?? "tcp",
        };
    }
    const text = String(p);
    const [spec = "", protocol = "tcp"] = text.split("/");
    const bracketed = /^\[([^\]]+)\]:(.*)$/.exec(spec);
    const parts = bracketed ? [bracketed[1] ?? "", ...(bracketed[2] ?? "").split(":")] : spec.split(":");
    const internal = Number(parts.at(-1));
    if (parts.length === 1) return { internal, protocol };
    const external = Number(parts.at(-2));
    const ip = parts.length > 2 ? parts.slice(0, -2).join(":") : undefined;
    return { internal, ...(Number.isFinite(external) ? { external } : {}), ...(ip ? { ip } : {}), protocol };
}

export function restartOf(v: unknown): Json {
    const [policy = "", retries] = (str(v) ?? "").split(":");
    return policy ? { restart: policy, ...(retries ? { maxRetryCount: Number(retries) } : {}) } : {};
}

/** Renames the leading ContainerArgs field of `field` ("mounts[2].source") with `names`. */
export function renamer(names: Record<string, string>): (field: string) => string {
    const keys = Object.keys(names).sort((a, b) => b.length - a.length);
    return (field) => {
        const key = keys.find((k) => field === k || field.startsWith(`${k}[`) || field.startsWith(`${k}.`));
        return key ? `${names[key]}${field.slice(key.length)}` : field;
    };
}
