/**
 * Uptime checks: blackbox_exporter's modules, the Prometheus jobs that make it probe every minute, and the
 * alert when a probe fails. The public URLs are probed through Cloudflare (what users see, certificate
 * chain verified); each origin is probed directly, so an alert says whether the edge or the server failed.
 */
import { toYaml } from "../base/yaml";
import type { ScrapeJob } from "./prometheus";

export const PROBE_MODULES = { public: "http_public", origin: "http_origin" } as const;
export const PROBE_DOWN_ALERT = "UptimeProbeFailed";
export const UPTIME_RULES_FILE = "uptime.rules.yml";

export function buildBlackboxConfig(): object {
    const http = { preferred_ip_protocol: "ip4", valid_status_codes: [], follow_redirects: false };
    return {
        modules: {
            [PROBE_MODULES.public]: {
                prober: "http",
                timeout: "10s",
                http: { ...http, fail_if_not_ssl: true },
            },
            // The origin serves Cloudflare's Origin CA certificate, which no public root signs; the chain is
            // verified by the public probe (Cloudflare's strict TLS mode refuses a bad one), this one asks only
            // whether the server answers.
            [PROBE_MODULES.origin]: {
                prober: "http",
                timeout: "10s",
                http: { ...http, tls_config: { insecure_skip_verify: true } },
            },
        },
    };
}

export function renderBlackboxConfig(): string {
    return toYaml(buildBlackboxConfig());
}

/** `exporter`: host:port of blackbox_exporter as Prometheus reaches it. */
export function uptimeScrapeJobs(
    exporter: string,
    publicUrls: readonly string[],
    originUrls: readonly string[],
): ScrapeJob[] {
    const job = (kind: keyof typeof PROBE_MODULES, urls: readonly string[]): ScrapeJob => ({
        job: `uptime-${kind}`,
        targets: urls,
        metricsPath: "/probe",
        probe: { module: PROBE_MODULES[kind], exporter },
    });
    return [
        ...(publicUrls.length > 0 ? [job("public", publicUrls)] : []),
        ...(originUrls.length > 0 ? [job("origin", originUrls)] : []),
    ];
}

/** Two failed probes in a row (2 minutes at the 1-minute interval): one dropped packet does not page. */
export function buildUptimeRules(): object {
    return {
        groups: [
            {
                name: "uptime",
                rules: [
                    {
                        alert: PROBE_DOWN_ALERT,
                        expr: 'probe_success{job=~"uptime-.*"} == 0',
                        for: "2m",
                        labels: { severity: "critical" },
                        annotations: {
                            summary: "An uptime probe fails",
                            description:
                                "job uptime-public: the URL fails through Cloudflare; job uptime-origin: the server itself does not answer.",
                        },
                    },
                ],
            },
        ],
    };
}

export function renderUptimeRules(): string {
    return toYaml(buildUptimeRules());
}
