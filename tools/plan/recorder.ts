/**
 * Records every resource registration with its options by wrapping the mock monitor's registerResource:
 * mocks alone see neither parent, protect, ignoreChanges nor dependencies (pulumi#14421).
 */
import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";

/** Pulumi's wire signatures (runtime/rpc.js). */
const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
const OUTPUT_SIG = "d0e6a833031e9bbcd3f4e8bde6ca49a4";
const RESOURCE_SIG = "5cf8f73096256a8f31e491e813e4eb8e";
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export const MASK = "[secret]";

/**
 * A masked secret with a short digest, so two plans show whether it changed. The plan's secrets are
 * placeholders and generated mock values, never real credentials, so the digest reveals nothing.
 */
function masked(value: unknown): string {
    return `[secret:${createHash("sha256").update(JSON.stringify(value)).digest("hex").slice(0, 12)}]`;
}

export interface RecordedResource {
    readonly urn: string;
    readonly type: string;
    readonly name: string;
    readonly custom: boolean;
    readonly parent?: string;
    readonly dependencies: string[];
    readonly protect: boolean;
    readonly ignoreChanges: string[];
    readonly replaceOnChanges: string[];
    readonly deleteBeforeReplace: boolean;
    readonly retainOnDelete: boolean;
    /** The names this resource was known by before (`aliases`), as the SDK sent them to the engine. */
    readonly aliases: AliasSpec[];
    /** Inputs with secrets unwrapped (the plan's secrets are placeholders): what policies and pricing read. */
    readonly props: Record<string, unknown>;
    /** Inputs with every secret masked (with a digest): what the report prints. */
    readonly inputs: Record<string, unknown>;
}

/** Decodes wire values; `mask` replaces secrets instead of unwrapping them. */
export function decodeWire(v: unknown, mask: boolean): unknown {
    if (v === UNKNOWN) return "[unknown]";
    if (Array.isArray(v)) return v.map((x) => decodeWire(x, mask));
    if (typeof v !== "object" || v === null) return v;
    const o = v as Record<string, unknown>;
    const sig = o[SIG_KEY];
    if (sig === SECRET_SIG) return mask ? masked(o["value"]) : decodeWire(o["value"], mask);
    if (sig === OUTPUT_SIG)
        return o["secret"] === true && mask ? masked(o["value"]) : decodeWire(o["value"], mask);
    if (sig === RESOURCE_SIG) return o["urn"];
    return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, decodeWire(x, mask)]));
}

/** Whether a wire value holds a secret anywhere. */
function holdsSecret(v: unknown): boolean {
    if (Array.isArray(v)) return v.some(holdsSecret);
    if (typeof v !== "object" || v === null) return false;
    const o = v as Record<string, unknown>;
    if (o[SIG_KEY] === SECRET_SIG || (o[SIG_KEY] === OUTPUT_SIG && o["secret"] === true)) return true;
    return Object.values(o).some(holdsSecret);
}

/** Both views of a registration's inputs; without a secret they are one object (a large plan keeps thousands). */
function decodeInputs(raw: unknown): Pick<RecordedResource, "props" | "inputs"> {
    const props = decodeWire(raw, false) as Record<string, unknown>;
    return { props, inputs: holdsSecret(raw) ? (decodeWire(raw, true) as Record<string, unknown>) : props };
}

/**
 * One alias: a full URN, or the parts of the old URN that differ from the new one (the engine fills in the
 * rest from the resource itself: name, type, project, stack, and parent unless `noParent`).
 */
export type AliasSpec =
    | { readonly urn: string }
    | {
          readonly name?: string;
          readonly type?: string;
          readonly project?: string;
          readonly stack?: string;
          readonly parentUrn?: string;
          readonly noParent?: boolean;
      };

interface WireAlias {
    toObject(): {
        urn?: string;
        spec?: {
            name: string;
            type: string;
            stack: string;
            project: string;
            parenturn: string;
            noparent: boolean;
        };
    };
}

