import { afterAll, describe, expect, it } from "vitest";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { renderGrafanaDatasources } from "../../../core/render/monitoring/grafana";
import { ALL_LOCAL } from "../../../core/topology/placement";
import { renderPrometheusConfig, workloadScrapeJobs } from "../../../core/render/monitoring/prometheus";
import { runTool } from "../../helpers/tools";
import { WORKLOAD, pyYamlLoad, removeDir, tempDir } from "../fixtures";

interface PromConfig {
    global: { scrape_interval: string; external_labels: Record<string, string> };
    scrape_configs: { job_name: string; metrics_path?: string; static_configs: { targets: string[] }[] }[];
}

const dirs: string[] = [];
afterAll(() => dirs.forEach(removeDir));

function promtool(text: string): { status: number | null; output: string } {
    const dir = tempDir("prom");
    dirs.push(dir);
    const file = join(dir, "prometheus.yml");
    writeFileSync(file, text);
    return runTool("promtool", ["check", "config", file]);
}

describe("prometheus.yml", () => {
    const text = renderPrometheusConfig("phase1", workloadScrapeJobs(WORKLOAD, ALL_LOCAL));
    const c = parse(text) as PromConfig;
    const job = (name: string) => c.scrape_configs.find((j) => j.job_name === name);

    it("scrapes Prometheus itself, the node exporter and the api's /metrics", () => {
        expect(job("prometheus")!.static_configs[0]!.targets).toEqual(["localhost:9090"]);
        expect(job("node")!.static_configs[0]!.targets).toEqual(["node-exporter:9100"]);
        expect(job("api")).toMatchObject({
            metrics_path: "/metrics",
            static_configs: [{ targets: ["api:8000"] }],
        });
        expect(c.global.external_labels).toEqual({ stack: "phase1" });
    });

    it("scrapes every copy of a replicated api", () => {
        const jobs = workloadScrapeJobs({ ...WORKLOAD, api: { ...WORKLOAD.api, replicas: 3 } }, ALL_LOCAL);
        expect(jobs.find((j) => j.job === "api")!.targets).toEqual([
            "api-1:8000",
            "api-2:8000",
            "api-3:8000",
        ]);
    });

    it("reads the same in a YAML 1.1 reader", () => {
        expect(pyYamlLoad(text)).toEqual(c);
    });

    it("passes `promtool check config`", () => {
        const r = promtool(text);
        expect(r.output).toContain("SUCCESS");
        expect(r.status).toBe(0);
    });

    it("is rejected by promtool when broken (the check can fail)", () => {
        const r = promtool(text.replace("scrape_interval: 15s", "scrape_interval: fifteen"));
        expect(r.status).not.toBe(0);
    });
});

describe("Grafana datasource provisioning", () => {
    const c = parse(renderGrafanaDatasources("http://prometheus:9090", "http://loki:3100")) as {
        apiVersion: number;
        datasources: Record<string, unknown>[];
    };

    it("provisions Prometheus as the default, locked datasource, and Loki beside it", () => {
        expect(c.apiVersion).toBe(1);
        expect(c.datasources).toHaveLength(2);
        expect(c.datasources[1]).toMatchObject({
            type: "loki",
            uid: "loki",
            url: "http://loki:3100",
            isDefault: false,
        });
        expect(c.datasources[0]).toMatchObject({
            type: "prometheus",
            access: "proxy",
            url: "http://prometheus:9090",
            isDefault: true,
            editable: false,
        });
    });
});
