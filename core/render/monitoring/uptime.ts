/**
 * Uptime checks: blackbox_exporter's modules, the Prometheus jobs that make it probe every minute, and the
 * alert when a probe fails. The public URLs are probed through Cloudflare (what users see, certificate
 * chain verified); each origin is probed directly, so an alert says whether the edge or the server failed.
 */
import { toYaml } from "../base/yaml";
import type { ScrapeJob } from "./prometheus";
import type { Workload } from "../../workload/services";

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

/**
 * `exporter`: host:port of blackbox_exporter as Prometheus reaches it. `originHostname`: the name the origins'
 * proxy serves (Host header and TLS server name), for origin URLs that name a server by its address.
 */
export function uptimeScrapeJobs(
    exporter: string,
    publicUrls: readonly string[],
    originUrls: readonly string[],
    originHostname?: string,
): ScrapeJob[] {
    const job = (
        kind: keyof typeof PROBE_MODULES,
        urls: readonly string[],
        hostname?: string,
    ): ScrapeJob => ({
        job: `uptime-${kind}`,
        targets: urls,
        metricsPath: "/probe",
        probe: { module: PROBE_MODULES[kind], exporter, ...(hostname ? { hostname } : {}) },
    });
    return [
        ...(publicUrls.length > 0 ? [job("public", publicUrls)] : []),
        ...(originUrls.length > 0 ? [job("origin", originUrls, originHostname)] : []),
    ];
}

/** What a monitoring host's uptime jobs probe. */
export interface UptimeTargets {
    /** The stack's URLs as users reach them, through Cloudflare. */
    readonly publicUrls: readonly string[];
    /** Each origin server's URL, by the address the monitoring host reaches it at. */
    readonly originUrls: readonly string[];
    /** The hostname the origins serve `originUrls` under. */
    readonly originHostname: string;
}

/**
 * The frontend's and the API's health paths on every public hostname, and the API's health path on each origin
 * (`origins`: the address of each server running the proxy): the one path Authenticated Origin Pulls serves
 * without Cloudflare's client certificate.
 */
export function uptimeTargets(
    hostnames: { readonly app: string; readonly api: string; readonly write?: string },
    workload: Pick<Workload, "frontend" | "api">,
    origins: readonly string[],
): UptimeTargets {
    const api = workload.api.healthPath ?? "/";
    const apiHosts = [hostnames.api, ...(hostnames.write ? [hostnames.write] : [])];
    return {
        publicUrls: [
            `https://${hostnames.app}${workload.frontend.healthPath ?? "/"}`,
            ...apiHosts.map((h) => `https://${h}${api}`),
        ],
        originUrls: origins.map((o) => `https://${o}${api}`),
        originHostname: hostnames.api,
    };
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
