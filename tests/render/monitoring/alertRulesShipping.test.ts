import { afterAll, describe, expect, it } from "vitest";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import {
    renderAlertRules,
    RULE_FILES_GLOB,
    RULES_DIRS,
    SCALING_RULES_FILE,
} from "../../../core/render/monitoring/alertRules";
import { renderAppHost } from "../../../core/render/machines/appHost";
import { renderDevStack } from "../../../core/render/dev/devStack";
import { sharedPlan } from "../../helpers/sharedPlans";
import { runTool } from "../../helpers/tools";
import { fileAt, phase1Spec, removeDir, tempDir, WORKLOAD } from "../fixtures";

const dirs: string[] = [];
afterAll(() => dirs.forEach(removeDir));

const hostRules = `${RULES_DIRS.host}/${SCALING_RULES_FILE}`;

describe("scaling alert rules shipped to the phase-1 host and the dev stack", () => {
    const { files } = renderAppHost(phase1Spec());
    const compose = parse(fileAt(files, "/opt/phase-stacks/compose.yaml").content) as {
        services: Record<string, { volumes?: string[] }>;
    };
    const promConfig = fileAt(files, "/opt/phase-stacks/config/prometheus.yml").content;

    it("the app host ships phase 1's rules, mounts their directory into Prometheus, and prometheus.yml loads them", () => {
        expect(fileAt(files, hostRules)).toMatchObject({
            content: renderAlertRules("phase1"),
            kind: "prometheus-rules",
        });
        expect(compose.services["prometheus"]!.volumes).toContain(
            `${RULES_DIRS.host}:${RULES_DIRS.container}:ro`,
        );
        expect((parse(promConfig) as { rule_files: string[] }).rule_files).toEqual([RULE_FILES_GLOB]);
    });

    it("`promtool check config` finds and checks the shipped rules through the rule_files glob", () => {
        const dir = tempDir("prom-rules");
        dirs.push(dir);
        mkdirSync(join(dir, "rules"));
        writeFileSync(join(dir, "rules", SCALING_RULES_FILE), fileAt(files, hostRules).content);
        // The same config, with the container's rules directory at its place in the temp tree.
        const config = promConfig.replace(RULES_DIRS.container, join(dir, "rules"));
        writeFileSync(join(dir, "prometheus.yml"), config);
        const r = runTool("promtool", ["check", "config", join(dir, "prometheus.yml")]);
        expect(r.output).toContain("SUCCESS: 1 rule files found");
        expect(r.output).toContain("SUCCESS: 10 rules found");
        expect(r.status).toBe(0);
    });

    it("the dev stack uploads phase 1's rules into its Prometheus container", () => {
        const dev = renderDevStack({ workload: WORKLOAD });
        const rules = dev.byService.prometheus!.find((f) => f.kind === "prometheus-rules")!;
        expect(rules.path).toBe(`${RULES_DIRS.container}/${SCALING_RULES_FILE}`);
        expect(rules.content).toBe(renderAlertRules("phase1"));
    });

    it("`npm run plan -- phase1 --out DIR` writes the rules file, labelled prometheus-rules", () => {
        const r = sharedPlan("phase1");
        const out = r.out;
        expect(r.stderr).toBe("");
        const plan = JSON.parse(r.stdout) as { artifacts: { path: string; kind: string }[] };
        const rules = plan.artifacts.find((a) => a.kind === "prometheus-rules")!;
        expect(rules.path).toBe(join("app-server", hostRules));
        expect(existsSync(join(out, rules.path))).toBe(true);
        expect(readFileSync(join(out, rules.path), "utf8")).toBe(renderAlertRules("phase1"));
    });
});
