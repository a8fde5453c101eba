import { describe, expect, it } from "vitest";
import { checkMinTriggers, decide, evaluateTransition } from "../../core/scaling/evaluate";
import {
    METRIC_INPUT_KEYS,
    METRIC_NAMES,
    SCALABLE_PHASES,
    TRIGGER_MATRIX,
    type MetricInputKey,
    type TriggerCell,
} from "../../core/scaling/matrix";
import type { Measurements } from "../../core/scaling/metrics";

/** The seed's table, transcribed by hand (the spec the matrix must match), in its units: GB, %, ms, EUR. */
const SEED_TABLE: Record<string, readonly [string, number, number, number, number]> = {
    cpuAvg7dPct: ["cpu", 70, 75, 80, 85],
    memory: ["memory", 6, 85, 85, 90],
    activeUsers: ["activeUsers", 100, 500, 2000, 10000],
    concurrentScrapes: ["concurrentScrapes", 10, 50, 200, 1000],
    databaseSizeGb: ["databaseSize", 20, 50, 200, 1024],
    apiRequestsPerMin: ["apiRequests", 100, 500, 2000, 10000],
    revenueEurPerMonth: ["revenue", 500, 2000, 5000, 15000],
    p95ResponseMs: ["p95ResponseTime", 2000, 1500, 1000, 500],
    errorRatePct: ["errorRate", 1, 0.5, 0.1, 0.05],
};

/** Every measurement at zero: no trigger holds. */
const QUIET: Measurements = Object.fromEntries(METRIC_INPUT_KEYS.map((k) => [k, 0])) as Record<
    MetricInputKey,
    number
>;

const with_ = (cells: readonly TriggerCell[], over: boolean): Measurements => ({
    ...QUIET,
    ...Object.fromEntries(cells.map((c) => [c.input, over ? c.threshold * 1.001 + 0.001 : c.threshold])),
});

describe("the trigger matrix", () => {
    it("has the seed's nine metrics and four transitions, one phase to the next", () => {
        expect(SCALABLE_PHASES.map((p) => `${p}->${TRIGGER_MATRIX[p].to}`)).toEqual([
            "phase1->phase2",
            "phase2->phase3",
            "phase3->phase4",
            "phase4->phase5",
        ]);
        for (const p of SCALABLE_PHASES)
            expect(TRIGGER_MATRIX[p].cells.map((c) => c.metric)).toEqual([...METRIC_NAMES]);
    });

    it("holds the seed's threshold in every cell (1TB = 1024 GB), memory absolute out of phase 1 and relative after", () => {
        for (const [i, phase] of SCALABLE_PHASES.entries()) {
            for (const [, [metric, ...thresholds]] of Object.entries(SEED_TABLE)) {
                const cell = TRIGGER_MATRIX[phase].cells.find((c) => c.metric === metric)!;
                expect(cell.threshold, `${phase} ${metric}`).toBe(thresholds[i]);
            }
            const memory = TRIGGER_MATRIX[phase].cells.find((c) => c.metric === "memory")!;
            expect(memory.input).toBe(phase === "phase1" ? "memoryUsedGb" : "memoryUsedPct");
        }
    });
});

describe.each(SCALABLE_PHASES)("every cell of the transition out of %s", (phase) => {
    const t = TRIGGER_MATRIX[phase];
    it.each(t.cells.map((c) => [c.metric, c] as const))(
        "%s holds just over its threshold, not at it",
        (_, cell) => {
            expect(evaluateTransition(t, with_([cell], false)).triggersMet).toEqual([]);
            const met = evaluateTransition(t, with_([cell], true)).triggersMet;
            expect(met.map((m) => [m.metric, m.threshold])).toEqual([[cell.input, cell.threshold]]);
            expect(met[0]!.value).toBeGreaterThan(cell.threshold);
            expect(met[0]!.overByPct).toBeGreaterThanOrEqual(0);
        },
    );
});

describe("the three-or-more rule", () => {
    it.each(SCALABLE_PHASES)("%s: two triggers stay, three migrate, in any combination of cells", (phase) => {
        const cells = TRIGGER_MATRIX[phase].cells;
        for (let start = 0; start < cells.length; start++) {
            const pick = (n: number) =>
                Array.from({ length: n }, (_, k) => cells[(start + k) % cells.length]!);
            expect(evaluateTransition(TRIGGER_MATRIX[phase], with_(pick(2), true)).migrate).toBe(false);
            expect(evaluateTransition(TRIGGER_MATRIX[phase], with_(pick(3), true)).migrate).toBe(true);
        }
    });

    it("three cells at their thresholds exactly do not count", () => {
        const cells = TRIGGER_MATRIX.phase1.cells.slice(0, 3);
        expect(evaluateTransition(TRIGGER_MATRIX.phase1, with_(cells, false)).migrate).toBe(false);
    });

    it("is configurable: 1 migrates on any single trigger, 9 needs all of them", () => {
        const t = TRIGGER_MATRIX.phase3;
        expect(evaluateTransition(t, with_(t.cells.slice(0, 1), true), 1).migrate).toBe(true);
        expect(evaluateTransition(t, with_(t.cells.slice(0, 8), true), 9).migrate).toBe(false);
        expect(evaluateTransition(t, with_(t.cells, true), 9).migrate).toBe(true);
        expect(() => checkMinTriggers(0)).toThrow(/1 to 9/);
        expect(() => checkMinTriggers(10)).toThrow(/1 to 9/);
        expect(() => checkMinTriggers(2.5)).toThrow(/whole number/);
    });
});

describe("the decision", () => {
    it("stays when fewer than three hold, and says which held", () => {
        const d = decide("phase2", { ...QUIET, activeUsers: 600, revenueEurPerMonth: 2500 });
        expect(d).toMatchObject({ currentPhase: "phase2", recommendedPhase: "phase2", migrate: false });
        expect(d.transitions[0]!.triggersMet.map((m) => m.metric)).toEqual([
            "activeUsers",
            "revenueEurPerMonth",
        ]);
        expect(d.transitions[0]!.triggersMet[0]!.overByPct).toBe(20);
    });

    it("moves one phase when the next phase's own triggers do not hold", () => {
        const d = decide("phase1", { ...QUIET, cpuAvg7dPct: 72, memoryUsedGb: 6.5, activeUsers: 140 });
        expect(d).toMatchObject({ recommendedPhase: "phase2", migrate: true });
        expect(d.transitions.map((t) => [t.from, t.migrate])).toEqual([
            ["phase1", true],
            ["phase2", false],
        ]);
    });

    it("walks on through phases already outgrown", () => {
        const d = decide("phase1", {
            ...QUIET,
            activeUsers: 2500,
            apiRequestsPerMin: 2500,
            revenueEurPerMonth: 6000,
        });
        expect(d.recommendedPhase).toBe("phase4");
        expect(d.transitions.map((t) => t.migrate)).toEqual([true, true, true, false]);
    });

    it("phase 5 is the last: nothing to evaluate, stay", () => {
        const d = decide("phase5", {
            ...QUIET,
            activeUsers: 1e6,
            revenueEurPerMonth: 1e6,
            apiRequestsPerMin: 1e6,
        });
        expect(d).toMatchObject({ recommendedPhase: "phase5", migrate: false, transitions: [] });
    });
});
