/**
 * Which phase's rules apply. CrossGuard tells a policy nothing about the stack but URNs and stack tags, and a
 * stack's name says nothing about its phase (a stack `prod` may run phase 1's config), so the phase comes only
 * from the `phase-stacks:phase` stack tag: the offline plan and `npm run policy` set it from the validated
 * config, and `pulumi stack tag set phase-stacks:phase <phase>` sets it for `pulumi preview --policy-pack`.
 * Without it, `stack-phase-declared` fails the stack instead of judging it by no phase's rules.
 */

export const PHASE_TAG = "phase-stacks:phase";

export function stackFromUrn(urn: string | undefined): string | undefined {
    const m = /^urn:pulumi:([^:]+)::/.exec(urn ?? "");
    return m?.[1];
}

export function phaseOf(stackTags: ReadonlyMap<string, string>): string | undefined {
    return stackTags.get(PHASE_TAG);
}
