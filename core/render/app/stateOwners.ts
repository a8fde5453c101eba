/**
 * Who owns what a service writes on the host. Every service runs as its runtime user from the start, but Docker
 * creates named volumes as root and the Volume's mount point is root's: before the project starts, the unit runs
 * this script, which hands each named volume and writable bind to the user of the service that mounts it.
 */
import type { RenderedFile } from "../base/artifact";
import { COMPOSE_PROJECT, HOST_PATHS } from "../base/paths";
import { bashScript, shellQuote } from "../base/shell";
import { SERVICE_NAMES } from "../../workload/services";
import { RUNTIME } from "../../workload/runtime";
import { isLocal } from "../../topology/placement";
import { namedVolumeOf, type ComposeSpec } from "./compose";
import { specifics } from "./composeServices";

export interface StateOwner {
    /** A named volume of the project, or a host directory bound writable. */
    readonly of: { readonly volume: string } | { readonly dir: string };
    /** "uid:gid". */
    readonly owner: string;
}

/** A writable host bind ("/host:/container" without ":ro"): its host directory. */
function writableBindOf(v: unknown): string | undefined {
    if (typeof v !== "string" || !v.startsWith("/")) return undefined;
    const [host = "", , options = ""] = v.split(":");
    return options.split(",").includes("ro") ? undefined : host;
}

export function stateOwners(spec: ComposeSpec): StateOwner[] {
    return SERVICE_NAMES.filter((n) => isLocal(spec.placement, n)).flatMap((name) => {
        const { uid, gid } = RUNTIME[name].user;
        const volumes = (specifics(name, spec)["volumes"] as unknown[] | undefined) ?? [];
        return volumes.flatMap((v): StateOwner[] => {
            const volume = namedVolumeOf(v);
            const dir = writableBindOf(v);
            const of = volume !== undefined ? { volume } : dir !== undefined ? { dir } : undefined;
            return of ? [{ of, owner: `${uid}:${gid}` }] : [];
        });
    });
}

export function renderStateOwnersScript(spec: ComposeSpec): RenderedFile {
    const lines = stateOwners(spec).map(({ of, owner }) =>
        "volume" in of
            ? `own "$(docker volume inspect --format '{{.Mountpoint}}' ${shellQuote(`${COMPOSE_PROJECT}_${of.volume}`)})" ${owner}`
            : `own ${shellQuote(of.dir)} ${owner}`,
    );
    const content = bashScript(
        [
            "Hands each service's named volumes and writable binds to the service's user (run after `compose create`).",
            "A directory a root-run container filled before is handed over with its contents, once.",
        ],
        [
            "own() {",
            '    if [[ "$(stat -c %u:%g "$1")" != "$2" ]]; then chown -R "$2" "$1"; fi',
            "}",
            ...lines,
        ],
    );
    return { path: HOST_PATHS.stateOwnersScript, content, kind: "shell", permissions: "0755" };
}
