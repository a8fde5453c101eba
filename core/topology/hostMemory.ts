/**
 * Fits the services placed on one host of a split topology (phases 2-3) onto its RAM, the way `planMemory`
 * fits the whole workload onto the phase-1 server: daemons that run outside Docker (Postgres, Redis on a data
 * host) are taken off the usable RAM first, then container reservations are scaled so they never overcommit.
 */
import { SERVICE_NAMES, type ServiceName, type Workload } from "../workload/services";

export interface HostMemoryPlan {
    readonly host: string;
    readonly ramMb: number;
    /** RAM left for containers: RAM minus the system reserve and the native daemons. */
    readonly usableMb: number;
    readonly limitsMb: number;
    readonly overcommit: number;
    readonly reservationsMb: Readonly<Record<ServiceName, number>>;
}

export function planHostMemory(
    host: string,
    workload: Workload,
    containers: readonly ServiceName[],
    native: readonly ServiceName[],
    ramGb: number,
    systemReserveMb: number,
): HostMemoryPlan {
    const ramMb = ramGb * 1024;
    const nativeMb = native.reduce((sum, n) => sum + workload[n].memoryMb, 0);
    const usableMb = ramMb - systemReserveMb - nativeMb;
    if (usableMb <= 0)
        throw new Error(
            `${host}: ${ramMb} MiB of RAM cannot hold the ${systemReserveMb} MiB system reserve and ${native.join(", ")} (${nativeMb} MiB): choose a larger server type`,
        );
    const limitsMb = containers.reduce((sum, n) => sum + workload[n].memoryMb * workload[n].replicas, 0);
    const scale = limitsMb === 0 ? 1 : Math.min(1, usableMb / limitsMb);
    const reservationsMb = Object.fromEntries(
        SERVICE_NAMES.map((n) => [n, Math.max(1, Math.floor(workload[n].memoryMb * scale))]),
    ) as Record<ServiceName, number>;
    return {
        host,
        ramMb,
        usableMb,
        limitsMb,
        overcommit: Math.round((limitsMb / usableMb) * 100) / 100,
        reservationsMb,
    };
}

/** Why the plan cannot be deployed, or undefined when it fits. */
export function hostMemoryProblem(plan: HostMemoryPlan, maxOvercommit: number): string | undefined {
    if (plan.overcommit <= maxOvercommit) return undefined;
    return (
        `${plan.host}: container memory limits total ${plan.limitsMb} MiB, ${plan.overcommit}x the ${plan.usableMb} MiB left for containers; ` +
        `at most ${maxOvercommit}x is allowed: choose a larger server type or lower memoryMb under workloadOverrides`
    );
}
