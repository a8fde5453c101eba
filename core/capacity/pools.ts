/** The pools a stack's `agents` config asks for, each sized by the seed's formula (pure; the stack builds them). */
import type { ServerTypeName } from "../catalog/hetzner";
import type { AgentsConfig } from "./config";
import { DEFAULT_SERVER_TYPES, planPool, type PoolPlan } from "./plan";
import type { TierName } from "./tiers";

export interface AgentPoolSpec {
    /** Component name: `agents-<tier>` or `agents-enterprise-<customer>`. */
    readonly name: string;
    readonly tier: TierName;
    /** The enterprise customer whose dedicated hosts these are. */
    readonly customer?: string;
    readonly activeUsers: number;
    readonly plan: PoolPlan;
}

/** Shared tiers with expected users get a pool each; every enterprise customer gets a dedicated one. */
export function planAgentPools(agents: AgentsConfig, systemReserveMb: number): AgentPoolSpec[] {
    const size = (tier: TierName, activeUsers: number, serverType: string | undefined) =>
        planPool({
            tier,
            serverType: (serverType ?? DEFAULT_SERVER_TYPES[tier]) as ServerTypeName,
            activeUsers,
            containersPerUser: agents.containersPerUser,
            systemReserveMb,
            bufferRatio: agents.bufferRatio,
        });
    const shared = (["free", "pro", "business"] as const)
        .filter((tier) => agents.tiers[tier].activeUsers > 0)
        .map((tier) => {
            const { activeUsers, serverType } = agents.tiers[tier];
            return { name: `agents-${tier}`, tier, activeUsers, plan: size(tier, activeUsers, serverType) };
        });
    const dedicated = agents.enterprise.map((c) => ({
        name: `agents-enterprise-${c.name}`,
        tier: "enterprise" as const,
        customer: c.name,
        activeUsers: c.activeUsers,
        plan: size("enterprise", c.activeUsers, c.serverType),
    }));
    return [...shared, ...dedicated];
}
