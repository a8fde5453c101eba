/**
 * What every VM phase's monitoring host receives, read from the planned stacks and fed to the real tools:
 * alertmanager.yml to amtool, blackbox.yml to a running blackbox_exporter, prometheus.yml with the shipped rules
 * to promtool, the uptime rules to promtool's unit tests, and Grafana's mounts against the dashboards shipped.
 */
import { spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { toYaml } from "../../core/render/base/yaml";
import { HOST_PATHS } from "../../core/render/base/paths";
import { RULES_DIRS } from "../../core/render/monitoring/alertRules";
import { dashboardsFor } from "../../core/render/monitoring/dashboards";
import { GRAFANA_DASHBOARD_PATHS } from "../../core/render/monitoring/grafana";
import { PROBE_DOWN_ALERT, UPTIME_RULES_FILE } from "../../core/render/monitoring/uptime";
import type { Plan } from "../../tools/plan/run";
import { sharedPlanObject, type ShippedStack } from "../helpers/sharedPlans";
import { requireTool, runTool } from "../helpers/tools";
import { removeDir, tempDir } from "../render/fixtures";

type Artifact = Plan["artifacts"][number];

interface PromConfig {
    rule_files: string[];
    alerting?: { alertmanagers: { static_configs: { targets: string[] }[] }[] };
    scrape_configs: {
        job_name: string;
        scrape_interval?: string;
        params?: Record<string, string[]>;
        relabel_configs?: { target_label: string; replacement?: string }[];
        static_configs: { targets: string[] }[];
    }[];
}

const dirs: string[] = [];
afterAll(() => dirs.forEach(removeDir));

function workDir(label: string): string {
    const dir = tempDir(label);
    dirs.push(dir);
    return dir;
}

/** The files of the stack's monitoring host: the machine (or, in dev, the containers) Prometheus runs with. */
function monitoringHosts(stack: ShippedStack): { plan: Plan; hosts: Artifact[][] } {
    const plan = sharedPlanObject(stack);
    const all = plan.artifacts;
    if (stack === "dev") return { plan, hosts: [all.filter((a) => a.machine.startsWith("local-"))] };
    const machines = [...new Set(all.filter((a) => a.kind === "alertmanager").map((a) => a.machine))];
    return { plan, hosts: machines.map((m) => all.filter((a) => a.machine === m)) };
}

function only(files: readonly Artifact[], kind: Artifact["kind"], name?: string): Artifact {
    const found = files.filter((a) => a.kind === kind && (name === undefined || a.target.endsWith(name)));
    expect(found.map((f) => `${f.machine}:${f.target}`)).toHaveLength(1);
    return found[0]!;
}

/** A port nothing listens on now (other test runs share the machine). */
async function freePort(): Promise<number> {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const { port } = server.address() as AddressInfo;
    await new Promise((r) => server.close(r));
    return port;
}

/** Starts blackbox_exporter on `config`: its answer to /-/healthy, or its output if it exits or never answers. */
async function blackboxStarts(config: string): Promise<number | string> {
    const port = await freePort();
    const child = spawn(requireTool("prometheus-blackbox-exporter"), [
        `--config.file=${config}`,
        `--web.listen-address=127.0.0.1:${port}`,
    ]);
    let output = "";
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    try {
        for (let i = 0; i < 50; i++) {
            if (child.exitCode !== null) return `exited ${child.exitCode}: ${output}`;
            try {
                return (await fetch(`http://127.0.0.1:${port}/-/healthy`)).status;
            } catch {
                await new Promise((r) => setTimeout(r, 100));
            }
        }
        return `no answer in 5 s: ${output}`;
    } finally {
        child.kill();
    }
}

const STACKS = ["dev", "phase1", "phase2", "phase3", "phase4"] as const;

describe.each(STACKS)("%s monitoring host", (stack) => {
    const { hosts } = monitoringHosts(stack);
    const phase = stack;

    it("is one host per region running Prometheus, Alertmanager and blackbox_exporter", () => {
        expect(hosts.length).toBe(stack === "phase4" ? 2 : 1);
        for (const files of hosts) {
            only(files, "prometheus-config");
            only(files, "alertmanager");
            only(files, "blackbox");
        }
    });

    it("ships an alertmanager.yml that passes `amtool check-config`", () => {
        for (const files of hosts) {
            const dir = workDir("am-shipped");
            writeFileSync(join(dir, "alertmanager.yml"), only(files, "alertmanager").content);
            const r = runTool("amtool", ["check-config", join(dir, "alertmanager.yml")]);
            expect(r.status, r.output).toBe(0);
            expect(r.output).toContain("SUCCESS");
        }
    });

    it("ships a blackbox.yml that Debian's blackbox_exporter starts on", async () => {
        for (const files of hosts) {
            const dir = workDir("bb-shipped");
            writeFileSync(join(dir, "blackbox.yml"), only(files, "blackbox").content);
            expect(await blackboxStarts(join(dir, "blackbox.yml"))).toBe(200);
        }
    });

    it("ships a prometheus.yml that alerts the local Alertmanager, probes through the local exporter, and passes `promtool check config` with the shipped rules", () => {
        for (const files of hosts) {
            const text = only(files, "prometheus-config").content;
            const config = parse(text) as PromConfig;
            expect(config.alerting?.alertmanagers[0]?.static_configs[0]?.targets).toEqual([
                "alertmanager:9093",
            ]);
            const probes = config.scrape_configs.filter((j) => j.job_name.startsWith("uptime-"));
            // Dev has no public URL; each cloud phase probes its hostnames through Cloudflare and each origin.
            expect(probes.map((j) => j.job_name)).toEqual(
                stack === "dev" ? ["uptime-origin"] : ["uptime-public", "uptime-origin"],
            );
            for (const j of probes) {
                expect(j.scrape_interval).toBe("1m");
                expect(j.relabel_configs?.at(-1)?.replacement).toBe("blackbox-exporter:9115");
                expect(j.static_configs[0]?.targets.length).toBeGreaterThan(0);
            }
            const origin = probes.find((j) => j.job_name === "uptime-origin")!;
            expect(origin.params?.["hostname"]?.length).toBe(1);
            const publicProbe = probes.find((j) => j.job_name === "uptime-public");
            for (const url of publicProbe?.static_configs[0]?.targets ?? [])
                expect(url).toMatch(/^https:\/\//);

            const dir = workDir("prom-shipped");
            mkdirSync(join(dir, "rules"));
            const rules = files.filter((a) => a.kind === "prometheus-rules");
            expect(rules.map((r) => r.target.split("/").pop())).toContain(UPTIME_RULES_FILE);
            for (const r of rules) writeFileSync(join(dir, "rules", r.target.split("/").pop()!), r.content);
            writeFileSync(
                join(dir, "prometheus.yml"),
                text.replace(RULES_DIRS.container, join(dir, "rules")),
            );
            const r = runTool("promtool", ["check", "config", join(dir, "prometheus.yml")]);
            expect(r.status, r.output).toBe(0);
            expect(r.output).toContain(`SUCCESS: ${rules.length} rule files found`);
        }
    });

    it("ships uptime rules that pass `promtool check rules` and fire on a failing probe only (promtool test rules)", () => {
        for (const files of hosts) {
            const rules = only(files, "prometheus-rules", UPTIME_RULES_FILE);
            const config = parse(only(files, "prometheus-config").content) as PromConfig;
            const instance = config.scrape_configs.find((j) => j.job_name === "uptime-origin")!
                .static_configs[0]!.targets[0]!;
            const series = (values: string) => [
                { series: `probe_success{job="uptime-origin",instance="${instance}"}`, values },
            ];
            const dir = workDir("uptime-shipped");
            writeFileSync(join(dir, UPTIME_RULES_FILE), rules.content);
            const check = runTool("promtool", ["check", "rules", join(dir, UPTIME_RULES_FILE)]);
            expect(check.status, check.output).toBe(0);
            const firing = {
                exp_labels: { severity: "critical", job: "uptime-origin", instance },
                exp_annotations: (parse(rules.content) as { groups: { rules: { annotations: object }[] }[] })
                    .groups[0]!.rules[0]!.annotations,
            };
            const unitTest = (values: string, expAlerts: object[]) => {
                writeFileSync(
                    join(dir, "uptime.test.yml"),
                    toYaml({
                        rule_files: [UPTIME_RULES_FILE],
                        evaluation_interval: "1m",
                        tests: [
                            {
                                interval: "1m",
                                input_series: series(values),
                                alert_rule_test: [
                                    { eval_time: "4m", alertname: PROBE_DOWN_ALERT, exp_alerts: expAlerts },
                                ],
                            },
                        ],
                    }),
                );
                return runTool("promtool", ["test", "rules", join(dir, "uptime.test.yml")]);
            };
            const failing = unitTest("1 0 0 0 0", [firing]);
            expect(failing.status, failing.output).toBe(0);
            const passing = unitTest("1 1 1 1 1", []);
            expect(passing.status, passing.output).toBe(0);
            // The test can fail: expecting the alert on a passing probe is refused.
            expect(unitTest("1 1 1 1 1", [firing]).status).not.toBe(0);
        }
    });

    it("mounts every dashboard it ships into Grafana, and ships every dashboard of the phase", () => {
        for (const files of hosts) {
            const dashboards = files.filter((a) => a.kind === "grafana" && a.target.endsWith(".json"));
            expect(dashboards.map((d) => d.target.split("/").pop()).sort()).toEqual(
                dashboardsFor(phase)
                    .map((d) => d.file)
                    .sort(),
            );
            if (stack === "dev") {
                for (const d of dashboards)
                    expect(d.target.startsWith(`${GRAFANA_DASHBOARD_PATHS.dir}/`)).toBe(true);
                continue;
            }
            const compose = parse(only(files, "compose").content) as {
                services: { grafana: { volumes: unknown[] } };
            };
            const binds = compose.services.grafana.volumes
                .filter((v): v is string => typeof v === "string")
                .map((v) => v.split(":"));
            const inContainer = (hostPath: string) =>
                binds
                    .filter(
                        ([host, , mode]) =>
                            mode === "ro" && (hostPath === host || hostPath.startsWith(`${host}/`)),
                    )
                    .map(([host, container]) => `${container}${hostPath.slice(host!.length)}`);
            for (const d of dashboards)
                expect(inContainer(d.target), d.target).toEqual([
                    `${GRAFANA_DASHBOARD_PATHS.dir}/${d.target.split("/").pop()}`,
                ]);
            expect(inContainer(only(files, "grafana", "grafana-dashboard-provider.yaml").target)).toEqual([
                GRAFANA_DASHBOARD_PATHS.provider,
            ]);
            expect(dashboards.every((d) => d.target.startsWith(`${HOST_PATHS.grafanaDashboards}/`))).toBe(
                true,
            );
        }
    });
});
