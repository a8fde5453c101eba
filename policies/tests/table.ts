/**
 * Table-driven policy tests in the PSA fixture style: a compliant baseline, then one case per broken field (a
 * change applied to a fresh copy of the baseline) asserting the message and the framework id, plus edge-syntax
 * cases that must keep passing.
 */
import { describe, expect, it } from "vitest";
import type { PolicyResource, Violation } from "../evaluate";
import type { PackPolicy } from "../lib/policy";
import type { Json } from "../lib/read";
import { runPolicy } from "../lib/run";

/** Mutates a copy of the baseline: `props` is the first resource's props, `all` every resource. */
export type Change = (props: Json, all: PolicyResource[]) => void;

export interface Broken {
    readonly name: string;
    readonly change: Change;
    /** A substring the violation message must contain. */
    readonly expect: string;
    /** Framework id the message must quote; defaults to the policy's. */
    readonly id?: string;
    readonly config?: Record<string, unknown>;
    /** Phase to judge in, when not the table's. */
    readonly phase?: string;
}

export type Passing = Omit<Broken, "expect" | "id">;

export interface PolicyTable {
    readonly policy: PackPolicy;
    readonly phase?: string;
    readonly baseline: () => PolicyResource[];
    readonly broken: readonly Broken[];
    readonly passing?: readonly Passing[];
}

export function run(table: PolicyTable, c?: Passing): Violation[] {
    const resources = table.baseline();
    const first = resources[0];
    if (c && first) c.change(first.props, resources);
    return runPolicy(table.policy, resources, {
        phase: c?.phase ?? table.phase ?? "phase1",
        ...(c?.config ? { config: { [table.policy.name]: c.config } } : {}),
    });
}

const show = (vs: readonly Violation[]) => vs.map((v) => v.message).join("\n") || "(no violations)";

export function runTable(table: PolicyTable): void {
    describe(table.policy.name, () => {
        it("passes the compliant baseline", () => {
            expect(show(run(table))).toBe("(no violations)");
        });
        it.each(table.broken.map((c) => [c.name, c] as const))("flags %s", (_, c) => {
            const vs = run(table, c);
            expect(show(vs)).toContain(c.expect);
            for (const v of vs) {
                expect(v.level).toBe(table.policy.enforcementLevel);
                expect(v.message).toContain(`[${c.id ?? table.policy.frameworkId}`);
                expect(v.message).toMatch(/\. Fix: \S/);
            }
        });
        if (table.passing?.length) {
            it.each(table.passing.map((c) => [c.name, c] as const))("accepts %s", (_, c) => {
                expect(show(run(table, c))).toBe("(no violations)");
            });
        }
    });
}

/** A resource record with the given type, name and props. */
export function res(type: string, name: string, props: Json, opts?: PolicyResource["opts"]): PolicyResource {
    return { type, name, props, ...(opts ? { opts } : {}) };
}

/** The object at a path inside props, for changes that reach into nested specs. */
export function dig(v: unknown, ...path: (string | number)[]): Json {
    let cur = v as Json;
    for (const k of path) cur = (cur as Record<string | number, unknown>)[k] as Json;
    return cur;
}

/** The i-th resource of a baseline, for changes to its options or to stacks of several resources. */
export function nth(all: PolicyResource[], i: number): PolicyResource {
    const r = all[i];
    if (!r) throw new Error(`the baseline has no resource ${i}`);
    return r;
}

export function propsOf(all: PolicyResource[], i: number): Json {
    return nth(all, i).props;
}
