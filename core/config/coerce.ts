/**
 * `pulumi config set --path` stores floats (and, in older CLIs, every scalar) as strings. Where the schema
 * wants a number or a boolean and the value is its strict spelling, take it: otherwise the suggested fix
 * would store the same string again and the error would never go away.
 */
import type { z } from "zod";

const NUMERIC = /^-?(0|[1-9]\d*)(\.\d+)?$/;

function coerced(value: unknown, expected: string): unknown {
    if (typeof value !== "string") return undefined;
    if (expected === "number" && NUMERIC.test(value)) return Number(value);
    if (expected === "boolean" && (value === "true" || value === "false")) return value === "true";
    return undefined;
}

/** Rewrites, in place, every value a failed parse rejected only for being a numeric or boolean string. */
export function coerceScalars(settings: Record<string, unknown>, error: z.ZodError): boolean {
    let changed = false;
    for (const issue of error.issues) {
        if (issue.code !== "invalid_type" || issue.path.length === 0) continue;
        let parent: unknown = settings;
        for (const p of issue.path.slice(0, -1))
            parent =
                typeof parent === "object" && parent !== null
                    ? (parent as Record<PropertyKey, unknown>)[p]
                    : undefined;
        if (typeof parent !== "object" || parent === null) continue;
        const key = issue.path[issue.path.length - 1] as PropertyKey;
        const record = parent as Record<PropertyKey, unknown>;
        const value = coerced(record[key], issue.expected);
        if (value !== undefined) {
            record[key] = value;
            changed = true;
        }
    }
    return changed;
}
