/**
 * Total readers over resource properties. Props arrive as untyped JSON (CrossGuard wraps them in a proxy that
 * throws when a value is unknown at preview); these helpers never throw on a wrong shape, so a policy judges
 * what is there instead of crashing on what is not.
 */

export type Json = Record<string, unknown>;

export function rec(v: unknown): Json | undefined {
    return typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Json) : undefined;
}

export function list(v: unknown): unknown[] {
    return Array.isArray(v) ? v : [];
}

export function records(v: unknown): Json[] {
    return list(v)
        .map(rec)
        .filter((r): r is Json => r !== undefined);
}

export function strings(v: unknown): string[] {
    return list(v).filter((s): s is string => typeof s === "string");
}

export function str(v: unknown): string | undefined {
    return typeof v === "string" ? v : undefined;
}

export function num(v: unknown): number | undefined {
    return typeof v === "number" && Number.isFinite(v) ? v : undefined;
}

/** The value at a path of object keys, or undefined as soon as a step is not an object. */
export function at(v: unknown, ...path: string[]): unknown {
    let cur: unknown = v;
    for (const key of path) {
        const r = rec(cur);
        if (!r) return undefined;
        cur = r[key];
    }
    return cur;
}

/** A map-shaped value (`{k: "v"}`) as string entries; non-string values are skipped. */
export function stringMap(v: unknown): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [k, val] of Object.entries(rec(v) ?? {})) if (typeof val === "string") out[k] = val;
    return out;
}
