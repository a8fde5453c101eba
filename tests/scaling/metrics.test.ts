import { describe, expect, it } from "vitest";
import { MetricsError, parseMetrics } from "../../core/scaling/metrics";

const GOOD = {
    currentPhase: "phase1",
    cpuAvg7dPct: 72,
    memoryUsedGb: 6.5,
    memoryUsedPct: 81,
    activeUsers: 140,
    concurrentScrapes: 8,
    databaseSizeGb: 12,
    apiRequestsPerMin: 90,
    revenueEurPerMonth: 650,
    p95ResponseMs: 1200,
    errorRatePct: 0.4,
};

function problems(value: unknown): string {
    try {
        parseMetrics("metrics.json", value);
    } catch (e) {
        expect(e).toBeInstanceOf(MetricsError);
        return (e as Error).message;
    }
    throw new Error("expected the metrics to be rejected");
}

describe("the advisor's input", () => {
    it("accepts every key, and the seed's phase number for the phase", () => {
        expect(parseMetrics("m", GOOD)).toEqual(GOOD);
        expect(parseMetrics("m", { ...GOOD, currentPhase: 3 }).currentPhase).toBe("phase3");
    });

    it("names a missing key", () => {
        const missing: Record<string, unknown> = { ...GOOD };
        delete missing["revenueEurPerMonth"];
        expect(problems(missing)).toMatch(/^ {2}- revenueEurPerMonth: is missing/m);
    });

    it("names every malformed key at once, and the unknown ones", () => {
        const msg = problems({
            ...GOOD,
            currentPhase: "phase7",
            cpuAvg7dPct: "72",
            memoryUsedPct: 140,
            activeUsers: 1.5,
            errorRatePct: -1,
            cpu: 1,
        });
        expect(msg).toContain("(6 problems)");
        for (const key of ["currentPhase", "cpuAvg7dPct", "memoryUsedPct", "activeUsers", "errorRatePct"])
            expect(msg).toMatch(new RegExp(`^ {2}- ${key}: `, "m"));
        expect(msg).toContain('"cpu"');
        expect(msg).not.toContain("    at ");
    });

    it("rejects a document that is not an object", () => {
        expect(problems([1, 2])).toMatch(/\(document\)/);
    });
});
