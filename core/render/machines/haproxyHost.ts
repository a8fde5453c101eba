/**
 * The user data of the seed's HAProxy load balancer (phase 3 with `loadBalancer.kind: haproxy`): Ubuntu's
 * haproxy package with the rendered config, host hardening, nothing else. It is the web entry and, on its
 * private address, the data tier's role endpoints. It carries no secret: TLS passes through to the backends,
 * which hold the origin certificate, and the role checks need only the cluster CA's certificate.
 */
import { renderCloudConfig } from "../base/cloudInit";
import { renderHaproxy } from "../base/haproxy";
import { webProxySections, type HaproxyBackend } from "../app/haproxy";
import { roleProxySections, type RoleProxySpec } from "../data/roleProxy";
import { renderHardening } from "../host/hardening";

export const HAPROXY_CONFIG = "/etc/haproxy/haproxy.cfg";
/** The data tier's cluster CA: Patroni's REST certificates chain to it. */
export const HAPROXY_CLUSTER_CA = "/etc/haproxy/cluster-ca.pem";

export interface HaproxyHostSpec {
    readonly backends: readonly HaproxyBackend[];
    readonly healthPath: string;
    readonly healthHost: string;
    /** The role endpoints on the private address, and the CA their checks verify. */
    readonly roles: Omit<RoleProxySpec, "caFile" | "health"> & { readonly caCertPem: string };
}

/** Checks every 2 s, out after 2 failures: a failover moves writes within about 4 s of Patroni's promotion. */
const ROLE_HEALTH = { intervalMs: 2000, fastIntervalMs: 500, fall: 2, rise: 2 } as const;

export function renderHaproxyHostConfig(spec: HaproxyHostSpec): string {
    return renderHaproxy(
        {
            comment: "the seed's HAProxy: the web entry and the data tier's role endpoints.",
            log: "/dev/log",
            maxconn: 20000,
            statsSocket: "/run/haproxy/admin.sock",
        },
        [
            ...webProxySections({
                bind: { address: "0.0.0.0", port: 443 },
                backends: spec.backends,
                health: {
                    path: spec.healthPath,
                    host: spec.healthHost,
                    tls: true,
                    intervalMs: 2000,
                    fall: 2,
                    rise: 2,
                },
            }),
            ...roleProxySections({ ...spec.roles, caFile: HAPROXY_CLUSTER_CA, health: ROLE_HEALTH }),
        ],
    );
}

export function renderHaproxyHost(spec: HaproxyHostSpec): string {
    return renderCloudConfig({
        packages: ["haproxy", "fail2ban", "python3-systemd", "unattended-upgrades"],
        files: [
            {
                path: HAPROXY_CLUSTER_CA,
                content: spec.roles.caCertPem,
                kind: "pem",
                permissions: "0644",
            },
            {
                path: HAPROXY_CONFIG,
                content: renderHaproxyHostConfig(spec),
                kind: "haproxy",
                permissions: "0644",
            },
            ...renderHardening(),
        ],
        runcmd: [
            ["systemctl", "enable", "fail2ban.service"],
            ["systemctl", "restart", "fail2ban.service"],
            ["systemctl", "try-reload-or-restart", "ssh.service"],
            ["systemctl", "enable", "haproxy.service"],
            ["systemctl", "restart", "haproxy.service"],
        ],
    });
}
