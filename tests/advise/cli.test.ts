import { afterAll, describe, expect, it } from "vitest";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { RUNBOOK_STAGES } from "../../core/scaling/runbook";
import { runCompiled } from "../helpers/planCli";
import { sharedPlansDir } from "../helpers/sharedPlans";
import { removeDir, tempDir } from "../render/fixtures";

const dir = tempDir("advise");
afterAll(() => removeDir(dir));

function advise(args: readonly string[]): { status: number | null; stdout: string; stderr: string } {
    return runCompiled("tools/advise/cli", args);
}

function metricsFile(name: string, value: unknown): string {
    const path = join(dir, name);
    writeFileSync(path, typeof value === "string" ? value : JSON.stringify(value));
    return path;
}

const PHASE1_BUSY = {
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

interface Cost {
    source: string;
    eur: number;
    note?: string;
}

describe("npm run advise -- METRICS.json", () => {
    it("--json: migrate phase1 -> phase2 on four triggers, with both costs and the runbook", () => {
        const r = advise([metricsFile("busy.json", PHASE1_BUSY), "--json"]);
        expect(r.stderr).toBe("");
        expect(r.status).toBe(0);
        const a = JSON.parse(r.stdout) as {
            currentPhase: string;
            recommendedPhase: string;
            migrate: boolean;
            triggersMet: { metric: string; value: number; threshold: number }[];
            monthlyCostEur: { current: Cost; recommended: Cost };
            runbook: { stage: string; commands: string[] }[];
        };
        expect(a).toMatchObject({ currentPhase: "phase1", recommendedPhase: "phase2", migrate: true });
        expect(a.triggersMet).toEqual([
            expect.objectContaining({ metric: "cpuAvg7dPct", value: 72, threshold: 70 }),
            expect.objectContaining({ metric: "memoryUsedGb", value: 6.5, threshold: 6 }),
            expect.objectContaining({ metric: "activeUsers", value: 140, threshold: 100 }),
            expect.objectContaining({ metric: "revenueEurPerMonth", value: 650, threshold: 500 }),
        ]);
        // Both phases are built: both are priced from their offline plans.
        expect(a.monthlyCostEur.current.source).toBe("plan");
        expect(a.monthlyCostEur.current.eur).toBeGreaterThan(0);
        expect(a.monthlyCostEur.recommended.source).toBe("plan");
        expect(a.monthlyCostEur.recommended.eur).toBeGreaterThan(0);
        expect([...new Set(a.runbook.map((s) => s.stage))]).toEqual([...RUNBOOK_STAGES]);
    });

    it("prints the decision, the triggers and the costs as text", () => {
        // From the run's saved plans.
        const r = advise([
            metricsFile("quiet.json", { ...PHASE1_BUSY, currentPhase: "phase5" }),
            "--plans",
            sharedPlansDir(),
        ]);
        expect(r.status).toBe(0);
        expect(r.stdout).toMatch(/^STAY in phase5 \(the last phase\)/);
        expect(r.stdout).toMatch(/Monthly cost now \(phase5\): EUR [\d.]+ \(offline plan\)/);
    });

    it.each([
        [
            "a missing key, a malformed value and an unknown phase",
            (() => {
                const m: Record<string, unknown> = {
                    ...PHASE1_BUSY,
                    errorRatePct: "0.4%",
                    currentPhase: "phase0",
                };
                delete m["p95ResponseMs"];
                return m;
            })(),
            /- currentPhase: must be one of phase1.*\n.*- p95ResponseMs: is missing.*\n.*- errorRatePct: Invalid input: expected number/s,
        ],
        ["broken JSON", '{"currentPhase": ', /is not valid JSON/],
    ])("exits 2 on %s, naming it, without a stack trace", (_, value, message) => {
        const r = advise([metricsFile("bad.json", value)]);
        expect(r.status).toBe(2);
        expect(r.stderr).toMatch(message);
        expect(r.stderr).not.toMatch(/^\s+at /m);
        expect(r.stdout).toBe("");
    });

    it("exits 2 on bad arguments", () => {
        expect(advise([]).status).toBe(2);
        const min = advise([metricsFile("ok.json", PHASE1_BUSY), "--min-triggers", "0"]);
        expect(min.status).toBe(2);
        expect(min.stderr).toContain("--min-triggers '0'");
        const both = advise([metricsFile("ok.json", PHASE1_BUSY), "--prometheus", "http://127.0.0.1:9"]);
        expect(both.status).toBe(2);
        expect(both.stderr).toContain("either METRICS.json or --prometheus");
    });
});
