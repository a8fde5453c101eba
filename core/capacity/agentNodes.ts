/**
 * Every agent host of a stack's pools (or of one phase-4 region's), in pool order: its server's name, its tier and,
 * on a private network, its address. The stack builds the hosts from it and the region's Prometheus scrapes them.
 */
import { agentHostIps } from "./agentAddresses";
import type { AgentPoolSpec } from "./pools";
import type { TierName } from "./tiers";

export interface AgentNode {
    /** The pool's component name: `agents-<tier>`, prefixed with the region in phase 4. */
    readonly pool: string;
    /** The node's server name, `<pool>-node-<i>`: the `node` label of its series. */
    readonly name: string;
    readonly tier: TierName;
    /** From .150 of the subnet (agentAddresses.ts); absent without a private network. */
    readonly privateIp?: string;
}

export function agentNodes(
    pools: readonly AgentPoolSpec[],
    subnetCidr?: string,
    region?: string,
): AgentNode[] {
    const ips = subnetCidr
        ? agentHostIps(
              subnetCidr,
              pools.reduce((n, p) => n + p.plan.totalNodes, 0),
          )
        : [];
    let next = 0;
    return pools.flatMap((p) => {
        const pool = region ? `${region}-${p.name}` : p.name;
        return Array.from({ length: p.plan.totalNodes }, (_, i): AgentNode => {
            const ip = ips[next++];
            return { pool, name: `${pool}-node-${i}`, tier: p.tier, ...(ip ? { privateIp: ip } : {}) };
        });
    });
}
