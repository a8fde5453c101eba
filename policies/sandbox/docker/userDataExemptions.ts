/**
 * The findings of the Docker rules that a user-data container needs to do its job, lifted one by one: each
 * exemption names the compose service, the rules it lifts and the exact mount or port it accepts. Anything
 * else on the same service (another mount, another port, another rule) is still judged.
 */
import { posix } from "node:path";
import { SECRETS_DIR } from "../../../core/render/base/artifact";
import { DOCKER_CONTAINERS_DIR, JOURNAL_PATHS } from "../../../core/render/monitoring/logAgent";
import { num, records, str, type Json } from "../../lib/read";
import { capabilities } from "./container";

export interface Exemption {
    /** Compose services it applies to; none means every compose service (never the keeper's docker run). */
    readonly services?: readonly string[];
    readonly rules: readonly string[];
    /** Whether the finding on `field` (a ContainerArgs field, e.g. "mounts[2].source") is this exemption's. */
    readonly covers: (props: Json, field: string) => boolean;
}

/** The entry of the list `key` that `field` ("key[i]" or "key[i].x") points into. */
function entryAt(props: Json, key: string, field: string): Json | undefined {
    const m = new RegExp(`^${key}\\[(\\d+)\\]`).exec(field);
    return m ? records(props[key])[Number(m[1])] : undefined;
}

/** The bind mount whose `finding` ("source", "readOnly") the field `mounts[i].<finding>` is about. */
function bindFindingAt(props: Json, field: string, finding: string): Json | undefined {
    const m = field.endsWith(`.${finding}`) ? entryAt(props, "mounts", field) : undefined;
    return m?.["type"] === "bind" ? m : undefined;
}

const sourceOf = (m: Json) => posix.normalize(str(m["source"]) ?? str(m["hostPath"]) ?? "");

const NODE_EXPORTER_HOST_VIEWS = ["/", "/proc", "/sys"];
const LOG_AGENT_HOST_LOGS: readonly string[] = [DOCKER_CONTAINERS_DIR, ...JOURNAL_PATHS];
const EDGE_PORTS = [80, 443];
const POSTGRES_DATA = "/var/lib/postgresql/data";

export const USER_DATA_EXEMPTIONS: readonly Exemption[] = [
    // Host metrics are node-exporter's job: it reads the host's /proc, /sys and filesystems, read-only, as
    // nobody (65534, not in the docker group, so the socket under / stays closed to it).
    {
        services: ["node-exporter"],
        rules: ["docker-no-sensitive-mounts", "docker-no-runtime-socket"],
        covers: (props, field) => {
            const m = bindFindingAt(props, field, "source");
            return m?.["readOnly"] === true && NODE_EXPORTER_HOST_VIEWS.includes(sourceOf(m));
        },
    },
    // The log agent's job is the host's logs: Docker's json-file logs and the journal, each read-only at its own
    // path (not the socket, which is root on the host). Those files are 0640 root, so it runs as uid 0, but with
    // every capability dropped and none added: root only as the files' owner (core/workload/runtime.ts).
    {
        services: ["log-agent"],
        rules: ["docker-no-sensitive-mounts"],
        covers: (props, field) => {
            const m = bindFindingAt(props, field, "source");
            return m?.["readOnly"] === true && LOG_AGENT_HOST_LOGS.includes(sourceOf(m));
        },
    },
    {
        services: ["log-agent"],
        rules: ["docker-non-root-user"],
        covers: (props, field) => {
            const { adds, drops } = capabilities(props);
            return (
                field === "user" && str(props["user"]) === "0:0" && drops.includes("ALL") && adds.length === 0
            );
        },
    },
    // The edge listener: Cloudflare reaches the origin on 80 and 443 of the server's public addresses, which
    // the user data cannot name (they exist only once the server does); the host firewall decides who gets in.
    {
        services: ["proxy"],
        rules: ["docker-no-privileged-ports", "docker-ports-bound-to-address"],
        covers: (props, field) => {
            const p = entryAt(props, "ports", field);
            const external = p && num(p["external"]);
            return (
                p !== undefined &&
                /\.(external|ip)$/.test(field) &&
                external !== undefined &&
                EDGE_PORTS.includes(external) &&
                num(p["internal"]) === external &&
                (str(p["protocol"]) ?? "tcp") === "tcp"
            );
        },
    },
    // Postgres writes its data to the Hetzner Volume mounted on the host: a named volume would sit on the
    // server's root disk and die with it. Only the writable bind onto its data directory; a sensitive source
    // is still refused (that is the rule's other finding).
    {
        services: ["postgres"],
        rules: ["docker-no-sensitive-mounts"],
        covers: (props, field) => str(bindFindingAt(props, field, "readOnly")?.["target"]) === POSTGRES_DATA,
    },
    // A compose secret is one read-only file; from the pack's secrets directory (the only place user data may
    // put credentials, owner-only) it is how a service gets its credential, not a view of the host's /etc.
    {
        rules: ["docker-no-sensitive-mounts"],
        covers: (props, field) => {
            const v = entryAt(props, "volumes", field);
            return (
                v !== undefined &&
                field.endsWith(".source") &&
                v["readOnly"] === true &&
                posix.dirname(sourceOf(v)) === SECRETS_DIR
            );
        },
    },
];

/** Whether `rule`'s finding on `field` of the compose service `service` (undefined: not compose) is exempt. */
export function isExempt(service: string | undefined, rule: string, props: Json, field: string): boolean {
    return (
        service !== undefined &&
        USER_DATA_EXEMPTIONS.some(
            (e) =>
                (e.services === undefined || e.services.includes(service)) &&
                e.rules.includes(rule) &&
                e.covers(props, field),
        )
    );
}
