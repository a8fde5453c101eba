import { describe, expect, it } from "vitest";
import { PHASE_SPECS, PHASES } from "../../core/phases";
import { seedCost, type MonthlyCost } from "../../tools/costs/planCost";
import { costRow, renderCostTable } from "../../tools/costs/table";

const planned = (stack: MonthlyCost["stack"], eur: number): MonthlyCost => ({ stack, source: "plan", eur });

describe("cost rows", () => {
    it("cost per user at the top and bottom of the user range, and the difference from the seed", () => {
        const r = costRow(planned("phase3", 56.09));
        expect(r.users).toEqual(PHASE_SPECS.phase3.users);
        expect(r.perUserEur).toEqual({ atMaxUsers: 0.028, atMinUsers: 0.112 });
        expect(r.differenceEur).toBe(-9.26);
        expect(r.seed).toEqual({
            monthlyEur: { min: 65.35, max: 65.35 },
            perUserEur: { min: 0.03, max: 0.13 },
        });
    });

    it("no cost per user at 0 users or without an upper bound", () => {
        expect(costRow(planned("phase1", 15.57)).perUserEur).toEqual({
            atMaxUsers: 0.156,
            atMinUsers: undefined,
        });
        expect(costRow(seedCost("phase5", "the plan failed")).perUserEur).toEqual({
            atMaxUsers: undefined,
            atMinUsers: 0.02,
        });
    });

    it("the seed's figure stands in, marked, with its range, and no difference is claimed", () => {
        const c = seedCost("phase4", "the stack program failed: workload.proxy.image must be a Caddy image");
        expect(c).toEqual({ stack: "phase4", source: "seed", eur: 150, maxEur: 200, note: c.note });
        const r = costRow(c);
        expect(r.differenceEur).toBeUndefined();
        expect(r.perUserEur).toEqual({ atMaxUsers: 0.015, atMinUsers: 0.1 });
        expect(seedCost("phase5", "x")).toMatchObject({ eur: 200, openEnded: true });
    });
});

describe("the printed table", () => {
    const rows = PHASES.map((p) =>
        p === "phase4"
            ? costRow(seedCost(p, "the stack program failed: boom"))
            : costRow(planned(p, p === "dev" ? 0 : 10 * PHASES.indexOf(p))),
    );
    const text = renderCostTable(rows);
    const lines = text.split("\n");

    it("has one line per phase, aligned under the header, with the seed's figures beside ours", () => {
        expect(lines[0]).toMatch(
            /^stack +users +EUR\/month +source +EUR\/user +seed EUR\/month +seed EUR\/user +vs seed$/,
        );
        for (const [i, p] of PHASES.entries()) expect(lines[i + 2]!.startsWith(p.padEnd(6))).toBe(true);
        expect(lines.find((l) => l.startsWith("phase4"))).toMatch(
            /150\.00-200\.00 +seed .* 150-200 +0\.02-0\.1 +seed figure \(plan failed\)$/,
        );
        expect(lines.find((l) => l.startsWith("phase3"))).toMatch(
            /30\.00 +plan .* 65\.35 +0\.03-0\.13 +-35\.35 \(-54%\)$/,
        );
    });

    it("says why a seed figure stands in", () => {
        expect(text).toContain(
            "Seed figures stand in where the plan failed:\n  phase4: the stack program failed: boom",
        );
    });
});
