/**
 * The data tier's writer and reader endpoints as HAProxy sections, the HAProxy variant of the internal load
 * balancers (autobase's layout): a writer that forwards only to the node whose Patroni answers `OPTIONS /primary`
 * with 200, a reader over the replicas whose `/replica?lag=` is 200, and a Redis writer over the node whose role
 * responder answers `/redis-primary`. Patroni's checks go to its REST API over TLS, verified against the cluster
 * CA; a node that loses the role is marked down and its open sessions are cut, so no client keeps writing to a
 * demoted primary.
 */
import { haproxyWord as word, renderHaproxy, type HaproxyProcess } from "../base/haproxy";

export interface RoleProxyNode {
    readonly name: string;
    readonly address: string;
    /** The port clients reach through the endpoint (PgBouncer on a node, PostgreSQL in the loopback test). */
    readonly port: number;
    readonly restPort: number;
}

/** The reader shares the writer's address on one HAProxy, so it takes the port after PgBouncer's. */
export const ROLE_PROXY_READER_PORT = 6433;

interface Bind {
    readonly address: string;
    readonly port: number;
}

export interface RoleProxySpec {
    readonly nodes: readonly RoleProxyNode[];
    readonly writer: Bind;
    readonly reader: Bind;
    /** Redis through the writer's address: `port` on every node, checked on the role responder. */
    readonly redis?: Bind & { readonly nodePort: number; readonly healthPort: number };
    /** A replica further behind than this (bytes, by Patroni's DCS view) leaves the reader. */
    readonly readerMaxLagBytes: number;
    /** The cluster CA that signed every node's REST certificate. */
    readonly caFile: string;
    readonly health: {
        readonly intervalMs: number;
        /** Interval while a server is changing state. */
        readonly fastIntervalMs: number;
        readonly fall: number;
        readonly rise: number;
    };
}

interface Check {
    readonly method: "OPTIONS" | "GET";
    readonly uri: string;
    /** `check-ssl ...` for Patroni's TLS REST API; nothing for the plain role responder. */
    readonly tls: string;
}

function listen(
    name: string,
    bind: Bind,
    check: Check,
    servers: readonly string[],
    s: RoleProxySpec,
): string[] {
    const h = s.health;
    return [
        `listen ${name}`,
        `    bind ${word("bind address", bind.address)}:${bind.port}`,
        // Database and Redis sessions idle for long stretches; the pooler above them has its own limits.
        "    timeout client 30m",
        "    timeout server 30m",
        "    balance roundrobin",
        "    option httpchk",
        `    http-check send meth ${check.method} uri ${check.uri}`,
        "    http-check expect status 200",
        `    default-server inter ${h.intervalMs} fastinter ${h.fastIntervalMs} downinter ${h.intervalMs} fall ${h.fall} rise ${h.rise} on-marked-down shutdown-sessions${check.tls}`,
        ...servers,
    ];
}

/** The `listen` sections of the writer, the reader and (with `redis`) the Redis writer. */
export function roleProxySections(s: RoleProxySpec): string[][] {
    if (s.nodes.length < 2) throw new Error("role endpoints need at least two database nodes");
    if (!Number.isInteger(s.readerMaxLagBytes) || s.readerMaxLagBytes < 0)
        throw new Error("readerMaxLagBytes must be a whole number of bytes");
    const patroni = (uri: string): Check => ({
        method: "OPTIONS",
        uri,
        tls: ` check-ssl verify required ca-file ${word("caFile", s.caFile)}`,
    });
    const servers = (port: (n: RoleProxyNode) => number, checkPort: (n: RoleProxyNode) => number) =>
        s.nodes.map(
            (n) =>
                `    server ${word("node name", n.name)} ${word("node address", n.address)}:${port(n)} check port ${checkPort(n)}`,
        );
    const pg = servers(
        (n) => n.port,
        (n) => n.restPort,
    );
    const redis = s.redis;
    return [
        listen("writer", s.writer, patroni("/primary"), pg, s),
        listen("reader", s.reader, patroni(`/replica?lag=${s.readerMaxLagBytes}`), pg, s),
        ...(redis
            ? [
                  listen(
                      "redis-writer",
                      redis,
                      { method: "GET", uri: "/redis-primary", tls: "" },
                      servers(
                          () => redis.nodePort,
                          () => redis.healthPort,
                      ),
                      s,
                  ),
              ]
            : []),
    ];
}

export function renderRoleProxyConfig(s: RoleProxySpec & Omit<HaproxyProcess, "comment">): string {
    return renderHaproxy(
        { comment: "the data tier's writer and reader endpoints, following Patroni's roles.", ...s },
        roleProxySections(s),
    );
}
