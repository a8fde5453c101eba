import { afterAll, describe, expect, it } from "vitest";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import {
    buildAlertRules,
    MIGRATION_ALERT,
    renderAlertRules,
    triggerAlertName,
} from "../../../core/render/monitoring/alertRules";
import { toYaml } from "../../../core/render/base/yaml";
import {
    METRIC_NAMES,
    SCALABLE_PHASES,
    TRIGGER_MATRIX,
    type ScalablePhase,
} from "../../../core/scaling/matrix";
import { PROMQL } from "../../../core/scaling/promql";
import { cellCases, migrationCase } from "../../scaling/alertUnitTests";
import { runTool } from "../../helpers/tools";
import { pyYamlLoad, removeDir, tempDir } from "../fixtures";

interface RulesDoc {
    groups: { name: string; rules: { alert: string; expr: string; labels: Record<string, string> }[] }[];
}

const dirs: string[] = [];
afterAll(() => dirs.forEach(removeDir));

/** Writes the rules and a promtool unit-test file for them; returns the test file's path. */
function unitTestFiles(rules: string, tests: readonly object[]): { rulesFile: string; testFile: string } {
    const dir = tempDir("alerts");
    dirs.push(dir);
    const rulesFile = join(dir, "scaling.rules.yml");
    const testFile = join(dir, "scaling.test.yml");
    writeFileSync(rulesFile, rules);
    writeFileSync(
        testFile,
        toYaml({ rule_files: ["scaling.rules.yml"], evaluation_interval: "1h", tests: [...tests] }),
    );
    return { rulesFile, testFile };
}

function allCases(phase: ScalablePhase): object[] {
    return [...cellCases(phase).map((c) => c.test), ...[2, 3].map((held) => migrationCase(phase, held))];
}

describe.each(SCALABLE_PHASES)("scaling alert rules of %s", (phase) => {
    const text = renderAlertRules(phase);
    const doc = parse(text) as RulesDoc;
    const t = TRIGGER_MATRIX[phase];

    it("has one alert per cell of the transition out of the phase, with the advisor's PromQL", () => {
        const rules = doc.groups[0]!.rules;
        expect(rules).toHaveLength(METRIC_NAMES.length + 1);
        for (const c of t.cells) {
            const rule = rules.find((r) => r.alert === triggerAlertName(c.metric))!;
            expect(rule.expr).toBe(`(${PROMQL[c.input]}) > ${c.threshold}`);
            expect(rule.labels).toMatchObject({ metric: c.input, threshold: String(c.threshold) });
        }
        expect(rules.at(-1)!.alert).toBe(MIGRATION_ALERT);
        expect(rules.at(-1)!.expr).toMatch(/>= 3$/);
    });

    it("reads the same in a YAML 1.1 reader", () => {
        expect(pyYamlLoad(text)).toEqual(doc);
    });

    it("passes `promtool check rules`", () => {
        const { rulesFile } = unitTestFiles(text, []);
        const r = runTool("promtool", ["check", "rules", rulesFile]);
        expect(r.output).toContain(`SUCCESS: ${METRIC_NAMES.length + 1} rules found`);
        expect(r.status).toBe(0);
    });

    it("passes `promtool test rules`: every alert fires over its threshold, stays silent at or under it, and the migration alert needs three", () => {
        const { testFile } = unitTestFiles(text, allCases(phase));
        const r = runTool("promtool", ["test", "rules", testFile]);
        expect(r.output).toContain("SUCCESS");
        expect(r.status).toBe(0);
    });
});

describe("scaling alert rules: other stacks and failure", () => {
    it("dev watches phase 1's triggers; phase 5 has no transition out, so no rules", () => {
        expect(buildAlertRules("dev")).toEqual(buildAlertRules("phase1"));
        expect(buildAlertRules("phase5")).toEqual({ groups: [] });
        const r = runTool("promtool", [
            "check",
            "rules",
            unitTestFiles(renderAlertRules("phase5"), []).rulesFile,
        ]);
        expect(r.status).toBe(0);
    });

    it("promtool's unit tests fail when a threshold is off (the test can fail)", () => {
        const off = renderAlertRules("phase2").replace(") > 500\n", ") > 501\n");
        expect(off).not.toBe(renderAlertRules("phase2"));
        const users = cellCases("phase2").filter((c) => c.cell.input === "activeUsers");
        const r = runTool("promtool", [
            "test",
            "rules",
            unitTestFiles(
                off,
                users.map((c) => c.test),
            ).testFile,
        ]);
        expect(r.status).not.toBe(0);
        expect(r.output).toContain("ScalingTriggerActiveUsers");
    });

    it("the minimum is configurable: with 2, two triggers fire the migration alert and one does not", () => {
        const rules = renderAlertRules("phase1", 2);
        const cases = [migrationCase("phase1", 1, 2), migrationCase("phase1", 2, 2)];
        const r = runTool("promtool", ["test", "rules", unitTestFiles(rules, cases).testFile]);
        expect(r.output).toContain("SUCCESS");
        expect(r.status).toBe(0);
    });
});
