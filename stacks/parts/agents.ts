/**
 * The ClawHQ agent-host pools of a cloud phase, built from the stack's config, and the stack outputs that are
 * the pool manager's contract. Phases say only what differs: who runs the API, and the private network.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { RegionConfig } from "../../core/config/regions";
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

export function agentPoolOutputs(
    c: ConfigOf<"phase1" | "phase2" | "phase3">,
    stack: string,
    sshKeyIds: pulumi.Input<string[]>,
    placement: Pick<AgentPoolsArgs, "apiServerAddresses" | "network">,
): Exported<AgentOutputs> {
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
    return pools ? exported(pools) : {};
}

/** The client key is an output of its own, so only it is secret. */
const exported = (pools: AgentPoolsOutput): Exported<AgentOutputs> => ({
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
