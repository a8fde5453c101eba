/**
 * haproxy.cfg of the seed's HAProxy load balancer: TCP passthrough of HTTPS to the backends (they terminate TLS
 * with the origin certificate), active HTTP health checks, and retries plus redispatch so a connection refused
 * by a backend that just died goes to another one instead of failing the request.
 */
import { haproxyWord as word, renderHaproxy, type HaproxyProcess } from "../base/haproxy";

export interface HaproxyBackend {
    readonly name: string;
    readonly address: string;
    readonly port: number;
}

export interface WebProxySpec {
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
}

export type HaproxySpec = WebProxySpec & Omit<HaproxyProcess, "comment">;

/** The `frontend web` and `backend fleet` sections. */
export function webProxySections(s: WebProxySpec): string[][] {
    if (s.backends.length === 0) throw new Error("haproxy needs at least one backend");
    if (!/^\/[A-Za-z0-9._~/-]*$/.test(s.health.path))
        throw new Error(`health path '${s.health.path}' must be a plain absolute path`);
    const h = s.health;
    return [
        [
            "frontend web",
            `    bind ${word("bind address", s.bind.address)}:${s.bind.port}`,
            "    default_backend fleet",
        ],
        [
            "backend fleet",
            "    balance roundrobin",
            "    retries 3",
            "    option redispatch 1",
            "    option httpchk",
            `    http-check send meth GET uri ${h.path} ver HTTP/1.1 hdr Host ${word("health host", h.host)}`,
            "    http-check expect status 200-399",
            `    default-server inter ${h.intervalMs} fastinter ${Math.max(250, Math.floor(h.intervalMs / 2))} downinter ${h.intervalMs} fall ${h.fall} rise ${h.rise} on-marked-down shutdown-sessions${h.tls ? " check-ssl verify none" : ""}`,
            ...s.backends.map(
                (b) =>
                    `    server ${word("backend name", b.name)} ${word("backend address", b.address)}:${b.port} check`,
            ),
        ],
    ];
}

export function renderHaproxyConfig(s: HaproxySpec): string {
    return renderHaproxy(
        { comment: "HAProxy in front of the backend servers (Chrono Phase 3).", ...s },
        webProxySections(s),
    );
}
