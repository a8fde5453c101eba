/**
 * Which stack's rules apply. CrossGuard tells a policy nothing about the stack except URNs and stack tags, so the
 * pack reads the stack name from the URN (`urn:pulumi:<stack>::<project>::...`); a stack tag `phase-stacks:phase`
 * overrides it, which lets a stack named `staging` follow `phase3` rules and lets `evaluatePolicies` pass the stack.
 */

export const PHASE_TAG = "phase-stacks:phase";

export function stackFromUrn(urn: string | undefined): string | undefined {
    const m = /^urn:pulumi:([^:]+)::/.exec(urn ?? "");
    return m?.[1];
}

export function phaseOf(stackTags: ReadonlyMap<string, string>, urn: string | undefined): string | undefined {
    return stackTags.get(PHASE_TAG) ?? stackFromUrn(urn);
}
