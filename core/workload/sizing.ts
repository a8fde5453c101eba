/**
 * Fits a workload onto one server's RAM. Limits may overcommit usable RAM up to a bound (the seed's own
 * Phase-1 allocation bursts into its 1 GB buffer); reservations are scaled so they never do, which gives
 * every service a guaranteed share under memory pressure.
 */
import { SERVICE_NAMES, workloadMemoryMb, type ServiceName, type Workload } from "./services";

export interface MemoryPlan {
    readonly ramMb: number;
    readonly systemReserveMb: number;
    readonly usableMb: number;
    readonly limitsMb: number;
    /** limits / usable RAM. */
    readonly overcommit: number;
    /** Per-container reservation (each worker replica gets this much). */
    readonly reservationsMb: Readonly<Record<ServiceName, number>>;
}

export function planMemory(workload: Workload, ramGb: number, systemReserveMb: number): MemoryPlan {
    const ramMb = ramGb * 1024;
    const usableMb = ramMb - systemReserveMb;
    const limitsMb = workloadMemoryMb(workload);
    const scale = Math.min(1, usableMb / limitsMb);
    const reservationsMb = Object.fromEntries(
        SERVICE_NAMES.map((n) => [n, Math.floor(workload[n].memoryMb * scale)]),
    ) as Record<ServiceName, number>;
    return {
        ramMb,
        systemReserveMb,
        usableMb,
        limitsMb,
        overcommit: Math.round((limitsMb / usableMb) * 100) / 100,
        reservationsMb,
    };
}

/** Why the plan cannot be deployed, or undefined when it fits. */
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
