/**
 * Evaluates the whole pack over plain resource records, without the Pulumi engine: the offline plan and the
 * `--resources` CLI use it, so they report what `pulumi preview --policy-pack policies` reports. No side effects.
 */
import { policies } from "./all";
import { PolicyConfigError } from "./lib/config";
import type { EvaluateOptions, PolicyResource, Violation } from "./lib/records";
import { forgetReadings } from "./lib/memo";
import { runPolicy } from "./lib/run";

export type { Concern } from "./lib/policy";
export type { EvaluateOptions, PolicyResource, Violation } from "./lib/records";

export function evaluatePolicies(resources: PolicyResource[], options: EvaluateOptions = {}): Violation[] {
    const unknown = Object.keys(options.config ?? {}).filter(
        (k) => k !== "all" && !policies.some((p) => p.name === k),
    );
    if (unknown.length)
        throw new PolicyConfigError(`invalid policy pack config: no policy named ${unknown.join(", ")}`);
    try {
        return policies.flatMap((p) => runPolicy(p, resources, options));
    } finally {
        forgetReadings();
    }
}
