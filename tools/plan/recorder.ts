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
                    props: decodeWire(raw, false) as Record<string, unknown>,
                    inputs: decodeWire(raw, true) as Record<string, unknown>,
                });
            }
            cb(err, resp);
        });
    return recorded;
}
