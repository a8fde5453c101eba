/**
 * Runs one pack policy outside the Pulumi engine, building the same arguments @pulumi/policy 1.21's analyzer
 * server builds: props behind `unknownCheckingProxy` (an unknown value turns the check into an advisory "can't run
 * during preview"), `stackTags`, `notApplicable` that throws, `isType`/`asType` by type token, `getConfig`, and
 * `PolicyResourceOptions`. Stack policies get every resource with parent and dependencies linked.
 */
import type {
    PolicyResource as EngineResource,
    PolicyResourceOptions,
    ReportViolation,
    ResourceValidationArgs,
    StackValidationArgs,
} from "@pulumi/policy";
import type { EvaluateOptions, PolicyResource, Violation } from "./records";
import { PolicyConfigError } from "./config";
import { PHASE_TAG, stackFromUrn } from "./context";
import { unknownCheckingProxy, UnknownValueError } from "./engine";
import { isStackPolicy, type Level, type PackPolicy } from "./policy";

/** Thrown by `notApplicable`: a plain object, since an Error captures a stack every resource would pay for. */
const NOT_APPLICABLE = Object.freeze({ notApplicable: true });

function notApplicable(): never {
    // eslint-disable-next-line @typescript-eslint/only-throw-error -- a sentinel, caught by identity in guard()
    throw NOT_APPLICABLE;
}

const LEVELS = ["advisory", "mandatory", "remediate", "disabled"] as const;
type EngineLevel = (typeof LEVELS)[number];
const isLevel = (v: unknown): v is EngineLevel =>
    typeof v === "string" && (LEVELS as readonly string[]).includes(v);

/** Pack config as `pulumi preview --policy-pack-config` takes it: `{policy: level | {enforcementLevel?, ...props}, all?: level}`. */
function policyConfig(
    policy: PackPolicy,
    config: Record<string, unknown>,
): { level: EngineLevel; props: object } {
    const entry = config[policy.name];
    const all = config["all"];
    if (isLevel(entry)) return { level: entry, props: {} };
    if (typeof entry === "object" && entry !== null) {
        const { enforcementLevel, ...props } = entry as Record<string, unknown>;
        if (enforcementLevel !== undefined && !isLevel(enforcementLevel)) {
            throw new PolicyConfigError(
                `invalid policy pack config: ${policy.name}.enforcementLevel must be one of ${LEVELS.join(", ")}`,
            );
        }
        return { level: enforcementLevel ?? (isLevel(all) ? all : policy.enforcementLevel), props };
    }
    if (entry !== undefined)
        throw new PolicyConfigError(
            `invalid policy pack config: ${policy.name} must be an enforcement level or an object`,
        );
    return { level: isLevel(all) ? all : policy.enforcementLevel, props: {} };
}

function engineOptions(r: PolicyResource): PolicyResourceOptions {
    const o = r.opts ?? {};
    return {
        protect: o.protect ?? false,
        ignoreChanges: o.ignoreChanges ?? [],
        aliases: [],
        customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
        additionalSecretOutputs: [],
        ...(o.deleteBeforeReplace === undefined ? {} : { deleteBeforeReplace: o.deleteBeforeReplace }),
        ...(o.parent === undefined ? {} : { parent: o.parent }),
    };
}

/** The stack named in the first URN: only for the URNs of records that come without one. */
function stackOf(resources: readonly PolicyResource[]): string | undefined {
    return stackFromUrn(resources.find((r) => r.urn !== undefined)?.urn);
}

function urnOf(r: PolicyResource, stack: string | undefined): string {
    return r.urn ?? `urn:pulumi:${stack ?? "stack"}::phase-stacks::${r.type}::${r.name}`;
}

function typeChecks(type: string, props: Record<string, unknown>) {
    const tokenOf = (cls: unknown) => (cls as { __pulumiType?: unknown }).__pulumiType;
    return {
        isType: (cls: unknown) => tokenOf(cls) === type,
        // The engine hands back the props themselves when the type matches.
        asType: (cls: unknown) => (tokenOf(cls) === type ? props : undefined),
    };
}

/** The stack tags the engine would pass: the phase, when the caller knows it from the stack's config. */
function tagsFor(phase: string | undefined): ReadonlyMap<string, string> {
    return new Map(phase === undefined ? [] : [[PHASE_TAG, phase]]);
}

type Entry = readonly [urn: string, resource: PolicyResource];
interface Indexed {
    /** Pairs, not a map: input from outside the engine may repeat a type and name, and each must still be judged. */
    readonly entries: readonly Entry[];
    readonly byUrn: ReadonlyMap<string, PolicyResource>;
}

