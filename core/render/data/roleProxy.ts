/**
 * haproxy.cfg of the data tier's role endpoints, the HAProxy variant of the internal load balancers (autobase's
 * layout): a writer that forwards only to the node whose Patroni answers `OPTIONS /primary` with 200, a reader over
 * the replicas whose `/replica?lag=` is 200. The checks go to Patroni's REST API over TLS, verified against the
 * cluster CA; a node that loses the role is marked down and its open sessions are cut, so no client keeps
 * writing to a demoted primary.
 */

export interface RoleProxyNode {
    readonly name: string;
    readonly address: string;
    /** The port clients reach through the endpoint (PgBouncer on a node, PostgreSQL in the loopback test). */
    readonly port: number;
    readonly restPort: number;
}

export interface RoleProxySpec {
    readonly nodes: readonly RoleProxyNode[];
    readonly writer: { readonly address: string; readonly port: number };
    readonly reader: { readonly address: string; readonly port: number };
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
    /** `log` target: `/dev/log` on a host, `stdout format raw` in a test. */
    readonly log: string;
    readonly maxconn: number;
}

const WORD = /^[A-Za-z0-9._:/@-]+$/;

function word(field: string, v: string): string {
    if (!WORD.test(v)) throw new Error(`haproxy ${field} '${v}' has characters the config cannot carry`);
    return v;
}

function proxy(name: string, bind: RoleProxySpec["writer"], check: string, s: RoleProxySpec): string[] {
    const h = s.health;
    return [
        `listen ${name}`,
        `    bind ${word("bind address", bind.address)}:${bind.port}`,
        "    balance roundrobin",
        "    option httpchk",
        `    http-check send meth OPTIONS uri ${check}`,
        "    http-check expect status 200",
        `    default-server inter ${h.intervalMs} fastinter ${h.fastIntervalMs} downinter ${h.intervalMs} fall ${h.fall} rise ${h.rise} on-marked-down shutdown-sessions check-ssl verify required ca-file ${word("caFile", s.caFile)}`,
        ...s.nodes.map(
            (n) =>
                `    server ${word("node name", n.name)} ${word("node address", n.address)}:${n.port} check port ${n.restPort}`,
        ),
        "",
    ];
}

export function renderRoleProxyConfig(s: RoleProxySpec): string {
    if (s.nodes.length < 2) throw new Error("role endpoints need at least two database nodes");
    if (!Number.isInteger(s.readerMaxLagBytes) || s.readerMaxLagBytes < 0)
        throw new Error("readerMaxLagBytes must be a whole number of bytes");
    return [
        "# phase-stacks: the data tier's writer and reader endpoints, following Patroni's roles.",
        "global",
        `    log ${s.log} local0`,
        `    maxconn ${s.maxconn}`,
        "",
        "defaults",
        "    mode tcp",
        "    log global",
        "    option tcplog",
        "    option dontlognull",
        "    timeout connect 3s",
        // Database sessions idle for long stretches; the pooler above them has its own limits.
        "    timeout client 30m",
        "    timeout server 30m",
        "    timeout check 2s",
        "",
        ...proxy("writer", s.writer, "/primary", s),
        ...proxy("reader", s.reader, `/replica?lag=${s.readerMaxLagBytes}`, s),
    ].join("\n");
}
