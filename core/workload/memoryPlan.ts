/**
 * The one memory planner: fits memory limits onto a host's RAM after the system reserve. Used for the phase-1
 * server (the whole workload), each host of phases 2-3 (its placed containers, after the daemons that run
 * outside Docker) and the agent hosts (n containers of one size). Limits may overcommit usable RAM up to a
 * bound (the seed's own Phase-1 allocation bursts into its 1 GB buffer); reservations are scaled so they
 * never do, which gives every service a guaranteed share under memory pressure.
 */
import type { TierSpec } from "../capacity/tiers";
import { SERVICE_NAMES, type ServiceName, type Workload } from "./services";

export const MIB_PER_GB = 1024;

export interface HostMemoryPlan {
    readonly host: string;
    readonly ramMb: number;
    readonly systemReserveMb: number;
    /** Daemons outside Docker (Postgres, Redis on a data host) and their memory. */
    readonly native: readonly ServiceName[];
    readonly nativeMb: number;
    /** RAM left for containers: RAM minus the system reserve and the native daemons. */
    readonly usableMb: number;
    readonly limitsMb: number;
    /** limits / usable RAM. */
    readonly overcommit: number;
    /** Per-container reservation (each worker replica gets this much). */
    readonly reservationsMb: Readonly<Record<ServiceName, number>>;
}
/** The phase-1 server's plan: every service in a container. */
export type MemoryPlan = HostMemoryPlan;

export function planHostMemory(
    host: string,
    workload: Workload,
    containers: readonly ServiceName[],
    native: readonly ServiceName[],
    ramGb: number,
    systemReserveMb: number,
): HostMemoryPlan {
    const ramMb = ramGb * MIB_PER_GB;
    const nativeMb = native.reduce((sum, n) => sum + workload[n].memoryMb, 0);
    const usableMb = ramMb - systemReserveMb - nativeMb;
    const limitsMb = containers.reduce((sum, n) => sum + workload[n].memoryMb * workload[n].replicas, 0);
    const scale = limitsMb === 0 ? 1 : Math.min(1, usableMb / limitsMb);
    const reservationsMb = Object.fromEntries(
        SERVICE_NAMES.map((n) => [n, Math.max(1, Math.floor(workload[n].memoryMb * scale))]),
    ) as Record<ServiceName, number>;
    return {
        host,
        ramMb,
        systemReserveMb,
        native,
        nativeMb,
        usableMb,
        limitsMb,
        overcommit: Math.round((limitsMb / usableMb) * 100) / 100,
        reservationsMb,
    };
}

/** Why a split host's plan cannot be deployed, or undefined when it fits. */
export function hostMemoryProblem(plan: HostMemoryPlan, maxOvercommit: number): string | undefined {
    if (plan.usableMb <= 0)
        return `${plan.host}: ${plan.ramMb} MiB of RAM cannot hold the ${plan.systemReserveMb} MiB system reserve and ${plan.native.join(", ")} (${plan.nativeMb} MiB): choose a larger server type`;
    if (plan.overcommit <= maxOvercommit) return undefined;
    return (
        `${plan.host}: container memory limits total ${plan.limitsMb} MiB, ${plan.overcommit}x the ${plan.usableMb} MiB left for containers; ` +
        `at most ${maxOvercommit}x is allowed: choose a larger server type or lower memoryMb under workloadOverrides`
    );
}

/** The phase-1 server: the whole workload in containers, no native daemon. */
export function planMemory(workload: Workload, ramGb: number, systemReserveMb: number): MemoryPlan {
    return planHostMemory("app", workload, SERVICE_NAMES, [], ramGb, systemReserveMb);
}

/** Why the phase-1 plan cannot be deployed, or undefined when it fits. */
export function memoryPlanProblem(
    plan: MemoryPlan,
    maxOvercommit: number,
    serverType: string,
): string | undefined {
    if (plan.usableMb <= 0)
        return `${serverType} has ${plan.ramMb} MiB, less than the ${plan.systemReserveMb} MiB system reserve`;
    if (plan.overcommit <= maxOvercommit) return undefined;
    return (
        `container memory limits total ${plan.limitsMb} MiB, ${plan.overcommit}x the ${plan.usableMb} MiB usable on ${serverType} ` +
        `(${plan.ramMb} MiB minus ${plan.systemReserveMb} MiB reserve); at most ${maxOvercommit}x is allowed: ` +
        `choose a larger server type or lower workload memoryMb`
    );
}

/** An agent host: `containers` limits of one size plus the reserve (the seed: 50 x 256 MB = 12.8 GB on 16 GB). */
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
