/**
 * A phase's monthly cost from its offline plan, run as `tools/plan/cli.ts <stack> --json` in a child process
 * (the Pulumi runtime allows one program per process). A stack whose plan cannot run (its topology is not
 * built yet, or its config is invalid) stands in with the seed's figure, marked as such: never a silent 0.
 */
import { spawn } from "node:child_process";
import { join, resolve } from "node:path";
import { PHASE_SPECS, type Phase } from "../../core/phases";

const ROOT = resolve(__dirname, "../..");
const TSX = join(ROOT, "node_modules/tsx/dist/cli.mjs");
const PLAN_CLI = join(ROOT, "tools/plan/cli.ts");
const PLAN_TIMEOUT_MS = 120_000;

export interface MonthlyCost {
    readonly stack: Phase;
    readonly source: "plan" | "seed";
    /** The plan's total, or the seed's figure (its lower bound when the seed gives a range). */
    readonly eur: number;
    /** The seed's upper bound ("EUR 150-200"); absent when the figure is exact or open-ended. */
    readonly maxEur?: number;
    /** The seed's "EUR 200+". */
    readonly openEnded?: boolean;
    /** Why the seed's figure stands in for the plan. */
    readonly note?: string;
}

interface Run {
    readonly status: number | null;
    readonly stdout: string;
    readonly stderr: string;
}

function runPlanCli(stack: string): Promise<Run> {
    return new Promise((done) => {
        const child = spawn(process.execPath, [TSX, PLAN_CLI, stack, "--json"], {
            cwd: ROOT,
            timeout: PLAN_TIMEOUT_MS,
        });
        const out: Buffer[] = [];
        const err: Buffer[] = [];
        child.stdout.on("data", (b: Buffer) => out.push(b));
        child.stderr.on("data", (b: Buffer) => err.push(b));
        child.on("error", (e) => done({ status: null, stdout: "", stderr: e.message }));
        child.on("close", (status) =>
            done({ status, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() }),
        );
    });
}

export function seedCost(stack: Phase, note: string): MonthlyCost {
    const b = PHASE_SPECS[stack].budgetEur;
    return {
        stack,
        source: "seed",
        eur: b.min,
        ...(b.max === undefined ? { openEnded: true } : b.max !== b.min ? { maxEur: b.max } : {}),
        note,
    };
}

/** The last line of the plan's error output: its own message, without npm noise. */
function reason(run: Run): string {
    const lines = run.stderr.trim().split("\n").filter(Boolean);
    return lines.at(-1) ?? `the offline plan exited with status ${run.status}`;
}

/** Exit 0 (clean) and 1 (a policy violation) both print the plan; anything else has no cost to read. */
export async function planCost(stack: Phase): Promise<MonthlyCost> {
    const run = await runPlanCli(stack);
    if (run.status === 0 || run.status === 1) {
        const plan = JSON.parse(run.stdout) as { cost: { monthlyEur: number } };
        return { stack, source: "plan", eur: plan.cost.monthlyEur };
    }
    return seedCost(stack, reason(run));
}

/** Plans several stacks, two at a time (one per core; each plan is a Node process). */
export async function planCosts(stacks: readonly Phase[], parallel = 2): Promise<MonthlyCost[]> {
    const results: MonthlyCost[] = new Array<MonthlyCost>(stacks.length);
    let next = 0;
    const worker = async (): Promise<void> => {
        while (next < stacks.length) {
            const i = next++;
            results[i] = await planCost(stacks[i]!);
        }
    };
    await Promise.all(Array.from({ length: Math.min(parallel, stacks.length) }, worker));
    return results;
}
