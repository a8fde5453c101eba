/**
 * The planned stacks of phases 1-4: every agent host ships node_exporter on the address the pool manager dials it
 * at (the private one where the phase has a network, phase 1's public one firewalled to the app server), and the
 * Prometheus that watches the pool (phase 4: each region's own) has an `agents` job with exactly those hosts,
 * named and tiered, that `promtool check config` accepts.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { HOST_PATHS } from "../../core/render/base/paths";
import { NODE_EXPORTER } from "../../core/render/monitoring/nodeExporter";
import type { Plan } from "../../tools/plan/run";
import { sharedPlanObject, type ShippedStack } from "../helpers/sharedPlans";
import { runTool } from "../helpers/tools";
import { removeDir, tempDir } from "../render/fixtures";

const SERVER = "hcloud:index/server:Server";
/** The host whose Prometheus scrapes each region's pools (phase 4: `<region>-frontend-server`). */
const PROMETHEUS_HOST: Record<string, (region?: string) => string> = {
    phase1: () => "app-server",
    phase2: () => "data-host-server",
    phase3: () => "eu-central-frontend-server",
    phase4: (region) => `${region}-frontend-server`,
};

interface AgentHost {
    readonly machine: string;
    readonly node: string;
    readonly tier: string;
    readonly region?: string;
    /** Where the pool manager dials it (the contract's endpoints): the exporter's address too. */
    readonly ip: string;
}

function agentHosts(plan: Plan): AgentHost[] {
    const contract = plan.outputs["agentPools"] as {
        pools: { name: string; region?: string; endpoints: string[] }[];
    };
    const servers = plan.resources.filter(
        (r) => r.type === SERVER && (r.inputs["labels"] as Record<string, string>)["role"] === "agent",
    );
    const hosts = contract.pools.flatMap((p) =>
        p.endpoints.map((e, i) => {
            const machine = `${p.name}-node-${i}-server`;
            const server = servers.find((s) => s.name === machine);
            expect(server, machine).toBeDefined();
            return {
                machine,
                node: `${p.name}-node-${i}`,
                tier: (server?.inputs["labels"] as Record<string, string>)["tier"] as string,
                ...(p.region ? { region: p.region } : {}),
                ip: /^tcp:\/\/([\d.]+):2376$/.exec(e)?.[1] as string,
            };
        }),
    );
    expect(hosts.map((h) => h.machine).sort()).toEqual(servers.map((s) => s.name).sort());
    return hosts;
}

const fileOf = (plan: Plan, machine: string, target: string) =>
    plan.artifacts.find((a) => a.machine === machine && a.target === target)?.content;

interface PromConfig {
    scrape_configs: {
        job_name: string;
        honor_labels?: boolean;
        static_configs: { targets: string[]; labels?: Record<string, string> }[];
    }[];
}

const dirs: string[] = [];
afterAll(() => dirs.forEach(removeDir));

describe.each(["phase1", "phase2", "phase3", "phase4"] as const)(
    "%s's agent hosts",
    (stack: ShippedStack) => {
        const plan = sharedPlanObject(stack);
        const hosts = agentHosts(plan);

        it("has agent hosts, and every one ships node_exporter on the address it is dialled at", () => {
            expect(hosts.length).toBeGreaterThan(0);
            for (const h of hosts) {
                const dropIn = fileOf(plan, h.machine, NODE_EXPORTER.dropIn);
                expect(dropIn, h.machine).toBeDefined();
                expect(dropIn).toContain(`--web.listen-address=${h.ip}:${NODE_EXPORTER.port} `);
                // The private network's addresses in phases 2-4 (.150 up), the public one only in phase 1.
                expect(h.ip.startsWith("10."), h.ip).toBe(stack !== "phase1");
            }
        });

        it("is scraped by the agents job of its Prometheus, exactly those hosts, named and tiered", () => {
            const regions = [...new Set(hosts.map((h) => h.region))];
            for (const region of regions) {
                const machine = (PROMETHEUS_HOST[stack] as (r?: string) => string)(region);
                const text = fileOf(plan, machine, HOST_PATHS.prometheusConfig);
                expect(text, machine).toBeDefined();
                const agents = (parse(text ?? "") as PromConfig).scrape_configs.find(
                    (j) => j.job_name === "agents",
                );
                expect(agents?.honor_labels).toBe(true);
                expect(agents?.static_configs).toEqual(
                    hosts
                        .filter((h) => h.region === region)
                        .map((h) => ({
                            targets: [`${h.ip}:${NODE_EXPORTER.port}`],
                            labels: { node: h.node, tier: h.tier },
                        })),
                );
                const dir = tempDir(`agents-prom-${stack}`);
                dirs.push(dir);
                writeFileSync(join(dir, "prometheus.yml"), text ?? "");
                const r = runTool("promtool", ["check", "config", join(dir, "prometheus.yml")]);
                expect(r.status, r.output).toBe(0);
            }
        });

        it("opens 9100 publicly only in phase 1, and there only to the app server", () => {
            const rules = plan.resources
                .filter((r) => r.type === "hcloud:index/firewall:Firewall")
                .flatMap((r) => (r.inputs["rules"] as { port?: string; sourceIps: string[] }[]) ?? [])
                .filter((rule) => rule.port === String(NODE_EXPORTER.port));
            if (stack !== "phase1") return expect(rules).toEqual([]);
            const app = plan.outputs["appIpv4"] as string;
            const pools = (plan.outputs["agentPools"] as { pools: unknown[] }).pools;
            expect(rules.map((r) => r.sourceIps)).toEqual(pools.map(() => [`${app}/32`]));
        });
    },
);
