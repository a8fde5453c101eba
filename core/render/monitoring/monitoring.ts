/**
 * The monitoring files of the host that runs Prometheus or Grafana: prometheus.yml loading the phase's scaling
 * and uptime alerts and sending them to the Alertmanager beside it, the alerts themselves, Alertmanager's and
 * blackbox_exporter's configs, and Grafana's datasource and dashboards. A region's Prometheus also scrapes the
 * region's database nodes and, in phase 4's primary region, evaluates the replication alerts.
 */
import type { Phase } from "../../phases";
import type { ResolvedWorkload } from "../../config/ports";
import { RULE_FILES_GLOB, RULES_DIRS, SCALING_RULES_FILE, renderAlertRules } from "./alertRules";
import type { RenderedFile } from "../base/artifact";
import { GRAFANA_DASHBOARD_PATHS, grafanaDashboardFiles, renderGrafanaDatasources } from "./grafana";
import { CONTAINER_PATHS, HOST_PATHS } from "../base/paths";
import { hostPort, isLocal, serviceEndpoint, type HostPlacement } from "../../topology/placement";
import { renderPrometheusConfig, workloadScrapeJobs, type RegionScrapeTargets } from "./prometheus";
import { receiverWithCredential, renderAlertmanagerConfig, type AlertReceiverSpec } from "./alertmanager";
import {
    renderBlackboxConfig,
    renderUptimeRules,
    uptimeScrapeJobs,
    UPTIME_RULES_FILE,
    type UptimeTargets,
} from "./uptime";
import {
    REPLICATION_RULES_FILE,
    renderReplicationRules,
    type ReplicationRulesSpec,
} from "./replicationRules";

/** What a region's Prometheus watches beyond its own host's placement. */
export interface PrometheusInputs extends RegionScrapeTargets {
    /**
     * Phase 4's primary region only: the regions that stream from its primary. Ships the replication rules, which
     * read the primary's exporter, so it needs `databaseNodes`.
     */
    readonly replication?: ReplicationRulesSpec;
    /** What the blackbox_exporter beside Prometheus probes (none: the uptime rules ship, no probe job). */
    readonly uptime?: UptimeTargets;
}

function uptimeJobs(workload: ResolvedWorkload, placement: HostPlacement, uptime: UptimeTargets | undefined) {
    if (!uptime || !isLocal(placement, "blackboxExporter")) return [];
    const exporter = hostPort(serviceEndpoint(placement, workload, "blackboxExporter"));
    return uptimeScrapeJobs(exporter, uptime.publicUrls, uptime.originUrls, uptime.originHostname);
}

function alertmanagers(workload: ResolvedWorkload, placement: HostPlacement): string[] {
    return isLocal(placement, "alertmanager")
        ? [hostPort(serviceEndpoint(placement, workload, "alertmanager"))]
        : [];
}

export function prometheusFiles(
    stack: string,
    phase: Phase,
    workload: ResolvedWorkload,
    placement: HostPlacement,
    inputs: PrometheusInputs = {},
): RenderedFile[] {
    const databaseNodes = inputs.databaseNodes ?? [];
    if (inputs.replication && databaseNodes.length === 0)
        throw new Error(
            "prometheus: the replication rules read the primary region's postgres_exporter: pass databaseNodes",
        );
    return [
        {
            path: HOST_PATHS.prometheusConfig,
            content: renderPrometheusConfig(
                stack,
                [
                    ...workloadScrapeJobs(workload, placement, inputs),
                    ...uptimeJobs(workload, placement, inputs.uptime),
                ],
                [RULE_FILES_GLOB],
                alertmanagers(workload, placement),
            ),
            kind: "prometheus-config",
            permissions: "0644",
        },
        {
            path: `${RULES_DIRS.host}/${SCALING_RULES_FILE}`,
            content: renderAlertRules(phase),
            kind: "prometheus-rules",
            permissions: "0644",
        },
        {
            path: `${RULES_DIRS.host}/${UPTIME_RULES_FILE}`,
            content: renderUptimeRules(),
            kind: "prometheus-rules",
            permissions: "0644",
        },
        ...(inputs.replication
            ? [
                  {
                      path: `${RULES_DIRS.host}/${REPLICATION_RULES_FILE}`,
                      content: renderReplicationRules(inputs.replication),
                      kind: "prometheus-rules",
                      permissions: "0644",
                  } satisfies RenderedFile,
              ]
            : []),
    ];
}

export function grafanaDatasourceFile(workload: ResolvedWorkload, placement: HostPlacement): RenderedFile {
    return {
        path: HOST_PATHS.grafanaDatasource,
        content: renderGrafanaDatasources(
            `http://${hostPort(serviceEndpoint(placement, workload, "prometheus"))}`,
            `http://${hostPort(serviceEndpoint(placement, workload, "loki"))}`,
        ),
        kind: "grafana",
        permissions: "0644",
    };
}

/** Grafana's dashboard provider and dashboards on the host, under the directories compose mounts them from. */
export function grafanaDashboardHostFiles(phase: Phase): RenderedFile[] {
    return grafanaDashboardFiles(phase).map((f) => ({
        ...f,
        path:
            f.path === GRAFANA_DASHBOARD_PATHS.provider
                ? HOST_PATHS.grafanaDashboardProvider
                : f.path.replace(GRAFANA_DASHBOARD_PATHS.dir, HOST_PATHS.grafanaDashboards),
    }));
}

/** alertmanager.yml; without a receiver, alerts stay in Alertmanager's UI (see buildAlertmanagerConfig). */
export function alertmanagerFile(receiver: AlertReceiverSpec | undefined): RenderedFile {
    return {
        path: HOST_PATHS.alertmanagerConfig,
        content: renderAlertmanagerConfig(
            receiver && receiverWithCredential(receiver, CONTAINER_PATHS.alertReceiverCredential),
        ),
        kind: "alertmanager",
        permissions: "0644",
    };
}

export function blackboxFile(): RenderedFile {
    return {
        path: HOST_PATHS.blackboxConfig,
        content: renderBlackboxConfig(),
        kind: "blackbox",
        permissions: "0644",
    };
}
