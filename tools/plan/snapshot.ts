/**
 * A compact, reviewable snapshot of a plan (resources with inputs, options, dependencies; a sha256 per
 * shipped file) and the check that a new plan changes nothing a live stack would notice: every old URN is a
 * new URN or covered by one of its aliases, resolved as the engine resolves them (name, type, project, stack
 * and parent, with the parent's own aliases inherited), and inputs, options, dependencies and files are equal.
 * Intended differences are listed, with a reason, in an allow-list; an entry no longer needed is reported.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { AliasSpec } from "./recorder";
import { candidateUrns, engineUrns } from "./urns";

/** Strings longer than this are kept as a digest: the shipped files already cover them byte for byte. */
const LONG = 200;

/** The shipped stacks that have a committed plan snapshot: every one. */
export const SNAPSHOT_STACKS = ["dev", "phase1", "phase2", "phase3", "phase4", "phase5"] as const;

export interface SnapshotResource {
    readonly type: string;
    readonly name: string;
    readonly parent?: string;
    readonly custom: boolean;
    readonly dependencies: string[];
    readonly options: Record<string, unknown>;
    readonly inputs: Record<string, unknown>;
}

export interface PlanSnapshot {
    readonly stack: string;
    readonly project: string;
    /** Keyed by URN. */
    readonly resources: Record<string, SnapshotResource>;
    /** Shipped file path -> sha256 of its content. */
    readonly files: Record<string, string>;
}

/** The plan JSON fields a snapshot reads (`npm run plan -- <stack> --json`). */
export interface PlanJsonResource {
    readonly urn: string;
    readonly type: string;
    readonly name: string;
    readonly parent?: string;
    readonly custom: boolean;
    readonly dependencies: string[];
    readonly protect: boolean;
    readonly ignoreChanges: string[];
    readonly replaceOnChanges?: string[];
    readonly deleteBeforeReplace?: boolean;
    readonly aliases?: AliasSpec[];
    readonly inputs: Record<string, unknown>;
}

export interface AllowedDifference {
    readonly stack: string;
    /** A difference exactly as `comparePlans` words it. */
    readonly difference: string;
    readonly reason: string;
}

export const sha256 = (text: string | Buffer): string => createHash("sha256").update(text).digest("hex");

function compact(v: unknown): unknown {
    if (typeof v === "string") return v.length > LONG ? `sha256:${sha256(v)}` : v;
    if (Array.isArray(v)) return v.map(compact);
    if (typeof v === "object" && v !== null)
        return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, compact(x)]));
    return v;
}

/** The options a live stack's engine acts on; fields an older plan JSON lacks are left out, not defaulted. */
function optionsOf(r: PlanJsonResource): Record<string, unknown> {
    return {
        protect: r.protect,
        ignoreChanges: [...r.ignoreChanges].sort(),
        ...(r.replaceOnChanges === undefined ? {} : { replaceOnChanges: [...r.replaceOnChanges].sort() }),
        ...(r.deleteBeforeReplace === undefined ? {} : { deleteBeforeReplace: r.deleteBeforeReplace }),
    };
}

export function snapshotOf(
    plan: { stack: string; project: string; resources: readonly PlanJsonResource[] },
    files: Record<string, string>,
): PlanSnapshot {
    const resources: Record<string, SnapshotResource> = {};
    for (const r of plan.resources)
        resources[r.urn] = {
            type: r.type,
            name: r.name,
            ...(r.parent ? { parent: r.parent } : {}),
            custom: r.custom,
            dependencies: [...new Set(r.dependencies)].sort(),
            options: optionsOf(r),
            inputs: compact(r.inputs) as Record<string, unknown>,
        };
    const sorted = Object.fromEntries(Object.entries(files).sort(([a], [b]) => a.localeCompare(b)));
    return { stack: plan.stack, project: plan.project, resources, files: sorted };
}

/** Path -> sha256 of every file a plan shipped, read from its `--out` directory. */
export function filesOf(artifacts: readonly { path: string }[], outDir: string): Record<string, string> {
    return Object.fromEntries(artifacts.map((a) => [a.path, sha256(readFileSync(join(outDir, a.path)))]));
}

function inEngineUrns(
    resources: readonly PlanJsonResource[],
    project: string,
    stack: string,
): PlanJsonResource[] {
    const map = engineUrns(new Map(resources.map((r) => [r.urn, r])), project, stack);
    const to = (u: string) => map.get(u) ?? u;
    return resources.map((r) => ({
        ...r,
        urn: to(r.urn),
        ...(r.parent === undefined ? {} : { parent: to(r.parent) }),
        dependencies: r.dependencies.map(to),
        ...(r.aliases
            ? {
                  aliases: r.aliases.map((a) =>
                      "parentUrn" in a && a.parentUrn !== undefined
                          ? { ...a, parentUrn: to(a.parentUrn) }
                          : a,
                  ),
              }
            : {}),
    }));
}

