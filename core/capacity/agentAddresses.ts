/**
 * Private addresses of agent hosts in the phase's /24: from .150 up, clear of the roles in core/topology/subnetPlan.ts
 * (gateway .1, load balancers .2-.4, app .10, frontend .20, backends .30+, database nodes .100+).
 */
import { subnetPlan } from "../topology/subnetPlan";

export const FIRST_AGENT_HOST = 150;

export function agentHostIps(subnetCidr: string, count: number): string[] {
    const plan = subnetPlan(subnetCidr);
    if (FIRST_AGENT_HOST + count - 1 > 254)
        throw new Error(
            `${count} agent hosts do not fit ${subnetCidr} from .${FIRST_AGENT_HOST}: at most ${255 - FIRST_AGENT_HOST}`,
        );
    return Array.from({ length: count }, (_, i) => `${plan.base}.${FIRST_AGENT_HOST + i}`);
}
