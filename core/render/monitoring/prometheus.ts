/**
 * prometheus.yml for the host that runs Prometheus and the dev stack: Prometheus itself, the node exporters and
 * the api's metrics, and where the caller names them, the region's database nodes' postgres_exporter and
 * redis_exporter, the other hosts' node exporters and the agent hosts', all over the private network (phase 1's
 * agent hosts over their public address: agentHost.ts).
 */
import { toYaml } from "../base/yaml";
import type { ResolvedWorkload } from "../../config/ports";
import { endpointsOf, hostPort, isLocal, serviceDnsName, type HostPlacement } from "../../topology/placement";
import { SPAN_METRICS_PORT } from "./otelCollector";
import { POSTGRES_SCRAPE_JOB, postgresScrapeTargets } from "./postgresExporter";
import { REDIS_SCRAPE_JOB, redisScrapeTargets } from "./redisExporter";
import { AGENT_SCRAPE_JOB, agentScrapeTargets, type AgentScrapeHost } from "./nodeExporter";
import { labelledTargets, type ScrapeHost } from "./scrapeTargets";
import { containerExporterJobs } from "./containerExporters";

export interface ScrapeJob {
    readonly job: string;
    readonly targets: readonly string[];
    /** Labels of single targets (a database node's `node`): each such target gets a static_config of its own. */
    readonly targetLabels?: Readonly<Record<string, Readonly<Record<string, string>>>>;
    readonly metricsPath?: string;
    /** The scraped series' own labels win over the target's (the keeper's `tier` is the target's tier too). */
    readonly honorLabels?: boolean;
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

/** What a region's Prometheus reads on the other hosts of its private network. */
export interface RegionScrapeTargets {
    /** The region's database nodes (Patroni member or server name, private address): the postgres and redis jobs. */
    readonly databaseNodes?: readonly ScrapeHost[];
    /** Every other host whose node exporter is published on its private address: more targets of the node job. */
    readonly hosts?: readonly ScrapeHost[];
    /** Every host that serves the api (phase 3's backends): the api job reads each, not only the one this host calls. */
    readonly apiHosts?: readonly ScrapeHost[];
    /** Every agent-pool host of the region (or phase 1's stack): the agents job reads each one's node exporter. */
    readonly agentHosts?: readonly AgentScrapeHost[];
}

function job(name: string, local: readonly string[], remote?: ReturnType<typeof labelledTargets>): ScrapeJob {
    return remote
        ? { job: name, targets: [...local, ...remote.targets], targetLabels: remote.labels }
        : { job: name, targets: [...local] };
}

/**
 * The jobs a host's Prometheus scrapes. The api is expected to serve Prometheus metrics on `/metrics` at its
 * port (the contract with the application image); a missing endpoint shows as a down target, not an error.
 * The postgres and redis jobs read the exporter containers where they run here, else the database nodes given.
 */
export function workloadScrapeJobs(
    workload: ResolvedWorkload,
    placement: HostPlacement,
    region: RegionScrapeTargets = {},
): ScrapeJob[] {
    if (!isLocal(placement, "prometheus")) return [];
    const nodes = region.databaseNodes ?? [];
    const hosts = region.hosts ?? [];
    const apiHosts = region.apiHosts ?? [];
    const agentHosts = region.agentHosts ?? [];
    const nodeExporter = endpointsOf(placement, workload, "nodeExporter").map(hostPort);
    const containers = containerExporterJobs(workload, placement);
    if (containers.length > 0 && nodes.length > 0)
        throw new Error(
            "prometheus: exporter containers and database nodes would both be the postgres and redis jobs",
        );
    return [
        { job: "prometheus", targets: [`localhost:${workload.prometheus.port}`] },
        job(
            "node",
            nodeExporter,
            hosts.length > 0 ? labelledTargets("node", hosts, workload.nodeExporter.port) : undefined,
        ),
        {
            ...(apiHosts.length > 0
                ? job("api", [], labelledTargets("api", apiHosts, workload.api.port))
                : job("api", endpointsOf(placement, workload, "api").map(hostPort))),
            metricsPath: "/metrics",
        },
        // Phase 1 and dev: the exporters run as containers beside a containerised Postgres and Redis.
        ...containers,
        // The request and duration metrics the collector derives from the app's spans.
        ...(isLocal(placement, "otelCollector")
            ? [
                  {
                      job: "otel-collector",
                      targets: [`${serviceDnsName("otelCollector")}:${SPAN_METRICS_PORT}`],
                  },
              ]
            : []),
        ...(nodes.length > 0
            ? [
                  job(POSTGRES_SCRAPE_JOB, [], postgresScrapeTargets(nodes)),
                  job(REDIS_SCRAPE_JOB, [], redisScrapeTargets(nodes)),
              ]
            : []),
        // Without honor_labels the keeper's `tier` would come back as exported_tier beside the target's.
        ...(agentHosts.length > 0
            ? [{ ...job(AGENT_SCRAPE_JOB, [], agentScrapeTargets(agentHosts)), honorLabels: true }]
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
            ...(j.honorLabels ? { honor_labels: true } : {}),
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
