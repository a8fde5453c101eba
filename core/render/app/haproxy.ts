/**
 * haproxy.cfg of the seed's HAProxy load balancer: TCP passthrough of HTTPS to the backends (they terminate TLS
 * with the origin certificate), active HTTP health checks, and retries plus redispatch so a connection refused
 * by a backend that just died goes to another one instead of failing the request.
 */

export interface HaproxyBackend {
    readonly name: string;
    readonly address: string;
    readonly port: number;
}

export interface HaproxySpec {
    readonly bind: { readonly address: string; readonly port: number };
    readonly backends: readonly HaproxyBackend[];
    readonly health: {
        readonly path: string;
        /** Host header of the check (the backend routes by host). */
        readonly host: string;
        /** Check over TLS: the backends only speak HTTPS. */
        readonly tls: boolean;
        readonly intervalMs: number;
        /** Failed checks before a backend is out, passed checks before it is back. */
        readonly fall: number;
        readonly rise: number;
    };
    /** `log` target: `/dev/log` on a host, `stdout format raw` in a container or test. */
    readonly log: string;
    readonly maxconn: number;
    /** Stats and runtime API socket, for `show servers state`. */
    readonly statsSocket: string;
}

function word(field: string, v: string): string {
    if (!/^[A-Za-z0-9._:/@[\]-]+$/.test(v))
        throw new Error(`haproxy ${field} '${v}' has characters the config cannot carry`);
    return v;
}

export function renderHaproxyConfig(s: HaproxySpec): string {
    if (s.backends.length === 0) throw new Error("haproxy needs at least one backend");
    if (!/^\/[A-Za-z0-9._~/-]*$/.test(s.health.path))
        throw new Error(`health path '${s.health.path}' must be a plain absolute path`);
    const h = s.health;
    return [
        "# phase-stacks: HAProxy in front of the backend servers (Chrono Phase 3).",
        "global",
        `    log ${s.log} local0`,
        `    maxconn ${s.maxconn}`,
        `    stats socket ${word("statsSocket", s.statsSocket)} mode 600 level admin`,
        "",
        "defaults",
        "    mode tcp",
        "    log global",
        "    option tcplog",
        "    option dontlognull",
        "    timeout connect 3s",
        "    timeout client 60s",
        "    timeout server 60s",
        "    timeout check 2s",
        "    retries 3",
        "    option redispatch 1",
        "",
        "frontend web",
        `    bind ${word("bind address", s.bind.address)}:${s.bind.port}`,
        "    default_backend fleet",
        "",
        "backend fleet",
        "    balance roundrobin",
        "    option httpchk",
        `    http-check send meth GET uri ${h.path} ver HTTP/1.1 hdr Host ${word("health host", h.host)}`,
        "    http-check expect status 200-399",
        `    default-server inter ${h.intervalMs} fastinter ${Math.max(250, Math.floor(h.intervalMs / 2))} downinter ${h.intervalMs} fall ${h.fall} rise ${h.rise} on-marked-down shutdown-sessions${h.tls ? " check-ssl verify none" : ""}`,
        ...s.backends.map(
            (b) =>
                `    server ${word("backend name", b.name)} ${word("backend address", b.address)}:${b.port} check`,
        ),
        "",
    ].join("\n");
}
