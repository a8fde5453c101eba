/**
 * The user data of the seed's HAProxy load balancer (phase 3 with `loadBalancer.kind: haproxy`): Ubuntu's
 * haproxy package with the rendered config, host hardening, nothing else. It carries no secret: TLS passes
 * through to the backends, which hold the origin certificate.
 */
import { renderCloudConfig } from "../base/cloudInit";
import { renderHaproxyConfig, type HaproxyBackend } from "../app/haproxy";
import { renderHardening } from "../host/hardening";

export const HAPROXY_CONFIG = "/etc/haproxy/haproxy.cfg";

export interface HaproxyHostSpec {
    readonly backends: readonly HaproxyBackend[];
    readonly healthPath: string;
    readonly healthHost: string;
}

export function renderHaproxyHostConfig(spec: HaproxyHostSpec): string {
    return renderHaproxyConfig({
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
        log: "/dev/log",
        maxconn: 20000,
        statsSocket: "/run/haproxy/admin.sock",
    });
}

export function renderHaproxyHost(spec: HaproxyHostSpec): string {
    return renderCloudConfig({
        packages: ["haproxy", "fail2ban", "python3-systemd", "unattended-upgrades"],
        files: [
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
