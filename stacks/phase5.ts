/**
 * Phase 5 (Chrono Phase 5, ClawHQ Tier 3/4): k3s on Hetzner, the cluster the program computes rather than
 * reads back: its CAs, join tokens and admin kubeconfig exist before any server boots.
 *
 *   kubectl / pulumi up ──6443 (admin client certificate)──▶ API load balancer (lb11, private targets)
 *                                                              ▼ private network
 *   control plane: k3s servers (cx33 ×3, spread, embedded etcd, snapshots to S3) + hcloud CCM and CSI
 *   node pools: system · app · agents per tier (seed formula) · enterprise per customer (tainted)
 *     each pool: the servers the program keeps (spread groups of ≤10) + what the cluster-autoscaler adds,
 *     from the same join user data
 *   in the cluster: Retain StorageClass, system-upgrade-controller (k3s upgrades), cluster-autoscaler,
 *     and per tenant a namespace (Pod Security restricted, quota and limits of its tier, default-deny network)
 */
import * as pulumi from "@pulumi/pulumi";
import { SshKeys } from "../components/hetzner/sshKeys";
import { ClusterAccess } from "../components/k8s/clusterAccess";
import { K3sPki } from "../components/k8s/k3sPki";
import { KubeObjects } from "../components/k8s/kubeObjects";
import type { ConfigOf } from "../core/config/schema";
import type { Phase5Outputs } from "../core/contracts/outputs";
import { hetznerLabels } from "../core/contracts/labels";
import { clusterPlan, taintText } from "../core/k8s/clusterPlan";
import type { KubeObject } from "../core/k8s/objects";
import { storageClasses } from "../core/k8s/storage";
import { systemUpgradeObjects } from "../core/k8s/systemUpgrade";
import { tenantObjects } from "../core/k8s/tenants";
import { externalCosts } from "./parts/baseline";
import { clusterNetwork, clusterSecrets } from "./parts/cluster";
import { controlPlane } from "./parts/controlPlane";
import { privateNetwork } from "./parts/network";
import { siteUrls } from "./parts/edge";
import { nodePools } from "./parts/nodePools";
import { APP_PEER, INGRESS_NAMESPACE, platform } from "./parts/platform";
import type { Exported } from "./outputs";

export function phase5Stack(c: ConfigOf<"phase5">, stack: string): Exported<Phase5Outputs> {
    if (c.kubernetes.controlPlane.count === 1)
        void pulumi.log.warn(
            "kubernetes.controlPlane.count is 1: the cluster has no etcd quorum to lose a server with; use 3 for production",
        );
    const adminKeyName = (i: number) => `${stack}-admin-${i}`;
    const sshKeys = new SshKeys("admin", {
        publicKeys: c.admin.sshPublicKeys,
        labels: hetznerLabels(stack, "k8s-server"),
        keyName: adminKeyName,
    });
    const network = privateNetwork(c, stack);
    const plan = clusterPlan(c.kubernetes, c.agents, c.network.subnet, c.memory.systemReserveMb);
    const pki = new K3sPki("k3s", { organization: stack });

    const servers = controlPlane(c, stack, {
        plan,
        network,
        clusterNetwork: clusterNetwork(c),
        pki,
        secrets: clusterSecrets(),
        sshKeyIds: sshKeys.ids,
    });
    const pools = nodePools(c, stack, {
        plan,
        network,
        agentToken: pki.agentToken,
        sshKeyIds: sshKeys.ids,
        sshKeyName: adminKeyName(0),
        after: servers.servers,
    });

    // Everything in the cluster goes through one provider, whose kubeconfig waits for /readyz.
    const access = new ClusterAccess("cluster", {
        pki,
        apiHost: servers.apiLoadBalancer.ipv4,
        clusterIdentifier: `k3s-${stack}`,
        servers: servers.servers,
    });
    const inCluster = (name: string, objects: readonly KubeObject[]) =>
        new KubeObjects(name, { objects, provider: access.provider });
    const storage = inCluster("storage", storageClasses());
    inCluster("system-upgrade", systemUpgradeObjects({ k3sVersion: c.kubernetes.version }));
    if (pools.autoscaler) inCluster("cluster-autoscaler", pools.autoscaler.objects);
    const site = platform(c, stack, { plan, provider: access.provider, storage });
    // Every tenant's bundle: its namespace holds its data, so it is protected and outlives its removal from config.
    // One component for all of them, so a thousand tenants do not add a thousand components to the plan.
    new KubeObjects("tenants", {
        objects: c.kubernetes.tenants.flatMap((t) =>
            tenantObjects(t, { ingressNamespace: INGRESS_NAMESPACE, appPeer: APP_PEER }),
        ),
        provider: access.provider,
        stateful: (o) => o.kind === "Namespace",
    });

    return {
        kubeconfig: access.kubeconfig,
        apiServer: access.apiServer,
        k3sVersion: c.kubernetes.version,
        controlPlane: plan.controlPlane.map((node, i) => ({
            name: node.name,
            privateIp: node.ip,
            ipv4: servers.servers[i]!.ipv4Address,
        })),
        nodePools: plan.pools.map((p) => ({
            name: p.name,
            kind: p.kind,
            serverType: p.serverType,
            nodes: p.nodes,
            autoscaleMax: p.autoscaleMax,
            labels: p.labels,
            taints: p.taints.map(taintText),
        })),
        autoscalerNodeGroups: pools.autoscaler?.nodeGroups.nodesArgs ?? [],
        urls: siteUrls(site.hostnames),
        ingressAddresses: site.ingressAddresses,
        externalCosts: [...externalCosts(c), ...site.externalCosts],
    };
}
