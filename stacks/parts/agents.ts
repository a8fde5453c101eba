/**
 * The ClawHQ agent-host pools of a cloud phase, built from the stack's config, and the stack outputs that are
 * the pool manager's contract. Phases say only what differs: who runs the API, and the private network.
 */
import type * as pulumi from "@pulumi/pulumi";
import { agentPools, type AgentPoolsArgs } from "./agentPools";
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
    // The client key is an output of its own, so only it is secret.
    return pools ? { agentPools: pools.contract, agentClientKeyPem: pools.clientKeyPem } : {};
}
