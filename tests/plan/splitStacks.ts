/** What the phase-2 and phase-3 plan tests share: which planned resources hold data. */
import { STATEFUL_TYPES } from "../../core/catalog/replacement";
import type { Plan, PlanResource } from "../../tools/plan/run";

export const SERVER = "hcloud:index/server:Server";

/** Volumes, and servers labelled stateful (database nodes); stateless fleet servers are meant to be replaceable. */
export function isStateful(r: PlanResource): boolean {
    if (!STATEFUL_TYPES.includes(r.type)) return false;
    if (r.type !== SERVER) return true;
    return (r.inputs["labels"] as Record<string, string> | undefined)?.["stateful"] === "true";
}

/** The monthly cost of the seed's topology: every line except the ClawHQ agent pools (issue 5 adds them). */
export function splitStackCost(plan: Plan): number {
    const lines = plan.cost.lines.filter((l) => !l.resource.startsWith("agents-"));
    return Math.round(lines.reduce((sum, l) => sum + l.monthlyEur, 0) * 100) / 100;
}
