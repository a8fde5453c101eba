/**
 * The private address plan of phases 2-3: fixed host addresses inside the subnet, so every host's user data can
 * name the others before any server exists (no dependency cycle, no lookup at boot).
 */
import { isIP } from "node:net";

export interface SubnetPlan {
    /** e.g. 10.0.1.0/24 */
    readonly cidr: string;
    /** The first three octets, e.g. "10.0.1". */
    readonly base: string;
}

/** Host numbers inside the subnet, by role. Hetzner reserves .1 for the gateway. */
export const HOST_NUMBERS = {
    lb: 2,
    writerLb: 3,
    readerLb: 4,
    app: 10,
    frontend: 20,
    backend: 30,
    data: 100,
} as const;

export function subnetPlan(cidr: string): SubnetPlan {
    const m = /^(\d+\.\d+\.\d+)\.0\/24$/.exec(cidr);
    if (!m || isIP(`${m[1]}.0`) !== 4)
        throw new Error(`network.subnet '${cidr}' must be an IPv4 /24 ending in .0, such as 10.0.1.0/24`);
    return { cidr, base: m[1] as string };
}

/** The address of the `index`-th host (0-based) of a role. */
export function hostAddress(plan: SubnetPlan, role: keyof typeof HOST_NUMBERS, index = 0): string {
    const n = HOST_NUMBERS[role] + index;
    if (n > 254) throw new Error(`too many ${role} hosts for ${plan.cidr}`);
    return `${plan.base}.${n}`;
}
