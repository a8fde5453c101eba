/** Every built phase ships its own scaling alerts and the uptime alerts to the host that runs its Prometheus. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { sharedPlan } from "../helpers/sharedPlans";
import { runTool } from "../helpers/tools";

interface PlanJson {
    artifacts: { path: string; kind: string; machine: string }[];
}

describe.each<["phase1" | "phase2" | "phase3", string]>([
    ["phase1", "scaling-phase1-to-phase2"],
    ["phase2", "scaling-phase2-to-phase3"],
    ["phase3", "scaling-phase3-to-phase4"],
])("%s", (stack, group) => {
    it(`ships ${group} and the uptime rules beside a prometheus.yml that loads them, and promtool accepts the rules`, () => {
        const r = sharedPlan(stack);
        const out = r.out;
        expect(r.status, r.stderr).toBe(0);
        const { artifacts } = JSON.parse(r.stdout) as PlanJson;
        const rules = artifacts.filter((a) => a.kind === "prometheus-rules");
        const configs = artifacts.filter((a) => a.kind === "prometheus-config");
        expect(rules.map((r) => r.path.split("/").pop())).toEqual(["scaling.rules.yml", "uptime.rules.yml"]);
        expect(configs.map((c) => c.machine)).toEqual([rules[0]?.machine]);
        expect(rules.map((r) => r.machine)).toEqual([rules[0]?.machine, rules[0]?.machine]);
        const rulesPath = join(out, rules[0]?.path ?? "");
        const doc = parse(readFileSync(rulesPath, "utf8")) as { groups: { name: string }[] };
        expect(doc.groups.map((g) => g.name)).toEqual([group]);
        const config = parse(readFileSync(join(out, configs[0]?.path ?? ""), "utf8")) as {
            rule_files?: string[];
        };
        expect(config.rule_files).toEqual(["/etc/prometheus/rules/*.rules.yml"]);
        const check = runTool("promtool", ["check", "rules", rulesPath]);
        expect(check.status, check.output).toBe(0);
    });
});
