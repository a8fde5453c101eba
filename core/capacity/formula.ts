/**
 * The seed's capacity planning formula:
 *   required = ceil(active_users * avg_containers_per_user / containers_per_node)
 *   buffer   = ceil(required * 0.3)          // 30% headroom
 *   total    = required + buffer
 */

export const BUFFER_RATIO = 0.3;

export interface CapacityInput {
    readonly activeUsers: number;
    readonly containersPerUser: number;
    readonly containersPerNode: number;
    readonly bufferRatio?: number;
}

export interface NodeCount {
    readonly requiredNodes: number;
    readonly bufferNodes: number;
    readonly totalNodes: number;
}

/**
 * ceil() of a product of decimals must not round 20.000000000000004 up to 21: values within a billionth of
 * an integer count as that integer.
 */
function ceilExact(x: number): number {
    const nearest = Math.round(x);
    return Math.abs(x - nearest) < 1e-9 ? nearest : Math.ceil(x);
}

export function nodesFor(input: CapacityInput): NodeCount {
    const { activeUsers, containersPerUser, containersPerNode } = input;
    const bufferRatio = input.bufferRatio ?? BUFFER_RATIO;
    if (!(activeUsers >= 0) || !(containersPerUser >= 0) || !Number.isFinite(activeUsers * containersPerUser))
        throw new Error("activeUsers and containersPerUser must be finite numbers of at least 0");
    if (!Number.isInteger(containersPerNode) || containersPerNode < 1)
        throw new Error(`containersPerNode must be a whole number of at least 1 (got ${containersPerNode})`);
    if (!(bufferRatio >= 0)) throw new Error("bufferRatio must be at least 0");
    const requiredNodes = ceilExact((activeUsers * containersPerUser) / containersPerNode);
    const bufferNodes = ceilExact(requiredNodes * bufferRatio);
    return { requiredNodes, bufferNodes, totalNodes: requiredNodes + bufferNodes };
}

/**
 * The bin-packing lower bound: the fewest nodes whose RAM (less the reserve) holds every container's limit,
 * with no per-node cap and no buffer. The gap to `nodesFor().totalNodes` is what the seed's caps and headroom cost.
 */
export function memoryLowerBound(containers: number, containersByMemoryPerNode: number): number {
    if (containersByMemoryPerNode < 1) throw new Error("a node must hold at least one container");
    return ceilExact(containers / containersByMemoryPerNode);
}
