/** The repository's own stack files, read the way the offline plan reads them. */
import { join } from "node:path";
import { loadStackConfig } from "../../core/config/load";
import type { ConfigOf } from "../../core/config/schema";
import type { Phase } from "../../core/phases";
import { readStackFile, type LoadedStackFile } from "../../tools/plan/stackFile";
import { ROOT } from "./build";

export { ROOT };

export function shippedStack(stack: string): LoadedStackFile {
    return readStackFile(join(ROOT, `Pulumi.${stack}.yaml`), join(ROOT, "Pulumi.yaml"));
}

/** A copy of a shipped stack's raw config with some keys set (JSON-encoded) or removed. */
export function withValues(
    base: LoadedStackFile,
    set: Record<string, unknown>,
    remove: string[] = [],
): LoadedStackFile {
    const values: Record<string, string> = { ...base.values };
    for (const [k, v] of Object.entries(set)) values[k] = typeof v === "string" ? v : JSON.stringify(v);
    for (const k of remove) delete values[k];
    return { ...base, values };
}

/** A stack file's validated config, narrowed to its phase; throws the loader's message when it does not load. */
export function loadedConfig<P extends Phase>(file: LoadedStackFile, phase: P): ConfigOf<P> {
    const r = loadStackConfig(file);
    if (!r.ok) throw new Error(r.message);
    if (r.config.phase !== phase) throw new Error(`expected a ${phase} config, got ${r.config.phase}`);
    return r.config as ConfigOf<P>;
}
