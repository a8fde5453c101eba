/**
 * Remembers a pure function of one text by content. Several policies parse or scan the same user data, one
 * after another over the whole stack, and a pool's hosts ship the same files, so at 5,000 resources most reads
 * are repeats. `evaluatePolicies` forgets everything when it returns; under the engine (one analyzer process per
 * preview) the bound keeps a huge stack from holding every reading.
 */

/** Texts kept per function: more than the servers of a 10,000-resource stack. */
const LIMIT = 10_000;
const caches: Map<string, unknown>[] = [];

export function byContent<V>(compute: (text: string) => V): (text: string) => V {
    const seen = new Map<string, V>();
    caches.push(seen);
    return (key) => {
        const hit = seen.get(key);
        if (hit !== undefined || seen.has(key)) return hit as V;
        if (seen.size >= LIMIT) seen.clear();
        const value = compute(key);
        seen.set(key, value);
        return value;
    };
}

/** A map for results keyed by content that `forgetReadings` clears too (verdicts on a shared file, say). */
export function rememberedByContent<V>(): Map<string, V> {
    const seen = new Map<string, V>();
    caches.push(seen);
    return seen;
}

export function forgetReadings(): void {
    for (const c of caches) c.clear();
}
