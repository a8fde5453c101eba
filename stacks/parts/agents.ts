/**
 * The ClawHQ agent-host pools of a cloud phase, built from the stack's config, and the stack outputs that are
 * the pool manager's contract. Phases say only what differs: who runs the API, and the private network.
 */
import * as pulumi from "@pulumi/pulumi";
import type { RegionConfig } from "../../core/config/regions";
import type { AgentsConfig } from "../../core/capacity/config";
import { agentNodes } from "../../core/capacity/agentNodes";
import { planAgentPools } from "../../core/capacity/pools";
import type { AgentScrapeHost } from "../../core/render/monitoring/nodeExporter";
import {
    agentPools,
    agentsTlsAuthority,
    poolsOutput,
    type AgentPoolsArgs,
    type AgentPoolsOutput,
} from "./agentPools";
import type { ConfigOf } from "../../core/config/schema";
import type { AgentOutputs } from "../../core/contracts/outputs";
import type { Exported } from "../outputs";

/** The stack outputs, and the nodes' exporters (none without agents) for the Prometheus host of phase 1. */
export function agentPoolOutputs(
    c: ConfigOf<"phase1" | "phase2" | "phase3">,
    stack: string,
    sshKeyIds: pulumi.Input<string[]>,
    placement: Pick<AgentPoolsArgs, "apiServerAddresses" | "network" | "prometheusAddresses">,
): { readonly outputs: Exported<AgentOutputs>; readonly scrapeHosts: pulumi.Output<AgentScrapeHost[]> } {
    const pools =
        c.agents &&
        agentPools({
            stack,
            agents: c.agents,
            systemReserveMb: c.memory.systemReserveMb,
            osImage: c.servers.app.image,
            locations: [c.location, ...c.fallbackLocations],
            sshKeyIds,
            sshAllowedCidrs: c.admin.sshAllowedCidrs,
            ...placement,
        });
    return pools
        ? { outputs: exported(pools), scrapeHosts: pools.scrapeHosts }
        : { outputs: {}, scrapeHosts: pulumi.output([]) };
}

/**
 * The agent hosts of a private network, as its Prometheus scrapes them: known from the config alone (their
 * addresses are fixed, agentNodes.ts), so a host built before the pools can name them.
 */
export function privateAgentScrapeHosts(
    agents: AgentsConfig | undefined,
    systemReserveMb: number,
    subnetCidr: string,
    region?: string,
): AgentScrapeHost[] {
    if (!agents) return [];
    return agentNodes(planAgentPools(agents, systemReserveMb), subnetCidr, region).map((n) => {
        if (!n.privateIp) throw new Error(`${n.name} has no private address in ${subnetCidr}`);
        return { name: n.name, ip: n.privateIp, tier: n.tier };
    });
}

/** The client key is an output of its own, so only it is secret. */
const exported = (pools: Pick<AgentPoolsOutput, "contract" | "clientKeyPem">): Exported<AgentOutputs> => ({
    agentPools: pools.contract,
    agentClientKeyPem: pools.clientKeyPem,
});

/** Phase 4's pools: each region's own hosts beside its API servers, one authority and one contract for all. */
export function regionalAgentPoolOutputs(
    c: ConfigOf<"phase4">,
    stack: string,
    sshKeyIds: pulumi.Input<string[]>,
    regions: readonly (Pick<AgentPoolsArgs, "apiServerAddresses" | "network"> & {
        readonly config: RegionConfig;
    })[],
): Exported<AgentOutputs> {
    const withAgents = regions.filter((r) => r.config.agents);
    if (withAgents.length === 0) return {};
    const tls = agentsTlsAuthority(stack);
    const pools = withAgents.flatMap((r) => {
        const agents = r.config.agents as NonNullable<RegionConfig["agents"]>;
        const built = agentPools({
            stack,
            agents,
            systemReserveMb: c.memory.systemReserveMb,
            osImage: r.config.servers.backend.image,
            locations: [r.config.location, ...r.config.fallbackLocations],
            sshKeyIds,
            sshAllowedCidrs: c.admin.sshAllowedCidrs,
            apiServerAddresses: r.apiServerAddresses,
            ...(r.network ? { network: r.network } : {}),
            region: { name: r.config.name, tls },
        });
        return built ? built.contract.pools : [];
    });
    return exported(poolsOutput(tls, pools));
}
