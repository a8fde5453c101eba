/**
 * What the pack judges and what it returns, outside the Pulumi engine: plain resource records in, violations
 * out. The runner (run.ts) and the whole-pack entry (evaluate.ts) share these shapes without importing each other.
 */
import type { Concern } from "./policy";

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
