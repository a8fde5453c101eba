/**
 * The pack's policy shape and the two builders every policy module uses. A policy module supplies a pure judge
 * (props in, problems out); the builder turns it into a CrossGuard policy that reads its config, finds the phase,
 * marks itself not applicable to other types, and formats each problem as one message naming the resource, the
 * field, the framework id and the fix.
 */
import type {
    PolicyComplianceFramework,
    PolicyResourceOptions,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
} from "@pulumi/policy";
import type { z } from "zod";
import { phaseOf } from "./context";
import { readConfig, toConfigSchema, type ConfigSchema } from "./config";
import type { Json } from "./read";
import { kindLabel } from "./typeTokens";

export const CONCERNS = ["sandbox", "caps", "network", "data", "edge", "secrets"] as const;
export type Concern = (typeof CONCERNS)[number];
export type Level = "mandatory" | "advisory";

/** For rules no public rule set has (Hetzner has no scanner coverage); ids are documented in policies/README.md. */
export const PACK_FRAMEWORK = {
    name: "phase-stacks pack",
    version: "0.1.0",
    reference: "policies/README.md",
} as const;

export interface Framework {
    /** Rule set, e.g. "CIS Docker Benchmark". */
    readonly name: string;
    readonly version: string;
    /** The rule's id in that set, e.g. "5.5", quoted in every message. */
    readonly id: string;
    readonly reference: string;
}

/** Checkov's Kubernetes rule set, which several of the pack's Kubernetes policies cite by id. */
export const CHECKOV_KUBERNETES = {
    name: "Checkov",
    version: "3",
    reference: "https://www.checkov.io/5.Policy%20Index/kubernetes.html",
} as const;

/** One broken rule: `field` is where, `problem` is what, `fix` is the change that makes it pass. */
export interface Problem {
    readonly field: string;
    readonly problem: string;
    readonly fix: string;
    /** Overrides the policy's framework id (e.g. the PSS check that failed). */
    readonly id?: string;
}

export interface StackProblem extends Problem {
    /** The resource at fault; omitted when the stack as a whole is. */
    readonly subject?: { readonly type: string; readonly name: string; readonly urn: string };
}

/** What a judge reads about one resource. */
export interface Judged {
    readonly type: string;
    readonly name: string;
    readonly urn: string;
    readonly props: Json;
    readonly opts: PolicyResourceOptions;
    /** URNs this resource depends on (stack policies only). */
    readonly dependencies: readonly string[];
}

export interface Context {
    /** The `phase-stacks:phase` stack tag (never the stack name): the key of phase-specific config. */
    readonly phase: string | undefined;
}

interface Spec<S extends ConfigSchema> {
    readonly name: string;
    readonly description: string;
    readonly concern: Concern;
    readonly level: Level;
    readonly severity: Severity;
    readonly framework: Framework;
    readonly remediation: string;
    readonly config: S;
}

export interface ResourceSpec<S extends ConfigSchema> extends Spec<S> {
    /** The resource types judged; for others the policy reports itself not applicable. */
    readonly appliesTo: (type: string) => boolean;
    readonly judge: (r: Judged, config: z.output<S>, ctx: Context) => Problem[];
}

export interface StackSpec<S extends ConfigSchema> extends Spec<S> {
    readonly judge: (resources: readonly Judged[], config: z.output<S>, ctx: Context) => StackProblem[];
}

interface PackMeta {
    readonly concern: Concern;
    readonly frameworkId: string;
    readonly description: string;
    readonly enforcementLevel: Level;
    readonly severity: Severity;
    readonly remediationSteps: string;
    readonly framework: PolicyComplianceFramework;
    /** Throws PolicyConfigError when config (without enforcementLevel) does not fit the policy's schema. */
    readonly validateConfig: (config: object) => void;
}

export type PackResourcePolicy = ResourceValidationPolicy &
    PackMeta & {
        readonly validateResource: (args: ResourceValidationArgs, report: ReportViolation) => void;
        /**
         * The resource types judged, so a runner can skip the rest; validateResource still reports every other
         * type not applicable, as the engine asks (absent on a policy not built by resourcePolicy).
         */
        readonly appliesTo?: (type: string) => boolean;
    };
export type PackStackPolicy = StackValidationPolicy &
    PackMeta & { readonly validateStack: (args: StackValidationArgs, report: ReportViolation) => void };
export type PackPolicy = PackResourcePolicy | PackStackPolicy;

export function isStackPolicy(p: PackPolicy): p is PackStackPolicy {
    return "validateStack" in p;
}

function meta<S extends ConfigSchema>(spec: Spec<S>) {
    const { name, description, concern, level, severity, framework, remediation, config } = spec;
    const configSchema = toConfigSchema(config);
    return {
        name,
        description,
        concern,
        frameworkId: `${framework.name} ${framework.id}`,
        enforcementLevel: level,
        severity,
        remediationSteps: remediation,
        framework: {
            name: framework.name,
            version: framework.version,
            reference: framework.reference,
            specification: framework.id,
        },
        tags: [concern],
        ...(configSchema ? { configSchema } : {}),
        validateConfig: (raw: object) => {
            readConfig(name, config, raw);
        },
    };
}

/** readConfig, once per config object: the engine hands every resource the same one. */
function parsedOnce<S extends ConfigSchema>(name: string, schema: S): (raw: object) => z.output<S> {
    const parsed = new WeakMap<object, z.output<S>>();
    return (raw) => {
        if (!parsed.has(raw)) parsed.set(raw, readConfig(name, schema, raw));
        return parsed.get(raw) as z.output<S>;
    };
}

export function formatProblem(subject: string, p: Problem, defaultId: string): string {
    return `${subject}: ${p.field} ${p.problem} [${p.id ?? defaultId}]. Fix: ${p.fix}`;
}

export function resourcePolicy<S extends ConfigSchema>(spec: ResourceSpec<S>): PackResourcePolicy {
    const m = meta(spec);
    const configOf = parsedOnce(spec.name, spec.config);
    return {
        ...m,
        appliesTo: spec.appliesTo,
        validateResource: (args, report) => {
            if (!spec.appliesTo(args.type)) args.notApplicable(`Policy only applies to: ${spec.description}`);
            const config = configOf(args.getConfig());
            const judged: Judged = {
                type: args.type,
                name: args.name,
                urn: args.urn,
                props: args.props,
                opts: args.opts,
                dependencies: [],
            };
            const subject = `${kindLabel(args.type)} '${args.name}'`;
            for (const p of spec.judge(judged, config, { phase: phaseOf(args.stackTags) })) {
                report(formatProblem(subject, p, m.frameworkId));
            }
        },
    };
}

export function stackPolicy<S extends ConfigSchema>(spec: StackSpec<S>): PackStackPolicy {
    const m = meta(spec);
    return {
        ...m,
        validateStack: (args, report) => {
            const config = readConfig(spec.name, spec.config, args.getConfig());
            const resources: Judged[] = args.resources.map((r) => ({
                type: r.type,
                name: r.name,
                urn: r.urn,
                props: r.props,
                opts: r.opts,
                dependencies: r.dependencies.map((d) => d.urn),
            }));
            const phase = phaseOf(args.stackTags);
            for (const p of spec.judge(resources, config, { phase })) {
                const subject = p.subject
                    ? `${kindLabel(p.subject.type)} '${p.subject.name}'`
                    : `stack (phase ${phase ?? "unknown"})`;
                report(formatProblem(subject, p, m.frameworkId), p.subject?.urn);
            }
        },
    };
}
