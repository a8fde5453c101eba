/**
 * A shipped stack planned with some config keys set, in the test's own worker: the workers are reused, so the
 * Pulumi SDK loads once rather than once per spawned CLI.
 */
import { runPlan, type Plan } from "../../tools/plan/run";
import { shippedStack, withValues } from "./stackFiles";

export function editedPlan(stack: string, set: Record<string, unknown>): Promise<Plan> {
    return runPlan(withValues(shippedStack(stack), set));
}
