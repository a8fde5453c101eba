/**
 * The region's Prometheus and the other hosts' exporters: the `postgres` and `redis` jobs list exactly the database
 * nodes the caller passes, each with its member name as `node`, and the `node` job adds every other host's node
 * exporter; the replication rules ship only for a primary region's standbys; the rendered prometheus.yml passes
 * `promtool check config`.
 */
import { afterAll, describe, expect, it } from "vitest";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { RULES_DIRS, SCALING_RULES_FILE } from "../../../core/render/monitoring/alertRules";
import { prometheusFiles } from "../../../core/render/monitoring/monitoring";
import { renderPrometheusConfig, workloadScrapeJobs } from "../../../core/render/monitoring/prometheus";
import {
    REPLICATION_RULES_FILE,
    renderReplicationRules,
    type ReplicationRulesSpec,
} from "../../../core/render/monitoring/replicationRules";
import { renderServiceHost, type ServiceHostSpec } from "../../../core/render/machines/serviceHost";
import { HOST_PATHS } from "../../../core/render/base/paths";
import {
    backendPlacement,
    dataEndpoints,
    frontendPlacement,
    withTelemetry,
} from "../../../core/topology/placements";
import { runTool } from "../../helpers/tools";
import { RESERVATIONS, WORKLOAD, distinctiveSecrets, fileAt, removeDir, tempDir } from "../fixtures";

interface PromConfig {
    rule_files: string[];
    scrape_configs: {
        job_name: string;
        static_configs: { targets: string[]; labels?: Record<string, string> }[];
    }[];
}

const NODES = [
    { name: "pg1", ip: "10.0.1.10" },
    { name: "pg2", ip: "10.0.1.11" },
    { name: "pg3", ip: "10.0.1.12" },
];
const REPLICATION: ReplicationRulesSpec = {
    standbyRegions: [{ region: "us-east", slotName: "us_east" }],
};
const DATA = dataEndpoints(WORKLOAD, "10.0.1.5", "10.0.1.10");
const FRONTEND = withTelemetry(
    frontendPlacement(WORKLOAD, "10.0.1.3", "10.0.1.20", DATA),
    WORKLOAD,
    "10.0.1.3",
);

const dirs: string[] = [];
afterAll(() => dirs.forEach(removeDir));

function promtool(text: string): { status: number | null; output: string } {
    const dir = tempDir("prom-postgres");
    dirs.push(dir);
    writeFileSync(join(dir, "prometheus.yml"), text);
    return runTool("promtool", ["check", "config", join(dir, "prometheus.yml")]);
}

const configOf = (files: ReturnType<typeof prometheusFiles>) =>
    parse(fileAt(files, HOST_PATHS.prometheusConfig).content) as PromConfig;
const job = (c: PromConfig, name: string) => c.scrape_configs.find((j) => j.job_name === name);

