/**
 * The seed's auto-scaling logic:
 *   IF active_containers > 80% of node_capacity: provision_new_node()
 *   IF active_containers < 40% of node_capacity AND nodes > min_nodes: drain_and_remove_node()
 * node_capacity is the pool's: nodes x containers per node.
 */

export const SCALE_UP_ABOVE = 0.8;
export const DRAIN_BELOW = 0.4;

export type ScaleDecision = "scale-up" | "drain" | "hold";

export interface PoolState {
    readonly activeContainers: number;
    readonly nodes: number;
    readonly containersPerNode: number;
    readonly minNodes: number;
}

export function utilization(s: Pick<PoolState, "activeContainers" | "nodes" | "containersPerNode">): number {
    const capacity = s.nodes * s.containersPerNode;
    if (capacity === 0) return s.activeContainers > 0 ? Infinity : 0;
    return s.activeContainers / capacity;
}

export function decideScale(s: PoolState): ScaleDecision {
    if (!Number.isInteger(s.nodes) || s.nodes < 0 || !Number.isInteger(s.minNodes) || s.minNodes < 0)
        throw new Error("nodes and minNodes must be whole numbers of at least 0");
    if (!Number.isInteger(s.containersPerNode) || s.containersPerNode < 1)
        throw new Error("containersPerNode must be a whole number of at least 1");
    const u = utilization(s);
    if (u > SCALE_UP_ABOVE) return "scale-up";
    if (u < DRAIN_BELOW && s.nodes > s.minNodes) return "drain";
    return "hold";
}