/** The URN of every record, worked out once per input and phase rather than once per policy. */
const indexes = new WeakMap<readonly PolicyResource[], Map<string | undefined, Indexed>>();
function indexed(resources: readonly PolicyResource[], phase: string | undefined): Indexed {
    const byPhase = indexes.get(resources) ?? new Map<string | undefined, Indexed>();
    indexes.set(resources, byPhase);
    let index = byPhase.get(phase);
    if (!index) {
        // Records without a URN get one in a stack named after the phase, as the plan names the shipped stacks.
        const stack = stackOf(resources) ?? phase;
        const entries = resources.map((r) => [urnOf(r, stack), r] as const);
        index = { entries, byUrn: new Map(entries) };
        byPhase.set(phase, index);
    }
    return index;
}

/** One engine proxy per resource's props, shared by every policy that reads them. */
const proxies = new WeakMap<object, Record<string, unknown>>();
function propsProxy(props: Record<string, unknown>): Record<string, unknown> {
    let p = proxies.get(props);
    if (!p) proxies.set(props, (p = unknownCheckingProxy(props)));
    return p;
}

export function runPolicy(
    policy: PackPolicy,
    resources: readonly PolicyResource[],
    options: EvaluateOptions = {},
): Violation[] {
    const { level, props: configProps } = policyConfig(policy, options.config ?? {});
    policy.validateConfig(configProps);
    if (level === "disabled") return [];
    const reportedLevel: Level = level === "advisory" ? "advisory" : "mandatory";
    const stackTags = tagsFor(options.phase);
    const { entries, byUrn } = indexed(resources, options.phase);
    const violations: Violation[] = [];
    const base = { policy: policy.name, concern: policy.concern };

    const guard = (run: () => unknown, subject: { urn?: string; name?: string }) => {
        try {
            // The pack's policies are synchronous; a promise here would be a policy this runner cannot await.
            if (run() instanceof Promise)
                throw new Error("returned a promise; evaluatePolicies runs policies synchronously");
        } catch (e) {
            if (e === NOT_APPLICABLE) return;
            if (e instanceof UnknownValueError) {
                violations.push({
                    ...base,
                    level: "advisory",
                    ...subject,
                    message: `can't run policy '${policy.name}' during preview: ${e.message}`,
                });
                return;
            }
            if (e instanceof PolicyConfigError) throw e;
            throw new Error(
                `policy '${policy.name}' failed${subject.name ? ` on '${subject.name}'` : ""}: ${e instanceof Error ? e.message : String(e)}`,
            );
        }
    };

    if (isStackPolicy(policy)) {
        const linked = entries.map(([urn, r]) => {
            const props = propsProxy(r.props);
            const e = {
                type: r.type,
                name: r.name,
                urn,
                props,
                opts: engineOptions(r),
                dependencies: [],
                propertyDependencies: {},
                ...typeChecks(r.type, props),
            } as EngineResource;
            return { e, r };
        });
        const engine = new Map(linked.map(({ e }) => [e.urn, e]));
        for (const { e, r } of linked) {
            const parent = r.opts?.parent === undefined ? undefined : engine.get(r.opts.parent);
            if (parent) e.parent = parent;
            e.dependencies = (r.opts?.dependencies ?? []).flatMap((d) => engine.get(d) ?? []);
        }
        const args: StackValidationArgs = {
            resources: linked.map(({ e }) => e),
            stackTags,
            getConfig: <T extends object>() => configProps as T,
            notApplicable,
        };
        const report: ReportViolation = (message, urn) =>
            violations.push({
                ...base,
                level: reportedLevel,
                ...(urn ? { urn, name: byUrn.get(urn)?.name ?? urn } : {}),
                message,
            });
        guard(() => policy.validateStack(args, report), {});
        return violations;
    }

    for (const [urn, r] of entries) {
        // The engine asks every policy about every resource; the pack's own would answer notApplicable.
        if (policy.appliesTo?.(r.type) === false) continue;
        const props = propsProxy(r.props);
        const args = {
            type: r.type,
            props,
            urn,
            name: r.name,
            opts: engineOptions(r),
            stackTags,
            getConfig: <T extends object>() => configProps as T,
            notApplicable,
            ...typeChecks(r.type, props),
        } as ResourceValidationArgs;
        const report: ReportViolation = (message) =>
            violations.push({ ...base, level: reportedLevel, urn, name: r.name, message });
        guard(() => policy.validateResource(args, report), { urn, name: r.name });
    }
    return violations;
}
