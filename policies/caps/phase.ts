/**
 * Every phase-specific rule (server types, counts, budgets) keys on the stack's phase, and a stack's name says
 * nothing about it: a stack `prod` running phase 1's config must meet phase 1's caps. The phase therefore comes
 * from the `phase-stacks:phase` stack tag, and a stack without a known one fails rather than passing unjudged.
 */
import { z } from "zod";
import { PHASES } from "../../core/phases";
import { PHASE_TAG } from "../lib/context";
import { PACK_FRAMEWORK, stackPolicy } from "../lib/policy";

export const stackPhaseDeclared = stackPolicy({
    name: "stack-phase-declared",
    description: `The stack carries the ${PHASE_TAG} tag with a known phase, so phase-specific caps apply to it.`,
    concern: "caps",
    level: "mandatory",
    severity: "high",
    framework: { ...PACK_FRAMEWORK, id: "PHS-CAPS-0" },
    remediation: `Tag the stack with the phase its config declares: pulumi stack tag set ${PHASE_TAG} "$(pulumi config get phase)". The offline plan and npm run policy set it from the validated config.`,
    config: z.strictObject({}),
    judge: (_resources, _config, ctx) =>
        ctx.phase !== undefined && (PHASES as readonly string[]).includes(ctx.phase)
            ? []
            : [
                  {
                      field: `stack tag ${PHASE_TAG}`,
                      problem:
                          ctx.phase === undefined
                              ? "is missing, so no phase's caps would apply"
                              : `names no phase (expected one of ${PHASES.join(", ")})`,
                      fix: `pulumi stack tag set ${PHASE_TAG} <phase from the stack's phase-stacks:phase config>`,
                  },
              ],
});
