/**
 * The monitoring files of the host that runs Prometheus or Grafana: prometheus.yml loading the phase's scaling
 * alerts, the alerts themselves, and Grafana's datasource pointing at Prometheus. A region's Prometheus also
 * scrapes the region's database nodes and, in phase 4's primary region, evaluates the replication alerts.
 */
import type { Phase } from "../../phases";
import type { ResolvedWorkload } from "../../config/ports";
import { RULE_FILES_GLOB, RULES_DIRS, SCALING_RULES_FILE, renderAlertRules } from "./alertRules";
import type { RenderedFile } from "../base/artifact";
import { renderGrafanaDatasources } from "./grafana";
import { HOST_PATHS } from "../base/paths";
import { hostPort, serviceEndpoint, type HostPlacement } from "../../topology/placement";
import { renderPrometheusConfig, workloadScrapeJobs, type RegionScrapeTargets } from "./prometheus";
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
            content: renderPrometheusConfig(stack, workloadScrapeJobs(workload, placement, inputs), [
                RULE_FILES_GLOB,
            ]),
            kind: "prometheus-config",
            permissions: "0644",
        },
        {
            path: `${RULES_DIRS.host}/${SCALING_RULES_FILE}`,
            content: renderAlertRules(phase),
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
