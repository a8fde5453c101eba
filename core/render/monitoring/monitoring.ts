/**
 * The monitoring files of the host that runs Prometheus or Grafana: prometheus.yml loading the phase's scaling
 * alerts, the alerts themselves, and Grafana's datasource pointing at Prometheus.
 */
import type { Phase } from "../../phases";
import type { ResolvedWorkload } from "../../config/ports";
import { RULE_FILES_GLOB, RULES_DIRS, SCALING_RULES_FILE, renderAlertRules } from "./alertRules";
import type { RenderedFile } from "../base/artifact";
import { renderGrafanaDatasources } from "./grafana";
import { HOST_PATHS } from "../base/paths";
import { hostPort, serviceEndpoint, type HostPlacement } from "../../topology/placement";
import { renderPrometheusConfig, workloadScrapeJobs } from "./prometheus";

export function prometheusFiles(
    stack: string,
    phase: Phase,
    workload: ResolvedWorkload,
    placement: HostPlacement,
): RenderedFile[] {
    return [
        {
            path: HOST_PATHS.prometheusConfig,
            content: renderPrometheusConfig(stack, workloadScrapeJobs(workload, placement), [
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
    ];
}

export function grafanaDatasourceFile(workload: ResolvedWorkload, placement: HostPlacement): RenderedFile {
    return {
        path: HOST_PATHS.grafanaDatasource,
        content: renderGrafanaDatasources(
            `http://${hostPort(serviceEndpoint(placement, workload, "prometheus"))}`,
        ),
        kind: "grafana",
        permissions: "0644",
    };
}
