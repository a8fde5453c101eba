import { afterAll, describe, expect, it } from "vitest";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { toYaml } from "../../../core/render/base/yaml";
import { renderPrometheusConfig } from "../../../core/render/monitoring/prometheus";
import {
    PROBE_DOWN_ALERT,
    UPTIME_RULES_FILE,
    renderBlackboxConfig,
    renderUptimeRules,
    uptimeScrapeJobs,
    uptimeTargets,
} from "../../../core/render/monitoring/uptime";
import { runTool } from "../../helpers/tools";
import { pyYamlLoad, removeDir, tempDir } from "../fixtures";

const dirs: string[] = [];
afterAll(() => dirs.forEach(removeDir));

function write(files: Record<string, string>): string {
    const dir = tempDir("uptime");
    dirs.push(dir);
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    return dir;
}

const JOBS = uptimeScrapeJobs(
    "blackbox-exporter:9115",
    ["https://app.example.com/"],
    ["https://10.0.1.2/"],
    "api.example.com",
);

interface ScrapeConfig {
    job_name: string;
    scrape_interval: string;
    metrics_path: string;
    params: { module: string[]; hostname?: string[] };
    relabel_configs: { target_label: string; replacement?: string }[];
    static_configs: { targets: string[] }[];
}

describe("blackbox_exporter config", () => {
    it("passes blackbox_exporter's own --config.check", () => {
        const dir = write({ "blackbox.yml": renderBlackboxConfig() });
        const r = runTool("prometheus-blackbox-exporter", [
            `--config.file=${join(dir, "blackbox.yml")}`,
            "--config.check",
        ]);
        expect(r.status, r.output).toBe(0);
    });

    it("is rejected by blackbox_exporter when broken (the check can fail)", () => {
        const text = renderBlackboxConfig().replace("timeout: 10s", "timeout: ten");
        const dir = write({ "blackbox.yml": text });
        const r = runTool("prometheus-blackbox-exporter", [
            `--config.file=${join(dir, "blackbox.yml")}`,
            "--config.check",
        ]);
        expect(r.status).not.toBe(0);
    });

    it("verifies the public chain and requires TLS there; only the origin probe skips verification", () => {
        const c = parse(renderBlackboxConfig()) as {
            modules: Record<string, { http: Record<string, unknown> }>;
        };
        expect(c.modules["http_public"]!.http).toMatchObject({ fail_if_not_ssl: true });
        expect(c.modules["http_public"]!.http).not.toHaveProperty("tls_config");
        expect(c.modules["http_origin"]!.http).toMatchObject({ tls_config: { insecure_skip_verify: true } });
        expect(pyYamlLoad(renderBlackboxConfig())).toEqual(c);
    });
});

describe("uptime scrape jobs", () => {
    const text = renderPrometheusConfig("phase1", JOBS);
    const jobs = (parse(text) as { scrape_configs: ScrapeConfig[] }).scrape_configs;

    it("probes the public URLs and the origins every minute through the exporter", () => {
        expect(jobs.map((j) => j.job_name)).toEqual(["uptime-public", "uptime-origin"]);
        for (const j of jobs) {
            expect(j).toMatchObject({ scrape_interval: "1m", metrics_path: "/probe" });
            expect(j.relabel_configs.at(-1)).toEqual({
                target_label: "__address__",
                replacement: "blackbox-exporter:9115",
            });
        }
        expect(jobs[0]!.params.module).toEqual(["http_public"]);
        expect(jobs[0]!.static_configs[0]!.targets).toEqual(["https://app.example.com/"]);
        expect(jobs[1]!.params.module).toEqual(["http_origin"]);
    });

    it("names the API's hostname (Host header and TLS server name) for the origins only", () => {
        expect(jobs[0]!.params.hostname).toBeUndefined();
        expect(jobs[1]!.params.hostname).toEqual(["api.example.com"]);
    });

    it("ships no job for an empty URL list", () => {
        expect(uptimeScrapeJobs("b:9115", [], []).length).toBe(0);
    });

    it("passes `promtool check config`", () => {
        const dir = write({ "prometheus.yml": text });
        const r = runTool("promtool", ["check", "config", join(dir, "prometheus.yml")]);
        expect(r.output).toContain("SUCCESS");
        expect(r.status).toBe(0);
    });
});

describe("uptime targets", () => {
    const workload = { frontend: { healthPath: "/" }, api: { healthPath: "/health" } } as Parameters<
        typeof uptimeTargets
    >[1];

    it("probes each public hostname's health path through Cloudflare and the API's on each origin", () => {
        expect(
            uptimeTargets(
                { app: "app.example.com", api: "api.example.com", write: "write.example.com" },
                workload,
                ["10.0.1.30", "10.0.1.31"],
            ),
        ).toEqual({
            publicUrls: [
                "https://app.example.com/",
                "https://api.example.com/health",
                "https://write.example.com/health",
            ],
            originUrls: ["https://10.0.1.30/health", "https://10.0.1.31/health"],
            originHostname: "api.example.com",
        });
    });
});

describe("uptime alert", () => {
    const series = (values: string) => [
        { series: 'probe_success{job="uptime-public",instance="https://app.example.com/"}', values },
    ];
    const firing = {
        exp_labels: { severity: "critical", job: "uptime-public", instance: "https://app.example.com/" },
        exp_annotations: (parse(renderUptimeRules()) as { groups: { rules: { annotations: object }[] }[] })
            .groups[0]!.rules[0]!.annotations,
    };
    const testFile = (tests: object[]) =>
        join(
            write({
                [UPTIME_RULES_FILE]: renderUptimeRules(),
                "uptime.test.yml": toYaml({
                    rule_files: [UPTIME_RULES_FILE],
                    evaluation_interval: "1m",
                    tests,
                }),
            }),
            "uptime.test.yml",
        );

    it("passes `promtool check rules`", () => {
        const dir = write({ [UPTIME_RULES_FILE]: renderUptimeRules() });
        const r = runTool("promtool", ["check", "rules", join(dir, UPTIME_RULES_FILE)]);
        expect(r.output).toContain("SUCCESS: 1 rules found");
        expect(r.status).toBe(0);
    });

    it("fires after two failed minutes, stays quiet on one failure and on success (promtool test rules)", () => {
        const tests = [
            {
                interval: "1m",
                input_series: series("1 1 0 0 0 0"),
                alert_rule_test: [
                    { eval_time: "3m", alertname: PROBE_DOWN_ALERT, exp_alerts: [] },
                    { eval_time: "5m", alertname: PROBE_DOWN_ALERT, exp_alerts: [firing] },
                ],
            },
            {
                interval: "1m",
                input_series: series("1 0 1 0 1 1"),
                alert_rule_test: [{ eval_time: "5m", alertname: PROBE_DOWN_ALERT, exp_alerts: [] }],
            },
        ];
        const r = runTool("promtool", ["test", "rules", testFile(tests)]);
        expect(r.output).toContain("SUCCESS");
        expect(r.status).toBe(0);
    });

    it("promtool's unit test fails when the alert is expected on a healthy probe (the test can fail)", () => {
        const tests = [
            {
                interval: "1m",
                input_series: series("1 1 1 1 1 1"),
                alert_rule_test: [{ eval_time: "5m", alertname: PROBE_DOWN_ALERT, exp_alerts: [firing] }],
            },
        ];
        expect(runTool("promtool", ["test", "rules", testFile(tests)]).status).not.toBe(0);
    });
});
