/**
 * Sizes one tier's host pool: the seed's formula on the node's real per-node capacity, the memory check, and the
 * monthly price from the same catalog and cost model as the offline plan.
 */
import { SERVER_TYPES, type ServerTypeName } from "../catalog/hetzner";
import { priceResources } from "../cost/model";
import { nodesFor, type NodeCount } from "./formula";
import { checkNodeMemory, containersPerNode, type MemoryCheck } from "../workload/memoryPlan";
import { TIERS, type TierName } from "./tiers";

export interface PoolPlanInput {
    readonly tier: TierName;
    readonly serverType: ServerTypeName;
    readonly activeUsers: number;
    readonly containersPerUser: number;
    readonly systemReserveMb: number;
    readonly bufferRatio?: number;
}

export interface PoolPlan extends NodeCount {
    readonly serverType: ServerTypeName;
    /** Containers one node may run: the tier's maxPerNode, or fewer when the node's RAM says so. */
    readonly containersPerNode: number;
    /** A full node: containersPerNode limits plus the reserve against its RAM. */
    readonly memory: MemoryCheck;
    /** Servers plus their primary IPv4, catalog prices. */
    readonly monthlyEur: number;
}

/** What one agent host costs a month: the server and its primary IPv4 (agent hosts take no Hetzner backups). */
export function agentNodeMonthlyEur(serverType: ServerTypeName): number {
    const record = {
        type: "hcloud:index/server:Server",
        name: "agent",
        props: { serverType, backups: false },
    };
    return priceResources([record]).monthlyEur;
}

export function planPool(input: PoolPlanInput): PoolPlan {
    const tier = TIERS[input.tier];
    const type = SERVER_TYPES[input.serverType];
    const perNode = containersPerNode(tier, type.memoryGb, input.systemReserveMb);
    if (perNode < 1) {
        throw new Error(
            `a ${input.serverType} (${type.memoryGb} GB) cannot hold one ${input.tier} container of ${tier.memoryMb} MB ` +
                `plus the ${input.systemReserveMb} MB system reserve: pick a bigger server type`,
        );
    }
    const nodes = nodesFor({
        activeUsers: input.activeUsers,
        containersPerUser: input.containersPerUser,
        containersPerNode: perNode,
        bufferRatio: input.bufferRatio,
    });
    const memory = checkNodeMemory({
        containers: perNode,
        containerMemoryMb: tier.memoryMb,
        systemReserveMb: input.systemReserveMb,
        nodeMemoryGb: type.memoryGb,
    });
    const monthlyEur = Math.round(nodes.totalNodes * agentNodeMonthlyEur(input.serverType) * 100) / 100;
    return { ...nodes, serverType: input.serverType, containersPerNode: perNode, memory, monthlyEur };
}

/**
 * Server types when config names none: the seed's agent VPS ("8 vCPU, 16GB RAM", today's cx43) for the shared
 * tiers; dedicated vCPUs of the same RAM (ccx23) for enterprise customers, whose hosts nobody else shares.
 */
export const DEFAULT_SERVER_TYPES: Readonly<Record<TierName, ServerTypeName>> = {
    free: "cx43",
    pro: "cx43",
    business: "cx43",
    enterprise: "ccx23",
};

/** The seed's "System + Docker: 1GB", as `memory.systemReserveMb` defaults to. */
export const DEFAULT_SYSTEM_RESERVE_MB = 1024;