describe("the postgres scrape job", () => {
    const files = prometheusFiles("phase3", "phase3", WORKLOAD, FRONTEND, { databaseNodes: NODES });
    const config = configOf(files);

    it("lists exactly the nodes given, at their private address and port 9187, labelled with the member name", () => {
        expect(job(config, "postgres")!.static_configs).toEqual([
            { targets: ["10.0.1.10:9187"], labels: { node: "pg1" } },
            { targets: ["10.0.1.11:9187"], labels: { node: "pg2" } },
            { targets: ["10.0.1.12:9187"], labels: { node: "pg3" } },
        ]);
        const two = configOf(
            prometheusFiles("phase3", "phase3", WORKLOAD, FRONTEND, { databaseNodes: NODES.slice(1) }),
        );
        expect(job(two, "postgres")!.static_configs.flatMap((s) => s.targets)).toEqual([
            "10.0.1.11:9187",
            "10.0.1.12:9187",
        ]);
    });

    it("reads each node's redis_exporter on port 9121 under the same labels", () => {
        expect(job(config, "redis")!.static_configs).toEqual([
            { targets: ["10.0.1.10:9121"], labels: { node: "pg1" } },
            { targets: ["10.0.1.11:9121"], labels: { node: "pg2" } },
            { targets: ["10.0.1.12:9121"], labels: { node: "pg3" } },
        ]);
    });

    it("leaves the other jobs as they were, and adds none without database nodes", () => {
        const plain = configOf(prometheusFiles("phase3", "phase3", WORKLOAD, FRONTEND));
        expect(job(plain, "postgres")).toBeUndefined();
        expect(job(plain, "redis")).toBeUndefined();
        expect(
            config.scrape_configs.filter((j) => j.job_name !== "postgres" && j.job_name !== "redis"),
        ).toEqual(plain.scrape_configs);
        expect(workloadScrapeJobs(WORKLOAD, FRONTEND, {})).toEqual(workloadScrapeJobs(WORKLOAD, FRONTEND));
    });

    it("adds every other host's node exporter to the local one, labelled with the host's name", () => {
        const hosts = [
            { name: "backend-1", ip: "10.0.1.20" },
            { name: "pg1", ip: "10.0.1.10" },
        ];
        const node = job(
            configOf(prometheusFiles("phase3", "phase3", WORKLOAD, FRONTEND, { hosts })),
            "node",
        );
        expect(node!.static_configs).toEqual([
            { targets: [`node-exporter:${WORKLOAD.nodeExporter.port}`] },
            { targets: ["10.0.1.20:9100"], labels: { node: "backend-1" } },
            { targets: ["10.0.1.10:9100"], labels: { node: "pg1" } },
        ]);
        expect(() =>
            workloadScrapeJobs(WORKLOAD, FRONTEND, {
                hosts: [...hosts, { name: "backend-2", ip: "10.0.1.20" }],
            }),
        ).toThrow(/node scrape job: a host's ip appears twice/);
    });

    it("reads the api on every backend given, not only the one the frontend calls", () => {
        const apiHosts = [
            { name: "backend-1", ip: "10.0.1.20" },
            { name: "backend-2", ip: "10.0.1.21" },
        ];
        const api = job(
            configOf(prometheusFiles("phase3", "phase3", WORKLOAD, FRONTEND, { apiHosts })),
            "api",
        );
        expect(api!.static_configs).toEqual([
            { targets: [`10.0.1.20:${WORKLOAD.api.port}`], labels: { node: "backend-1" } },
            { targets: [`10.0.1.21:${WORKLOAD.api.port}`], labels: { node: "backend-2" } },
        ]);
        const plain = job(configOf(prometheusFiles("phase3", "phase3", WORKLOAD, FRONTEND)), "api");
        expect(plain!.static_configs).toEqual([{ targets: [`10.0.1.20:${WORKLOAD.api.port}`] }]);
    });

    it("refuses a node twice or an address that is not one", () => {
        const jobs = (nodes: typeof NODES) => () =>
            workloadScrapeJobs(WORKLOAD, FRONTEND, { databaseNodes: nodes });
        expect(jobs([NODES[0]!, { name: "pg2", ip: NODES[0]!.ip }])).toThrow(/ip appears twice/);
        expect(jobs([NODES[0]!, { ...NODES[1]!, name: "pg1" }])).toThrow(/name appears twice/);
        expect(jobs([{ name: "pg1", ip: "db-1.internal" }])).toThrow(/not an IPv4 address/);
        expect(jobs([{ name: 'pg1"}', ip: "10.0.1.10" }])).toThrow(/not a plain label value/);
    });

    it("passes `promtool check config`, and a broken label does not", () => {
        const text = fileAt(files, HOST_PATHS.prometheusConfig).content;
        const ok = promtool(text);
        expect(ok.output).toContain("SUCCESS");
        expect(ok.status).toBe(0);
        const broken = renderPrometheusConfig("phase3", [
            {
                job: "postgres",
                targets: ["10.0.1.10:9187"],
                targetLabels: { "10.0.1.10:9187": { "0node": "pg1" } },
            },
        ]);
        expect(promtool(broken).status).not.toBe(0);
    });
});

describe("the replication rules", () => {
    const rulesPath = `${RULES_DIRS.host}/${REPLICATION_RULES_FILE}`;

    it("ship only when the caller passes the standby regions", () => {
        const without = prometheusFiles("phase4", "phase4", WORKLOAD, FRONTEND, { databaseNodes: NODES });
        expect(without.map((f) => f.path)).not.toContain(rulesPath);
        expect(without.map((f) => f.path)).toContain(`${RULES_DIRS.host}/${SCALING_RULES_FILE}`);
        const primary = prometheusFiles("phase4", "phase4", WORKLOAD, FRONTEND, {
            databaseNodes: NODES,
            replication: REPLICATION,
        });
        expect(fileAt(primary, rulesPath)).toMatchObject({
            kind: "prometheus-rules",
            content: renderReplicationRules(REPLICATION),
        });
        // The rules directory is loaded by its glob, so the new file needs no line of its own.
        expect(configOf(primary).rule_files).toEqual(["/etc/prometheus/rules/*.rules.yml"]);
    });

    it("refuse to ship without the database nodes whose exporter they read", () => {
        expect(() =>
            prometheusFiles("phase4", "phase4", WORKLOAD, FRONTEND, { replication: REPLICATION }),
        ).toThrow(/pass databaseNodes/);
    });
});

describe("the service host's Prometheus inputs", () => {
    const spec = (placement: ServiceHostSpec["placement"]): ServiceHostSpec => ({
        stack: "phase4",
        hostName: "frontend",
        phase: "phase4",
        workload: WORKLOAD,
        reservationsMb: RESERVATIONS,
        placement,
        hostnames: { app: "app.example.com", api: "api.example.com" },
        postgres: { database: "chrono", user: "chrono_app" },
        secrets: distinctiveSecrets(),
        prometheus: { databaseNodes: NODES, replication: REPLICATION },
    });

    it("reach the frontend's prometheus.yml and rules directory", () => {
        const { files } = renderServiceHost(spec(FRONTEND));
        const config = parse(fileAt(files, HOST_PATHS.prometheusConfig).content) as PromConfig;
        expect(job(config, "postgres")!.static_configs).toHaveLength(3);
        expect(files.map((f) => f.path)).toContain(`${RULES_DIRS.host}/${REPLICATION_RULES_FILE}`);
    });

    it("are refused on a host that runs no Prometheus", () => {
        const backend = withTelemetry(
            backendPlacement(WORKLOAD, "10.0.1.20", "10.0.1.3", DATA),
            WORKLOAD,
            "10.0.1.3",
        );
        expect(() => renderServiceHost(spec(backend))).toThrow(/runs no Prometheus/);
    });
});
