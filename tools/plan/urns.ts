/**
 * URNs as the Pulumi engine computes them: a resource's own, under its parent's type chain, and every one its
 * aliases (and its parent's) let it answer to. The plan snapshot check compares plans in these terms.
 */
import type { AliasSpec } from "./recorder";

/** What URN resolution reads of a planned resource. */
export interface AliasedResource {
    readonly type: string;
    readonly name: string;
    readonly parent?: string;
    readonly aliases?: readonly AliasSpec[];
}

export const ROOT_STACK_TYPE = "pulumi:pulumi:Stack";

/**
 * The URN the engine gives `type`/`name` under `parent` (sdk/nodejs/resource.ts createUrn): the parent's
 * qualified type, except the root stack's, prefixes the type.
 */
export function urnOf(
    name: string,
    type: string,
    parent: string | undefined,
    project: string,
    stack: string,
): string {
    const parentType = parent?.slice(0, parent.lastIndexOf("::"));
    const prefix =
        parent && parentType && !parentType.endsWith(`::${ROOT_STACK_TYPE}`)
            ? `${parentType}$`
            : `urn:pulumi:${stack}::${project}::`;
    return `${prefix}${type}::${name}`;
}

/**
 * Recorded URN -> the engine's URN. The mock monitor prefixes a child's type with its parent's own type only
 * (and top-level types with the root stack's), where the engine qualifies it with the parent's whole type
 * chain: a resource two components deep gets another URN from the engine, so plans compare in the engine's.
 */
export function engineUrns(
    resources: ReadonlyMap<string, Omit<AliasedResource, "aliases">>,
    project: string,
    stack: string,
): Map<string, string> {
    const out = new Map<string, string>();
    const resolve = (urn: string): string => {
        const known = out.get(urn);
        if (known) return known;
        const r = resources.get(urn);
        const engine = !r
            ? urn
            : r.type === ROOT_STACK_TYPE
              ? urn
              : urnOf(r.name, r.type, r.parent === undefined ? undefined : resolve(r.parent), project, stack);
        out.set(urn, engine);
        return engine;
    };
    for (const urn of resources.keys()) resolve(urn);
    return out;
}

/**
 * A child's name under one of its parent's aliases (sdk/nodejs/resource.ts inheritedChildAlias): a child named
 * after its parent (`${parent}-server`) is renamed with it, so `eu-central-web-lb` under the alias `web` of
 * `eu-central-web` answers to `web-lb`.
 */
function inheritedName(
    name: string,
    spec: AliasSpec,
    r: AliasedResource,
    parentCandidate: string | undefined,
    byUrn: ReadonlyMap<string, AliasedResource>,
): string {
    const parentName = r.parent === undefined ? undefined : byUrn.get(r.parent)?.name;
    if ("name" in spec || parentCandidate === undefined || parentName === undefined) return name;
    if (!name.startsWith(parentName)) return name;
    const aliasParentName = parentCandidate.slice(parentCandidate.lastIndexOf("::") + 2);
    return aliasParentName + name.slice(parentName.length);
}

/** Every URN a new resource answers to: its own and its aliases', under each name its parent answers to. */
export function candidateUrns(
    urn: string,
    byUrn: ReadonlyMap<string, AliasedResource>,
    project: string,
    stack: string,
    memo: Map<string, Set<string>>,
): Set<string> {
    const known = memo.get(urn);
    if (known) return known;
    const out = new Set<string>([urn]);
    memo.set(urn, out);
    const r = byUrn.get(urn);
    if (!r) return out;
    const parents = r.parent ? candidateUrns(r.parent, byUrn, project, stack, memo) : new Set<string>();
    const specs: AliasSpec[] = [{}, ...(r.aliases ?? [])];
    for (const spec of specs) {
        if ("urn" in spec) {
            out.add(spec.urn);
            continue;
        }
        const name = spec.name ?? r.name;
        const type = spec.type ?? r.type;
        const p = spec.project ?? project;
        const s = spec.stack ?? stack;
        const under: (string | undefined)[] = spec.noParent
            ? [undefined]
            : spec.parentUrn !== undefined && spec.parentUrn !== r.parent
              ? [spec.parentUrn]
              : r.parent
                ? [...parents]
                : [undefined];
        for (const parent of under)
            out.add(urnOf(inheritedName(name, spec, r, parent, byUrn), type, parent, p, s));
    }
    return out;
}
