/**
 * A phase's monthly cost from its offline plan, run as `tools/plan/cli <stack> --json` in a child process
 * (the Pulumi runtime allows one program per process), or read from `<plans>/<stack>.json` when a directory
 * of plans made earlier is given. A stack whose plan fails (its config is invalid, its program fails, or the
 * plan does not finish) stands in with the seed's figure, marked as such and with the plan's reason: never a
 * silent 0.
 */
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { PHASE_SPECS, type Phase } from "../../core/phases";
import { findRoot } from "../plan/root";

const ROOT = findRoot(__dirname);
/** The plan CLI beside this module: the compiled JS under node, the TypeScript under tsx. */
const COMPILED = __filename.endsWith(".js");
const PLAN_ARGS = COMPILED
    ? [join(__dirname, "../plan/cli.js")]
    : [join(ROOT, "node_modules/tsx/dist/cli.mjs"), join(ROOT, "tools/plan/cli.ts")];
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
        const child = spawn(process.execPath, [...PLAN_ARGS, stack, "--json"], {
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
export async function planCost(stack: Phase, plans?: string): Promise<MonthlyCost> {
    const saved = plans === undefined ? undefined : join(plans, `${stack}.json`);
    const text = saved !== undefined && existsSync(saved) ? readFileSync(saved, "utf8") : "";
    // A saved plan is one that printed JSON; any other stack is planned here, so its reason is known.
    const run = text.trim() ? { status: 0, stdout: text, stderr: "" } : await runPlanCli(stack);
    if (run.status === 0 || run.status === 1) {
        const plan = JSON.parse(run.stdout) as { cost: { monthlyEur: number } };
        return { stack, source: "plan", eur: plan.cost.monthlyEur };
    }
    return seedCost(stack, reason(run));
}

/** Plans several stacks, two at a time (one per core; each plan is a Node process). */
export async function planCosts(
    stacks: readonly Phase[],
    plans?: string,
    parallel = 2,
): Promise<MonthlyCost[]> {
    const results: MonthlyCost[] = new Array<MonthlyCost>(stacks.length);
    let next = 0;
    const worker = async (): Promise<void> => {
        while (next < stacks.length) {
            const i = next++;
            results[i] = await planCost(stacks[i]!, plans);
        }
    };
    await Promise.all(Array.from({ length: Math.min(parallel, stacks.length) }, worker));
    return results;
}
