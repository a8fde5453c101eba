/**
 * The plans of the shipped stacks, made once per run by `globalSetup.ts`: read them instead of planning a
 * stack again. `sharedPlan` gives the CLI's result, `sharedPlanObject` the same `Plan` that `runPlan` returns
 * (artifact contents read back from the `--out` directory).
 */
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { inject } from "vitest";
import type { Plan } from "../../tools/plan/run";

export const SHIPPED_STACKS = ["dev", "phase1", "phase2", "phase3", "phase4", "phase5"] as const;
export type ShippedStack = (typeof SHIPPED_STACKS)[number];

export interface SharedPlan {
    readonly stack: string;
    readonly status: number;
    readonly stderr: string;
    /** The `--json` output. */
    readonly json: string;
    /** The `--out` directory with every shipped file. */
    readonly out: string;
}
export type SharedPlans = Record<string, SharedPlan>;

declare module "vitest" {
    export interface ProvidedContext {
        plans: SharedPlans;
    }
}

export function sharedPlan(stack: ShippedStack): SharedPlan & { readonly stdout: string } {
    const p = inject("plans")[stack];
    if (!p) throw new Error(`no shared plan of ${stack}: is tests/helpers/globalSetup.ts configured?`);
    return { ...p, stdout: readFileSync(p.json, "utf8") };
}

interface PlanJson extends Omit<Plan, "artifacts"> {
    readonly artifacts: {
        path: string;
        kind: Plan["artifacts"][number]["kind"];
        machine: string;
        target: string;
    }[];
}

/** The directory of the shared `<stack>.json` files, for the CLIs' `--plans DIR`. */
export function sharedPlansDir(): string {
    return dirname(sharedPlan("phase1").json);
}

/** The shared plan as `runPlan` returns it; fails with the CLI's stderr if the stack did not plan. */
export function sharedPlanObject(stack: ShippedStack): Plan {
    const p = sharedPlan(stack);
    if (p.status !== 0 && p.status !== 1) throw new Error(`plan of ${stack} exited ${p.status}: ${p.stderr}`);
    const json = JSON.parse(p.stdout) as PlanJson;
    return {
        ...json,
        artifacts: json.artifacts.map((a) => ({
            machine: a.machine,
            target: a.target,
            kind: a.kind,
            content: readFileSync(join(p.out, a.path), "utf8"),
        })),
    };
}