function snapshotInEngineUrns(old: PlanSnapshot): PlanSnapshot {
    const map = engineUrns(new Map(Object.entries(old.resources)), old.project, old.stack);
    const to = (u: string) => map.get(u) ?? u;
    const resources = Object.fromEntries(
        Object.entries(old.resources).map(([urn, r]) => [
            to(urn),
            {
                ...r,
                ...(r.parent === undefined ? {} : { parent: to(r.parent) }),
                dependencies: r.dependencies.map(to),
            },
        ]),
    );
    return { ...old, resources };
}

function same(a: unknown, b: unknown): boolean {
    return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * Every difference between the old snapshot and a new plan that a `pulumi up` from the old state would act
 * on, one readable line each.
 */
export function comparePlans(
    recordedOld: PlanSnapshot,
    plan: { resources: readonly PlanJsonResource[] },
    files: Record<string, string>,
): string[] {
    const old = snapshotInEngineUrns(recordedOld);
    const resources = inEngineUrns(plan.resources, old.project, old.stack);
    const next = snapshotOf({ stack: old.stack, project: old.project, resources }, files);
    const byUrn = new Map(resources.map((r) => [r.urn, r]));
    const memo = new Map<string, Set<string>>();
    // Old URN -> the new resource that takes it over.
    const mapping = new Map<string, string>();
    for (const r of resources)
        for (const c of candidateUrns(r.urn, byUrn, old.project, old.stack, memo))
            if (c in old.resources && !mapping.has(c)) mapping.set(c, r.urn);
    const mapped = (urn: string | undefined) => (urn === undefined ? undefined : (mapping.get(urn) ?? urn));

    const out: string[] = [];
    for (const [urn, was] of Object.entries(old.resources)) {
        const newUrn = mapping.get(urn);
        const now = newUrn === undefined ? undefined : next.resources[newUrn];
        if (!now) {
            out.push(
                `removed ${urn}: no new resource has this URN or an alias of it (the engine would delete it)`,
            );
            continue;
        }
        const at = newUrn === urn ? urn : `${urn} (now ${newUrn})`;
        // Through an alias the parent may change by design (the alias names the old one); otherwise it must not.
        if (newUrn === urn && mapped(was.parent) !== now.parent)
            out.push(`${at} parent: ${was.parent} -> ${now.parent}`);
        const deps = [...new Set(was.dependencies.map((d) => mapped(d) ?? d))].sort();
        if (!same(deps, now.dependencies))
            out.push(`${at} dependencies: ${JSON.stringify(deps)} -> ${JSON.stringify(now.dependencies)}`);
        for (const key of Object.keys(was.options))
            if (!same(was.options[key], now.options[key]))
                out.push(
                    `${at} options.${key}: ${JSON.stringify(was.options[key])} -> ${JSON.stringify(now.options[key])}`,
                );
        for (const key of [...new Set([...Object.keys(was.inputs), ...Object.keys(now.inputs)])].sort())
            if (!same(was.inputs[key], now.inputs[key]))
                out.push(
                    `${at} inputs.${key}: ${JSON.stringify(was.inputs[key])} -> ${JSON.stringify(now.inputs[key])}`,
                );
    }
    const taken = new Set(mapping.values());
    for (const urn of Object.keys(next.resources)) if (!taken.has(urn)) out.push(`added ${urn}`);
    // A shipped file's path starts with its resource's name: follow the resource when an alias renamed it.
    const renamed = new Map<string, string>();
    for (const [urn, newUrn] of mapping) {
        const was = old.resources[urn];
        const now = next.resources[newUrn];
        if (was && now && was.name !== now.name) renamed.set(was.name, now.name);
    }
    const movedPath = (path: string) => {
        const [head, ...rest] = path.split("/");
        const to = head === undefined ? undefined : renamed.get(head);
        return to === undefined ? path : [to, ...rest].join("/");
    };
    const oldFiles = new Map(
        Object.entries(old.files).map(([path, digest]) => [movedPath(path), { path, digest }]),
    );
    for (const [path, { path: oldPath, digest }] of oldFiles) {
        const label = path === oldPath ? path : `${oldPath} (now ${path})`;
        if (next.files[path] === undefined) out.push(`file ${label}: no longer shipped`);
        else if (next.files[path] !== digest) out.push(`file ${label}: content changed`);
    }
    for (const path of Object.keys(next.files)) if (!oldFiles.has(path)) out.push(`file ${path}: new`);
    return out;
}

/** Differences not allowed, and allow-list entries of this stack that match no difference (stale). */
export function judge(
    stack: string,
    differences: readonly string[],
    allowed: readonly AllowedDifference[],
): { unexpected: string[]; stale: AllowedDifference[] } {
    const mine = allowed.filter((a) => a.stack === stack);
    const listed = new Set(mine.map((a) => a.difference));
    return {
        unexpected: differences.filter((d) => !listed.has(d)),
        stale: mine.filter((a) => !differences.includes(a.difference)),
    };
}
