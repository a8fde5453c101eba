import { afterAll, describe, expect, it } from "vitest";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { PHASE_SPECS, PHASES } from "../../core/phases";
import type { CostRow } from "../../tools/costs/table";
import { runCompiled } from "../helpers/planCli";
import { sharedPlansDir } from "../helpers/sharedPlans";
import { removeDir, tempDir } from "../render/fixtures";
import { xmllint } from "./xmllint";

const dir = tempDir("costs");
afterAll(() => removeDir(dir));

function costs(args: readonly string[]) {
    return runCompiled("tools/costs/cli", args, 180_000);
}

describe("npm run costs", () => {
    it("--json: every phase priced from its plan or, marked, from the seed; the chart written and well-formed", () => {
        const svg = join(dir, "chart", "costs.svg");
        // From the run's saved plans; the next test plans every stack itself.
        const r = costs(["--json", "--svg", svg, "--plans", sharedPlansDir()]);
        expect(r.stderr).toBe("");
        expect(r.status).toBe(0);
        const out = JSON.parse(r.stdout) as { rows: CostRow[]; svg: string };
        expect(out.rows.map((row) => row.stack)).toEqual([...PHASES]);
        for (const row of out.rows) {
            if (row.cost.source === "seed") {
                expect(row.cost.eur, row.stack).toBe(PHASE_SPECS[row.stack].budgetEur.min);
                expect(row.cost.note, row.stack).toBeTruthy();
            } else
                expect(row.differenceEur, row.stack).toBeCloseTo(
                    row.cost.eur - PHASE_SPECS[row.stack].budgetEur.min,
                    2,
                );
        }
        // Every phase is built: each is priced from its plan (dev costs nothing, phase1 something).
        expect(out.rows.map((row) => row.cost.source)).toEqual(PHASES.map(() => "plan"));
        expect(out.rows.slice(0, 2).map((row) => row.cost.eur > 0)).toEqual([false, true]);
        expect(out.svg).toBe(svg);
        expect(existsSync(svg)).toBe(true);
        expect(xmllint(["--noout", svg]).status).toBe(0);
    });

    it("plans every stack itself without --plans, to the same figures as the saved plans", () => {
        const live = costs(["--json", "--svg", join(dir, "live.svg")]);
        const saved = costs(["--json", "--svg", join(dir, "saved.svg"), "--plans", sharedPlansDir()]);
        expect(live.status, live.stderr).toBe(0);
        const rows = (r: { stdout: string }) => (JSON.parse(r.stdout) as { rows: CostRow[] }).rows;
        expect(rows(live)).toEqual(rows(saved));
    });

    it("rejects unknown arguments with exit 2", () => {
        const r = costs(["--bogus"]);
        expect(r.status).toBe(2);
        expect(r.stderr).toContain("usage: npm run costs");
    });
});
