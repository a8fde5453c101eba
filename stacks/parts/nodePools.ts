/**
 * Phase 5's node pools: per pool one join user data, rendered once and used both by the servers the program
 * keeps and by the servers the cluster-autoscaler adds, so an autoscaled node boots exactly as a kept one does.
 * The kept servers sit in spread groups of at most 10; the autoscaler's groups are created here too, since it
 * only looks them up.
 */
import * as hcloud from "@pulumi/hcloud";
import * as pulumi from "@pulumi/pulumi";
import { SpreadGroup } from "../../components/fleet/spreadGroup";
import { HostFirewall } from "../../components/hetzner/hostFirewall";
import { availableLocation } from "../../components/hetzner/location";
import { Server } from "../../components/hetzner/server";
import type { ConfigOf } from "../../core/config/schema";
import {
    keptPlacementGroups,
    SPREAD_GROUP_MAX,
    taintText,
    type ClusterPlan,
    type PoolPlan,
} from "../../core/k8s/clusterPlan";
import {
    autoscalerNodeGroups,
    autoscalerObjects,
    type AutoscalerNodeGroups,
} from "../../core/k8s/autoscaler";
import { AUTOSCALER_CONFIG_KEY } from "../../core/k8s/autoscalerObjects";
import type { KubeObject } from "../../core/k8s/objects";
import { renderK3sNode } from "../../core/render/machines/k3sNode";
import { sshFromAdmins } from "../../core/topology/firewallRules";
import { K3S_IMAGE, nodeLabelTexts } from "./cluster";
import { hetznerLabels } from "../../core/contracts/labels";
import type { Network } from "./network";

/**
 * The length of a real agent token (`K10` + 64 hex + `::node:` + 48 characters): the autoscaler's groups and
 * their checks are computed at plan time from a user data of the real size, the Secret from the real one.
 */
const STAND_IN_AGENT_TOKEN = `K10${"0".repeat(64)}::node:${"0".repeat(48)}`;

export interface NodePools {
    readonly servers: readonly Server[];
    readonly autoscaler?: {
        readonly nodeGroups: AutoscalerNodeGroups;
        /** The autoscaler's objects, its config Secret holding the real join user data. */
        readonly objects: readonly KubeObject[];
    };
}

interface PoolArgs {
    readonly plan: ClusterPlan;
    readonly network: Network;
    readonly agentToken: pulumi.Output<string>;
    readonly sshKeyIds: pulumi.Input<string[]>;
    /** The Hetzner name of the first admin key: the autoscaler gives its servers that key. */
    readonly sshKeyName: string;
    /** Kept servers join after the control plane holds its fixed addresses, so Hetzner never hands one out. */
    readonly after: readonly pulumi.Resource[];
}

function joinUserData(c: ConfigOf<"phase5">, plan: ClusterPlan, pool: PoolPlan, agentToken: string): string {
    return renderK3sNode({
        role: "agent",
        privateSubnet: c.network.subnet,
        config: {
            apiPrivateIp: plan.apiLoadBalancerIp,
            agentToken,
            nodeLabels: nodeLabelTexts(pool.labels),
            nodeTaints: pool.taints.map(taintText),
        },
    }).cloudConfig;
}

const placementOf = (group: SpreadGroup | undefined) =>
    group ? { placementGroupId: group.placementGroupId } : {};

export function nodePools(c: ConfigOf<"phase5">, stack: string, args: PoolArgs): NodePools {
    const { plan, network } = args;
    const hostLabels = hetznerLabels(stack, "k8s-node", false, network.region);
    const labels = (pool: string) => ({
        ...hostLabels,
        pool,
    });
    const firewallName = `${stack}-k8s-nodes`;
    const firewall = new HostFirewall("nodes", {
        rules: sshFromAdmins(c.admin.sshAllowedCidrs),
        labels: hostLabels,
        firewallName,
    });
    const servers = plan.pools.flatMap((pool) => {
        if (pool.nodes === 0) return [];
        const location = availableLocation(pool.serverType, [c.location, ...c.fallbackLocations]);
        const userData = pulumi.secret(args.agentToken.apply((t) => joinUserData(c, plan, pool, t)));
        const groups = Array.from(
            { length: pool.spreadGroups },
            (_, g) => new SpreadGroup(`pool-${pool.name}-${g + 1}`, { labels: labels(pool.name) }),
        );
        return Array.from(
            { length: pool.nodes },
            (_, i) =>
                new Server(
                    `pool-${pool.name}-${i + 1}`,
                    {
                        durability: "pinned",
                        serverType: pool.serverType,
                        image: K3S_IMAGE,
                        location,
                        sshKeyIds: args.sshKeyIds,
                        firewallIds: [firewall.firewallId],
                        userData,
                        network: { subnetId: network.network.subnetId },
                        ...placementOf(groups[Math.floor(i / SPREAD_GROUP_MAX)]),
                        labels: labels(pool.name),
                    },
                    { dependsOn: [network.network.subnet, ...args.after] },
                ),
        );
    });

    const scaled = plan.pools.filter((p) => p.autoscaleMax > 0);
    if (scaled.length === 0) return { servers };
    const groupsWith = (cloudInit: (pool: PoolPlan) => string) =>
        autoscalerNodeGroups({
            pools: scaled.map((pool) => ({
                pool: pool.name,
                serverType: pool.serverType,
                location: c.location,
                min: 0,
                max: pool.autoscaleMax,
                labels: pool.labels,
                taints: pool.taints,
                cloudInit: cloudInit(pool),
                placement: pool.autoscalePlacement,
            })),
            image: K3S_IMAGE,
            placementGroupPrefix: `${stack}-autoscaler-`,
            existingPlacementGroups: keptPlacementGroups(plan),
        });
    const nodeGroups = groupsWith((pool) => joinUserData(c, plan, pool, STAND_IN_AGENT_TOKEN));
    for (const name of nodeGroups.placementGroups)
        new hcloud.PlacementGroup(`autoscaler-${name}`, {
            name,
            type: "spread",
            labels: hostLabels,
        });
    const realConfig = pulumi.secret(
        args.agentToken.apply((t) => groupsWith((pool) => joinUserData(c, plan, pool, t)).configJson),
    );
    const objects = autoscalerObjects({
        nodeGroups,
        scaleDownUnneededTime: "10m",
        serverCreationTimeoutMinutes: 10,
        firewall: firewallName,
        sshKey: args.sshKeyName,
    }).map((o) => (o.kind === "Secret" ? { ...o, stringData: { [AUTOSCALER_CONFIG_KEY]: realConfig } } : o));
    return { servers, autoscaler: { nodeGroups, objects } };
}
