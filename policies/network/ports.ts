/** Port specs as hcloud writes them ("22", "80-85", "any") and as the pack config lists them (22, "2379-2380"). */
import { z } from "zod";

export interface PortRange {
    readonly from: number;
    readonly to: number;
}

export const ALL_PORTS: PortRange = { from: 1, to: 65535 };

const valid = (n: number) => Number.isInteger(n) && n >= 1 && n <= 65535;

/** A single port or a range; "any" is every port. Undefined when the text is not a port spec. */
export function parsePortSpec(spec: string | number): PortRange | undefined {
    if (typeof spec === "number") return valid(spec) ? { from: spec, to: spec } : undefined;
    const text = spec.trim().toLowerCase();
    if (text === "any") return ALL_PORTS;
    const m = /^(\d+)(?:\s*-\s*(\d+))?$/.exec(text);
    if (!m) return undefined;
    const from = Number(m[1]);
    const to = m[2] === undefined ? from : Number(m[2]);
    return valid(from) && valid(to) && from <= to ? { from, to } : undefined;
}

export function overlaps(a: PortRange, b: PortRange): boolean {
    return a.from <= b.to && b.from <= a.to;
}

export function formatPorts(r: PortRange): string {
    return r.from === r.to ? String(r.from) : `${r.from}-${r.to}`;
}

/** A port or range in a policy's config: 22 or "2379-2380". */
export const ConfigPortSpec = z.union([z.number().int().min(1).max(65535), z.string().regex(/^\d+(-\d+)?$/)]);

/** A policy config's port list as ranges (the schema has already refused what does not parse). */
export function configPortRanges(specs: readonly (string | number)[]): PortRange[] {
    return specs.map(parsePortSpec).filter((p): p is PortRange => p !== undefined);
}
