/** Per-host sizing and schedules the data tier and the fleet share. */
import * as pulumi from "@pulumi/pulumi";
import { SERVER_TYPES, type ServerTypeName } from "../../core/catalog/hetzner";
import { PHASE_SPECS } from "../../core/phases";
import { hostMemoryProblem, planHostMemory, type HostMemoryPlan } from "../../core/workload/memoryPlan";
import type { ServiceName } from "../../core/workload/services";
import type { CloudStackConfig } from "../../core/config/schema";

export function ramGb(type: string): number {
    return SERVER_TYPES[type as ServerTypeName].memoryGb;
}

/** A host's memory plan; fails the deployment with the host and the fix when its containers overcommit RAM. */
export function hostMemory(
    c: Pick<CloudStackConfig, "workload" | "memory">,
    host: string,
    serverType: string,
    containers: readonly ServiceName[],
    native: readonly ServiceName[],
): HostMemoryPlan {
    const plan = planHostMemory(
        host,
        c.workload,
        containers,
        native,
        ramGb(serverType),
        c.memory.systemReserveMb,
    );
    const problem = hostMemoryProblem(plan, c.memory.maxOvercommit);
    if (problem) throw new pulumi.RunError(problem);
    return plan;
}

export const memoryOutput = (m: Pick<HostMemoryPlan, "limitsMb" | "usableMb" | "overcommit">) => ({
    limitsMb: m.limitsMb,
    usableMb: m.usableMb,
    overcommit: m.overcommit,
});

export function backupEvery(phase: "phase2" | "phase3" | "phase4"): "daily" | "hourly" {
    const every = PHASE_SPECS[phase].backups.every;
    if (every !== "daily" && every !== "hourly")
        throw new Error(`${phase} backs up ${every}, not daily or hourly`);
    return every;
}
