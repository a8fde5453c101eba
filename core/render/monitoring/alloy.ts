/**
 * A writer of Grafana Alloy's configuration language: blocks of attributes and nested blocks, as Alloy parses
 * them. Phase 5's DaemonSet and the VM phases' log agent write their pipelines with it.
 */

/** A value: a literal, a list, an object (`{ key = value }`), or an expression written as is (`ref`). */
export type AlloyValue =
    | string
    | number
    | boolean
    | { readonly ref: string }
    | { readonly object: readonly (readonly [string, AlloyValue])[] }
    | readonly AlloyValue[];

export interface AlloyBlock {
    readonly name: string;
    readonly label?: string;
    readonly attrs?: readonly (readonly [string, AlloyValue])[];
    readonly blocks?: readonly AlloyBlock[];
}

export function alloyValue(v: AlloyValue): string {
    // Alloy's string literals take Go's escapes, of which JSON's are a subset.
    if (typeof v === "string") return JSON.stringify(v);
    if (typeof v === "number" || typeof v === "boolean") return String(v);
    if ("ref" in v) return v.ref;
    if ("object" in v)
        return `{ ${v.object.map(([k, x]) => `${JSON.stringify(k)} = ${alloyValue(x)}`).join(", ")} }`;
    return `[${v.map(alloyValue).join(", ")}]`;
}

export function alloyBlock(b: AlloyBlock, indent = ""): string {
    const inner = `${indent}  `;
    const head = `${indent}${b.name}${b.label !== undefined ? ` ${JSON.stringify(b.label)}` : ""} {`;
    const lines = [
        ...(b.attrs ?? []).map(([k, v]) => `${inner}${k} = ${alloyValue(v)}`),
        ...(b.blocks ?? []).map((c) => alloyBlock(c, inner)),
    ];
    return lines.length === 0 ? `${head}}` : `${head}\n${lines.join("\n")}\n${indent}}`;
}

/** A whole config file: the components, a blank line apart. */
export function renderAlloy(blocks: readonly AlloyBlock[]): string {
    return `${blocks.map((b) => alloyBlock(b)).join("\n\n")}\n`;
}

/** An export of a declared component (`loki.write "loki"` exports `loki.write.loki.receiver`). */
export function exportOf(component: AlloyBlock, field: string): { readonly ref: string } {
    if (component.label === undefined) throw new Error(`${component.name} has no label to refer to`);
    return { ref: `${component.name}.${component.label}.${field}` };
}
