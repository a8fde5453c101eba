/**
 * What `pulumi preview` would do to stateful resources between two plans of the same stack: a resource
 * whose URN disappears is deleted, one whose replacement-forcing input changed (and is not in
 * ignoreChanges) is replaced. Used to prove that config edits leave data alone.
 */
import { isDeepStrictEqual } from "node:util";
import { REPLACING_INPUTS } from "../../core/catalog/replacement";

export interface DiffResource {
    readonly urn: string;
    readonly type: string;
    readonly protect: boolean;
    readonly ignoreChanges: readonly string[];
    readonly inputs: Readonly<Record<string, unknown>>;
}

export interface StatefulChange {
    readonly urn: string;
    readonly op: "delete" | "replace";
    readonly inputs: string[];
    readonly protect: boolean;
}

function at(obj: Readonly<Record<string, unknown>>, path: string): unknown {
    return path
        .split(".")
        .reduce<unknown>(
            (v, k) => (typeof v === "object" && v !== null ? (v as Record<string, unknown>)[k] : undefined),
            obj,
        );
}

export function statefulChanges(
    before: readonly DiffResource[],
    after: readonly DiffResource[],
): StatefulChange[] {
    const next = new Map(after.map((r) => [r.urn, r]));
    const changes: StatefulChange[] = [];
    for (const old of before) {
        const forcing = REPLACING_INPUTS[old.type];
        if (!forcing) continue;
        const now = next.get(old.urn);
        if (!now) {
            changes.push({ urn: old.urn, op: "delete", inputs: [], protect: old.protect });
            continue;
        }
        // The engine keeps the old value of an ignored input, so it cannot force a replacement.
        const changed = forcing.filter(
            (p) => !now.ignoreChanges.includes(p) && !isDeepStrictEqual(at(old.inputs, p), at(now.inputs, p)),
        );
        if (changed.length)
            changes.push({ urn: old.urn, op: "replace", inputs: changed, protect: now.protect });
    }
    return changes;
}
