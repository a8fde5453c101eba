/**
 * Runs a stack's real program on the Pulumi runtime with mocks and gathers the plan: resources with their
 * options, cost, policy verdicts, shipped files and the critical path. One plan per process: the Pulumi
 * runtime keeps its state in a process global.
 */
import * as pulumi from "@pulumi/pulumi";
import { loadStackConfig } from "../../core/config/load";
import type { ConfigProblem } from "../../core/config/problems";
import { priceResources, type CostLine, type ExternalCost } from "../../core/cost/model";
import { PHASE_SPECS, stackBudgetEur, type Phase } from "../../core/phases";
import { evaluatePolicies, type PolicyResource, type Violation } from "../../policies/evaluate";
import { main } from "../../stacks";
import { artifactsOf, type Artifact } from "./artifacts";
import { criticalPath, type CriticalPath } from "./graph";
import { withoutPromiseDebugging } from "./lightRuntime";
import { PlanMocks } from "./mocks";
import {
    MASK,
    assertUniqueUrns,
    recordRegistrations,
    type AliasSpec,
    type RecordedResource,
} from "./recorder";
import type { LoadedStackFile } from "./stackFile";

export class InvalidConfigError extends Error {
    constructor(
        message: string,
        readonly problems: readonly ConfigProblem[],
    ) {
        super(message);
    }
}

export class ProgramError extends Error {}

export interface PlanResource {
    readonly urn: string;
    readonly type: string;
    readonly name: string;
    readonly parent?: string;
    readonly dependencies: string[];
    readonly protect: boolean;
    readonly ignoreChanges: string[];
    readonly replaceOnChanges: string[];
    readonly deleteBeforeReplace: boolean;
    readonly aliases: AliasSpec[];
    readonly custom: boolean;
    readonly inputs: Record<string, unknown>;
}

export interface Plan {
    readonly project: string;
    readonly stack: string;
    readonly phase: Phase;
    readonly resources: PlanResource[];
    readonly cost: {
        readonly monthlyEur: number;
        readonly lines: CostLine[];
        readonly unpriced: string[];
        readonly budgetEur: { readonly min: number; readonly max?: number };
        readonly withinBudget: boolean;
        readonly users: { readonly min: number; readonly max?: number };
    };
    readonly policy: { readonly violations: Violation[] };
    readonly artifacts: Artifact[];
    readonly criticalPath: CriticalPath;
    readonly outputs: Record<string, unknown>;
}

/** Resolves the program's outputs, masking the secret ones for the report. */
async function resolveOutputs(
    raw: Record<string, unknown>,
): Promise<{ plain: Record<string, unknown>; masked: Record<string, unknown> }> {
    const plain: Record<string, unknown> = {};
    const masked: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(raw)) {
        const out = pulumi.output(value) as pulumi.Output<unknown>;
        const resolved = await new Promise<unknown>((resolve) => out.apply((v) => resolve(v)));
        plain[key] = resolved;
        masked[key] = (await pulumi.isSecret(out)) ? MASK : resolved;
    }
    return { plain, masked };
}

function externalCostsOf(outputs: Record<string, unknown>): ExternalCost[] {
    const v = outputs["externalCosts"];
    return Array.isArray(v) ? (v as ExternalCost[]) : [];
}

function view(r: RecordedResource): PlanResource {
    return {
        urn: r.urn,
        type: r.type,
        name: r.name,
        ...(r.parent ? { parent: r.parent } : {}),
        dependencies: r.dependencies,
        protect: r.protect,
        ignoreChanges: r.ignoreChanges,
        replaceOnChanges: r.replaceOnChanges,
        deleteBeforeReplace: r.deleteBeforeReplace,
        aliases: r.aliases,
        custom: r.custom,
        inputs: r.inputs,
    };
}

/** What the program registered and returned, before any of it is judged or priced. */
export interface Recording {
    readonly phase: Phase;
    readonly recorded: RecordedResource[];
    readonly outputs: { plain: Record<string, unknown>; masked: Record<string, unknown> };
}

/** Runs `program` (the repository's by default) on the mocked runtime and records every registration. */
export async function recordStack(
    file: LoadedStackFile,
    program: () => Record<string, unknown> = main,
): Promise<Recording> {
    const loaded = loadStackConfig(file);
    if (!loaded.ok) throw new InvalidConfigError(loaded.message, loaded.problems);
    const phase = loaded.config.phase;

    await pulumi.runtime.setMocks(new PlanMocks(), file.project, file.stack, true);
    pulumi.runtime.setAllConfig({ ...file.values }, [...file.secretKeys]);
    const recorded = recordRegistrations();

    try {
        return await withoutPromiseDebugging(async () => {
            let raw: Record<string, unknown> = {};
            await pulumi.runtime.runInPulumiStack(() => {
                raw = program();
                return Promise.resolve(raw);
            });
            const outputs = await resolveOutputs(raw);
            await pulumi.runtime.disconnect();
            assertUniqueUrns(recorded);
            return { phase, recorded, outputs };
        });
    } catch (e) {
        throw new ProgramError(e instanceof Error ? e.message : String(e));
    }
}

/** The records the pack judges: unmasked inputs and the options the engine passes to policies. */
export function policyInput(recorded: readonly RecordedResource[]): PolicyResource[] {
    return recorded.map((r) => ({
        type: r.type,
        name: r.name,
        urn: r.urn,
        props: r.props,
        opts: {
            protect: r.protect,
            ignoreChanges: r.ignoreChanges,
            deleteBeforeReplace: r.deleteBeforeReplace,
            retainOnDelete: r.retainOnDelete,
            ...(r.parent ? { parent: r.parent } : {}),
            dependencies: r.dependencies,
        },
    }));
}

/** Plans `file` with the repository's program; tests pass a small fixture program instead. */
export async function runPlan(
    file: LoadedStackFile,
    program: () => Record<string, unknown> = main,
): Promise<Plan> {
    const { phase, recorded, outputs } = await recordStack(file, program);
    const custom = recorded.filter((r) => r.custom);
    const cost = priceResources(
        custom.map((r) => ({ type: r.type, name: r.name, props: r.props })),
        externalCostsOf(outputs.plain),
    );
    const spec = PHASE_SPECS[phase];
    const budget = stackBudgetEur(phase);
    const violations = evaluatePolicies(policyInput(recorded), { phase });
    return {
        project: file.project,
        stack: file.stack,
        phase,
        resources: recorded.map(view),
        cost: {
            ...cost,
            // The seed budget plus the phase's ClawHQ agent-pool line (core/phases.ts).
            budgetEur: budget,
            withinBudget: budget.max === undefined || cost.monthlyEur <= budget.max,
            users: spec.users,
        },
        policy: { violations },
        artifacts: recorded.flatMap((r) => artifactsOf(r.type, r.name, r.props)),
        criticalPath: criticalPath(recorded),
        outputs: outputs.masked,
    };
}
