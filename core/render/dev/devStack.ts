/**
 * Files the local `dev` stack's containers receive (uploaded by @pulumi/docker at the container paths below):
 * the same Caddy, Prometheus, Alertmanager, blackbox_exporter and Grafana builders as the app host, over plain
 * HTTP on localhost. Containers
 * must answer to `serviceDnsName(name)` (or `instanceHosts` for copies) on their network, as compose services do.
 */
import type { ServiceName } from "../../workload/services";
import type { ResolvedWorkload } from "../../config/ports";
import { RULE_FILES_GLOB, RULES_DIRS, SCALING_RULES_FILE, renderAlertRules } from "../monitoring/alertRules";
import type { RenderedFile } from "../base/artifact";
import { renderCaddyConfig } from "../app/caddy";
import { grafanaDashboardFiles, renderGrafanaDatasources } from "../monitoring/grafana";
import { CONTAINER_PATHS } from "../base/paths";
import { ALL_LOCAL, endpointsOf, hostPort, serviceDnsName, serviceEndpoint } from "../../topology/placement";
import { renderPrometheusConfig, workloadScrapeJobs } from "../monitoring/prometheus";
import { lokiConfigFile } from "../monitoring/loki";
import { otelCollectorFile } from "../monitoring/otelCollector";
import { renderAlertmanagerConfig } from "../monitoring/alertmanager";
import {
    renderBlackboxConfig,
    renderUptimeRules,
    uptimeScrapeJobs,
    UPTIME_RULES_FILE,
} from "../monitoring/uptime";

/** Caddy listens here inside its container; publish it on 127.0.0.1 only. */
export const DEV_PROXY_PORT = 8080;
/** Browsers resolve every *.localhost name to loopback. */
export const DEV_HOSTNAMES = { app: "localhost", api: "api.localhost" } as const;

export interface DevStackSpec {
    readonly workload: ResolvedWorkload;
}

export interface DevStackFiles {
    readonly files: readonly RenderedFile[];
    /** The files to upload into each service's container. */
    readonly byService: Readonly<Partial<Record<ServiceName, readonly RenderedFile[]>>>;
}

export function renderDevStack(spec: DevStackSpec): DevStackFiles {
    const { workload } = spec;
    const placement = ALL_LOCAL;
    const caddy = renderCaddyConfig({
        listener: { scheme: "http", port: DEV_PROXY_PORT },
        sites: [
            {
                hosts: [DEV_HOSTNAMES.app, "127.0.0.1"],
                upstreams: endpointsOf(placement, workload, "frontend").map(hostPort),
                healthPath: workload.frontend.healthPath,
            },
            {
                hosts: [DEV_HOSTNAMES.api],
                upstreams: endpointsOf(placement, workload, "api").map(hostPort),
                healthPath: workload.api.healthPath,
            },
        ],
    });
    const byService: Partial<Record<ServiceName, RenderedFile[]>> = {
        proxy: [{ path: CONTAINER_PATHS.caddyConfig, content: caddy, kind: "caddy", permissions: "0644" }],
        prometheus: [
            {
                path: CONTAINER_PATHS.prometheusConfig,
                content: renderPrometheusConfig(
                    "dev",
                    [
                        ...workloadScrapeJobs(workload, placement),
                        // Nothing public to probe; the origin is the plain-HTTP proxy.
                        ...uptimeScrapeJobs(
                            hostPort(serviceEndpoint(placement, workload, "blackboxExporter")),
                            [],
                            [
                                `http://${serviceDnsName("proxy")}:${DEV_PROXY_PORT}${workload.api.healthPath ?? "/"}`,
                            ],
                            DEV_HOSTNAMES.api,
                        ),
                    ],
                    [RULE_FILES_GLOB],
                    [hostPort(serviceEndpoint(placement, workload, "alertmanager"))],
                ),
                kind: "prometheus-config",
                permissions: "0644",
            },
            {
                path: `${RULES_DIRS.container}/${SCALING_RULES_FILE}`,
                content: renderAlertRules("dev"),
                kind: "prometheus-rules",
                permissions: "0644",
            },
            {
                path: `${RULES_DIRS.container}/${UPTIME_RULES_FILE}`,
                content: renderUptimeRules(),
                kind: "prometheus-rules",
                permissions: "0644",
            },
        ],
        // No receiver: dev's alerts stay in Alertmanager's UI.
        alertmanager: [
            {
                path: CONTAINER_PATHS.alertmanagerConfig,
                content: renderAlertmanagerConfig(undefined),
                kind: "alertmanager",
                permissions: "0644",
            },
        ],
        blackboxExporter: [
            {
                path: CONTAINER_PATHS.blackboxConfig,
                content: renderBlackboxConfig(),
                kind: "blackbox",
                permissions: "0644",
            },
        ],
        grafana: [
            {
                path: CONTAINER_PATHS.grafanaDatasource,
                content: renderGrafanaDatasources(
                    `http://${hostPort(serviceEndpoint(placement, workload, "prometheus"))}`,
                    `http://${hostPort(serviceEndpoint(placement, workload, "loki"))}`,
                ),
                kind: "grafana",
                permissions: "0644",
            },
            // The dashboards the seeds ask for, the trigger board against phase 1's thresholds (what dev runs).
            ...grafanaDashboardFiles("dev"),
        ],
        loki: [lokiConfigFile("dev", workload.loki.port, CONTAINER_PATHS.lokiConfig)],
        otelCollector: [otelCollectorFile(workload.otelCollector.port, CONTAINER_PATHS.otelCollectorConfig)],
    };
    return { files: Object.values(byService).flat(), byService };
}
