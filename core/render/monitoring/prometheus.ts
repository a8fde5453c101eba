/**
 * prometheus.yml for the app host and the dev stack: Prometheus itself, the node exporter and the api's metrics,
 * and where the caller names them, the region's database nodes' postgres_exporter.
 */
import { toYaml } from "../base/yaml";
import type { ResolvedWorkload } from "../../config/ports";
import { endpointsOf, hostPort, isLocal, type HostPlacement } from "../../topology/placement";
import { POSTGRES_SCRAPE_JOB, postgresScrapeTargets, type DatabaseNodeTarget } from "./postgresExporter";

export interface ScrapeJob {
    readonly job: string;
    readonly targets: readonly string[];
    /** Labels of single targets (a database node's `node`): each such target gets a static_config of its own. */
    readonly targetLabels?: Readonly<Record<string, Readonly<Record<string, string>>>>;
    readonly metricsPath?: string;
    /**
     * Targets are URLs that this blackbox_exporter (host:port) probes with `module`, once a minute; `hostname`
     * is the Host header and TLS server name when the URLs name a server by its address.
     */
    readonly probe?: { readonly module: string; readonly exporter: string; readonly hostname?: string };
}

/** The probed URL becomes the exporter's `target` parameter and the series' `instance`. */
function probeConfig(probe: NonNullable<ScrapeJob["probe"]>): object {
    return {
        scrape_interval: "1m",
        params: { module: [probe.module], ...(probe.hostname ? { hostname: [probe.hostname] } : {}) },
        relabel_configs: [
            { source_labels: ["__address__"], target_label: "__param_target" },
            { source_labels: ["__param_target"], target_label: "instance" },
            { target_label: "__address__", replacement: probe.exporter },
        ],
    };
}

/**
 * The jobs a host's Prometheus scrapes. The api is expected to serve Prometheus metrics on `/metrics` at its
 * port (the contract with the application image); a missing endpoint shows as a down target, not an error.
 * `databaseNodes`: the region's database nodes, whose postgres_exporter the `postgres` job reads over the
 * private network (none: no such job).
 */
export function workloadScrapeJobs(
    workload: ResolvedWorkload,
    placement: HostPlacement,
    databaseNodes: readonly DatabaseNodeTarget[] = [],
): ScrapeJob[] {
    if (!isLocal(placement, "prometheus")) return [];
    const postgres = databaseNodes.length > 0 ? postgresScrapeTargets(databaseNodes) : undefined;
    return [
        { job: "prometheus", targets: [`localhost:${workload.prometheus.port}`] },
        { job: "node", targets: endpointsOf(placement, workload, "nodeExporter").map(hostPort) },
        {
            job: "api",
            targets: endpointsOf(placement, workload, "api").map(hostPort),
            metricsPath: "/metrics",
        },
        ...(postgres
            ? [{ job: POSTGRES_SCRAPE_JOB, targets: postgres.targets, targetLabels: postgres.labels }]
            : []),
    ];
}

function staticConfigs(j: ScrapeJob): object[] {
    const labelled = j.targetLabels ?? {};
    const plain = j.targets.filter((t) => labelled[t] === undefined);
    return [
        ...(plain.length > 0 || j.targets.length === 0 ? [{ targets: plain }] : []),
        ...j.targets
            .filter((t) => labelled[t] !== undefined)
            .map((t) => ({ targets: [t], labels: { ...labelled[t] } })),
    ];
}

/**
 * `ruleFiles`: rule files as the Prometheus process sees them (container paths). `alertmanagers`: host:port of
 * each Alertmanager that receives the firing alerts.
 */
export function buildPrometheusConfig(
    stack: string,
    jobs: readonly ScrapeJob[],
    ruleFiles: readonly string[] = [],
    alertmanagers: readonly string[] = [],
): object {
    return {
        global: { scrape_interval: "15s", evaluation_interval: "15s", external_labels: { stack } },
        ...(ruleFiles.length > 0 ? { rule_files: [...ruleFiles] } : {}),
        ...(alertmanagers.length > 0
            ? { alerting: { alertmanagers: [{ static_configs: [{ targets: [...alertmanagers] }] }] } }
            : {}),
        scrape_configs: jobs.map((j) => ({
            job_name: j.job,
            ...(j.metricsPath ? { metrics_path: j.metricsPath } : {}),
            ...(j.probe ? probeConfig(j.probe) : {}),
            static_configs: staticConfigs(j),
        })),
    };
}

export function renderPrometheusConfig(
    stack: string,
    jobs: readonly ScrapeJob[],
    ruleFiles: readonly string[] = [],
    alertmanagers: readonly string[] = [],
): string {
    return toYaml(buildPrometheusConfig(stack, jobs, ruleFiles, alertmanagers));
}
