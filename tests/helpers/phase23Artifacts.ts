/**
 * The files the phase-2 and phase-3 plans ship to machines, for the render tests that feed them to the programs
 * that read them: the run's shared plans of phase2 and phase3, and phase3 behind HAProxy planned here.
 */
import type { Artifact } from "../../tools/plan/artifacts";
import { runPlan } from "../../tools/plan/run";
import { sharedPlanObject } from "./sharedPlans";
import { shippedStack, withValues } from "./stackFiles";

export interface Phase23Artifacts {
    /** Every shipped file of the three plans. */
    readonly all: Artifact[];
    /** Distinct contents only: the replica and the primary share most files. */
    readonly distinct: Artifact[];
}

export async function phase23Artifacts(): Promise<Phase23Artifacts> {
    const plans = [
        sharedPlanObject("phase2"),
        sharedPlanObject("phase3"),
        await runPlan(
            withValues(shippedStack("phase3"), { "phase-stacks:loadBalancer": { kind: "haproxy" } }),
        ),
    ];
    const seen = new Set<string>();
    const all = plans.flatMap((p) => p.artifacts);
    const distinct = plans
        .flatMap((p) => p.artifacts)
        .filter((a) => {
            const key = `${a.kind}\n${a.target}\n${a.content}`;
            if (seen.has(key)) return false;
            seen.add(key);
            return true;
        });
    return { all, distinct };
}

export function ofKind(artifacts: readonly Artifact[], kind: string, target?: RegExp): Artifact[] {
    return artifacts.filter((a) => a.kind === kind && (target === undefined || target.test(a.target)));
}