function aliasOf(a: WireAlias): AliasSpec {
    const { urn, spec } = a.toObject();
    if (urn) return { urn };
    const parts: Record<string, string | boolean> = {};
    if (spec?.name) parts["name"] = spec.name;
    if (spec?.type) parts["type"] = spec.type;
    if (spec?.project) parts["project"] = spec.project;
    if (spec?.stack) parts["stack"] = spec.stack;
    if (spec?.parenturn) parts["parentUrn"] = spec.parenturn;
    if (spec?.noparent) parts["noParent"] = true;
    return parts;
}

/** The engine's refusal of a second registration of one URN (pkg/resource/deploy/step_generator.go). */
export class DuplicateUrnError extends Error {}

interface RegisterRequest {
    getType(): string;
    getName(): string;
    getCustom(): boolean;
    getParent(): string;
    getDependenciesList(): string[];
    getProtect(): boolean;
    getIgnorechangesList(): string[];
    getReplaceonchangesList(): string[];
    getDeletebeforereplace(): boolean;
    getRetainondelete(): boolean;
    getAliasurnsList(): string[];
    getAliasesList(): WireAlias[];
    getObject(): { toJavaScript(): Record<string, unknown> } | undefined;
}
interface RegisterResponse {
    getUrn(): string;
}
type Callback = (err: unknown, resp: RegisterResponse | undefined) => void;
interface Monitor {
    registerResource(req: RegisterRequest, cb: Callback): Promise<void>;
}

/** Starts recording; call after setMocks and before the program runs. */
export function recordRegistrations(): RecordedResource[] {
    const monitor = pulumi.runtime.getMonitor() as unknown as Monitor;
    const original = monitor.registerResource.bind(monitor);
    const recorded: RecordedResource[] = [];
    monitor.registerResource = (req, cb) =>
        original(req, (err, resp) => {
            if (resp) {
                const raw = req.getObject()?.toJavaScript() ?? {};
                const parent = req.getParent();
                recorded.push({
                    urn: resp.getUrn(),
                    type: req.getType(),
                    name: req.getName(),
                    custom: req.getCustom(),
                    ...(parent ? { parent } : {}),
                    dependencies: req.getDependenciesList(),
                    protect: req.getProtect(),
                    ignoreChanges: req.getIgnorechangesList(),
                    replaceOnChanges: req.getReplaceonchangesList(),
                    deleteBeforeReplace: req.getDeletebeforereplace(),
                    retainOnDelete: req.getRetainondelete(),
                    aliases: [
                        ...req.getAliasurnsList().map((urn) => ({ urn })),
                        ...req.getAliasesList().map(aliasOf),
                    ],
                    ...decodeInputs(raw),
                });
            }
            cb(err, resp);
        });
    return recorded;
}

function describe(r: RecordedResource): string {
    const inputs = JSON.stringify(r.inputs);
    const shown = inputs.length > 160 ? `${inputs.slice(0, 160)}...` : inputs;
    const root = !r.parent || r.parent.includes("::pulumi:pulumi:Stack::");
    return `${root ? "at the stack root" : `under ${r.parent}`} with inputs ${shown}`;
}

/**
 * Refuses a plan that registers one URN twice, as `pulumi up` does, naming both registrations (inputs are
 * the masked ones, so no secret is echoed).
 */
export function assertUniqueUrns(recorded: readonly RecordedResource[]): void {
    const first = new Map<string, RecordedResource>();
    const problems: string[] = [];
    for (const r of recorded) {
        const seen = first.get(r.urn);
        if (!seen) first.set(r.urn, r);
        else
            problems.push(
                `Duplicate resource URN '${r.urn}'; try giving it a unique name.\n` +
                    `  first registered ${describe(seen)}\n  then again ${describe(r)}`,
            );
    }
    if (problems.length > 0) throw new DuplicateUrnError(problems.join("\n"));
}
