/**
 * Evaluates the whole pack over plain resource records, without the Pulumi engine: the offline plan and the
 * `--resources` CLI use it, so they report what `pulumi preview --policy-pack policies` reports. No side effects.
 */
import { policies } from "./all";
import { PolicyConfigError } from "./lib/config";
import type { Concern } from "./lib/policy";
import { runPolicy } from "./lib/run";

export type { Concern } from "./lib/policy";

export interface PolicyResource {
    type: string;
    name: string;
    urn?: string;
    props: Record<string, unknown>;
    opts?: {
        protect?: boolean;
        ignoreChanges?: string[];
        deleteBeforeReplace?: boolean;
        retainOnDelete?: boolean;
        parent?: string;
        dependencies?: string[];
        provider?: string;
    };
}

export interface Violation {
    policy: string;
    concern: Concern;
    level: "mandatory" | "advisory";
    urn?: string;
    name?: string;
    message: string;
}

export interface EvaluateOptions {
    /** The stack's phase from its validated config (`phase-stacks:phase`), never its name. */
    phase?: string;
    /** Pack config in `--policy-pack-config` form: `{ "<policy>": level | { enforcementLevel?, ...thresholds }, all?: level }`. */
    config?: Record<string, unknown>;
}

export function evaluatePolicies(resources: PolicyResource[], options: EvaluateOptions = {}): Violation[] {
    const unknown = Object.keys(options.config ?? {}).filter(
        (k) => k !== "all" && !policies.some((p) => p.name === k),
    );
    if (unknown.length)
        throw new PolicyConfigError(`invalid policy pack config: no policy named ${unknown.join(", ")}`);
    return policies.flatMap((p) => runPolicy(p, resources, options));
}
