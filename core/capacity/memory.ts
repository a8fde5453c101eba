/** Whether a node's agent containers plus the system reserve fit its RAM (the seed: 50 x 256 MB = 12.8 GB on 16 GB). */
import type { TierSpec } from "./tiers";

export const MIB_PER_GB = 1024;

export interface NodeMemory {
    readonly containers: number;
    readonly containerMemoryMb: number;
    readonly systemReserveMb: number;
    readonly nodeMemoryGb: number;
}

export interface MemoryCheck {
    readonly fits: boolean;
    /** Containers' limits plus the reserve, MiB. */
    readonly requiredMb: number;
    readonly nodeMb: number;
    readonly headroomMb: number;
}

export function checkNodeMemory(n: NodeMemory): MemoryCheck {
    const requiredMb = n.containers * n.containerMemoryMb + n.systemReserveMb;
    const nodeMb = n.nodeMemoryGb * MIB_PER_GB;
    return { fits: requiredMb <= nodeMb, requiredMb, nodeMb, headroomMb: nodeMb - requiredMb };
}

/** Most containers of one size whose limits, with the reserve, fit the node's RAM. */
export function containersByMemory(
    nodeMemoryGb: number,
    containerMemoryMb: number,
    systemReserveMb: number,
): number {
    return Math.max(0, Math.floor((nodeMemoryGb * MIB_PER_GB - systemReserveMb) / containerMemoryMb));
}

/**
 * Containers a node of this size may run for the tier: the seed's maxPerNode, lowered when the node's RAM
 * cannot hold that many (a dedicated tier has no maxPerNode and takes what RAM allows).
 */
export function containersPerNode(tier: TierSpec, nodeMemoryGb: number, systemReserveMb: number): number {
    const byMemory = containersByMemory(nodeMemoryGb, tier.memoryMb, systemReserveMb);
    return tier.maxPerNode === undefined ? byMemory : Math.min(tier.maxPerNode, byMemory);
}
