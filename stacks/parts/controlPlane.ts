/**
 * Phase 5's control plane: the API load balancer (created first: its addresses are in every server's
 * certificate and join URL), the k3s servers with embedded etcd in one spread group, and their firewall.
 */
import * as pulumi from "@pulumi/pulumi";
import { LoadBalancer } from "../../components/fleet/loadBalancer";
import { SpreadGroup } from "../../components/fleet/spreadGroup";
import { HostFirewall } from "../../components/hetzner/hostFirewall";
import { availableLocation } from "../../components/hetzner/location";
import { Server } from "../../components/hetzner/server";
import type { K3sPki } from "../../components/k8s/k3sPki";
import type { ConfigOf } from "../../core/config/schema";
import { hetznerLabels, roleSelector } from "../../core/contracts/labels";
import { autoDeployManifests } from "../../core/k8s/autoDeploy";
import type { ClusterPlan } from "../../core/k8s/clusterPlan";
import { K3S_API_PORT, type K3sClusterNetwork } from "../../core/k8s/k3sConfig";
import { renderK3sNode } from "../../core/render/machines/k3sNode";
import { sshFromAdmins } from "../../core/topology/firewallRules";
import { etcdSnapshots, K3S_IMAGE, nodeLabelTexts, type ClusterSecrets } from "./cluster";
import type { Network } from "./network";

export interface ControlPlane {
    readonly apiLoadBalancer: LoadBalancer;
    readonly servers: readonly Server[];
}

export function controlPlane(
    c: ConfigOf<"phase5">,
    stack: string,
    args: {
        readonly plan: ClusterPlan;
        readonly network: Network;
        readonly clusterNetwork: K3sClusterNetwork;
        readonly pki: K3sPki;
        readonly secrets: ClusterSecrets;
        readonly sshKeyIds: pulumi.Input<string[]>;
    },
): ControlPlane {
    const { plan, network, pki, secrets } = args;
    const location = availableLocation(c.kubernetes.controlPlane.type, [c.location, ...c.fallbackLocations]);
    const labels = hetznerLabels(stack, "k8s-server", false, network.region);
    const apiLoadBalancer = new LoadBalancer(
        "kubernetes-api",
        {
            loadBalancerType: "lb11",
            location,
            subnetId: network.network.subnetId,
            privateIp: plan.apiLoadBalancerIp,
            // kubectl and `pulumi up` reach the API here; a Hetzner firewall cannot filter a load balancer, so
            // the API's client-certificate authentication is what guards this port.
            publicInterface: true,
            targetSelector: roleSelector(stack, "k8s-server", network.region),
            services: [
                {
                    listenPort: K3S_API_PORT,
                    destinationPort: K3S_API_PORT,
                    health: { protocol: "tcp", port: K3S_API_PORT },
                },
            ],
            labels,
        },
        network.afterSubnet,
    );
    const firewall = new HostFirewall("control-plane", {
        rules: [
            ...sshFromAdmins(c.admin.sshAllowedCidrs),
            {
                direction: "in",
                protocol: "tcp",
                port: String(K3S_API_PORT),
                sourceIps: [...c.admin.sshAllowedCidrs],
                description: "Kubernetes API from admin ranges",
            },
        ],
        labels,
    });
    const spread = new SpreadGroup("control-plane", { labels });
    const manifests = pulumi
        .all([secrets.hcloudToken, network.network.networkId])
        .apply(([hcloudToken, networkId]) =>
            autoDeployManifests({
                hcloudToken,
                networkId,
                clusterCidr: c.kubernetes.clusterCidr,
                location: c.location,
            }),
        );
    const servers = plan.controlPlane.map(
        (node) =>
            new Server(
                node.name,
                {
                    // etcd members: a config edit never rebuilds one (new servers join; `k3s` upgrades in place).
                    durability: "pinned",
                    serverType: c.kubernetes.controlPlane.type,
                    image: K3S_IMAGE,
                    location,
                    sshKeyIds: args.sshKeyIds,
                    firewallIds: [firewall.firewallId],
                    userData: pulumi.secret(
                        pulumi
                            .all([
                                pki.serverToken,
                                pki.agentToken,
                                pki.material,
                                apiLoadBalancer.ipv4,
                                manifests,
                                secrets.backupAccessKeyId,
                                secrets.backupSecretAccessKey,
                            ])
                            .apply(
                                ([serverToken, agentToken, material, lbIpv4, m, accessKey, secretKey]) =>
                                    renderK3sNode({
                                        role: "server",
                                        privateSubnet: c.network.subnet,
                                        config: {
                                            serverToken,
                                            agentToken,
                                            clusterInit: node.first,
                                            apiLoadBalancer: {
                                                publicIpv4: lbIpv4,
                                                privateIp: plan.apiLoadBalancerIp,
                                            },
                                            network: args.clusterNetwork,
                                            etcdSnapshots: etcdSnapshots(c, stack, accessKey, secretKey),
                                            nodeLabels: nodeLabelTexts({
                                                "phase-stacks/pool": "control-plane",
                                            }),
                                        },
                                        ...(node.first ? { pki: material } : {}),
                                        manifests: m,
                                    }).cloudConfig,
                            ),
                    ),
                    network: { subnetId: network.network.subnetId, ip: node.ip },
                    placementGroupId: spread.placementGroupId,
                    labels,
                },
                network.afterSubnet,
            ),
    );
    return { apiLoadBalancer, servers };
}
