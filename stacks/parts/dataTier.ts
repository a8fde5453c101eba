/**
 * The data tier of phases 2-3: database nodes (a primary and 0..n replicas, each a protected server with a
 * protected volume) and, once there are replicas, the writer and reader load balancers. The one place that turns
 * the config into a database host's cloud-config.
 */
import * as pulumi from "@pulumi/pulumi";
import { DatabaseNode } from "../../components/data/databaseNode";
import { RoleEndpoints } from "../../components/data/roleEndpoints";
import { SpreadGroup } from "../../components/fleet/spreadGroup";
import { HostFirewall } from "../../components/hetzner/hostFirewall";
import { hetznerLabels, roleSelector } from "../../core/contracts/labels";
import { sshFromAdmins } from "../../core/topology/firewallRules";
import { PGBOUNCER_PORT } from "../../core/render/data/pgbouncer";
import { ROLE_HEALTH_PORT } from "../../core/render/data/roleHealth";
import { PATRONI_REST_PORT } from "../../core/render/data/patroni";
import type { HaCluster } from "./haCluster";
import { renderDatabaseHost } from "../../core/render/machines/databaseHost";
import type { HostMemoryPlan } from "../../core/workload/memoryPlan";
import type { HostPlacement } from "../../core/topology/placement";
import type { PrometheusInputs } from "../../core/render/monitoring/monitoring";
import type { CloudStackConfig, ConfigOf } from "../../core/config/schema";
import type { CrossRegionSpec } from "../../core/render/data/crossRegion";
import type { RegionalConfig } from "./region";
import { Replication } from "../../core/config/sections";
import { readerMaxLagBytes } from "../../core/config/patroni";
import type { REPLICATED_SERVICE_PASSWORDS, StackSecrets } from "./credentials";
import type { Hostnames } from "./edge";
import { backupEvery, hostMemory } from "./memory";
import type { Network } from "./network";

export const SENTINEL_QUORUM = 2;

export interface DataNodePlan {
    /** The Pulumi name of the node ("data" in phase 2, "db-primary", "db-replica1"... in phase 3). */
    readonly resourceName: string;
    /** Its name inside the cluster (replication slots, Patroni): "primary", "replica1"... */
    readonly nodeName: string;
    /** The host's name in memory plans and their errors. */
    readonly host: string;
    readonly ip: string;
    readonly placement: HostPlacement;
    /** Runs one of the three Redis Sentinels. */
    readonly sentinel: boolean;
    /** Where the node's placement runs the region's Prometheus (phase 2's data server): what it scrapes. */
    readonly prometheus?: PrometheusInputs;
}

export interface DataTierArgs {
    readonly phase: "phase2" | "phase3" | "phase4";
    /** Names the spread group and the role endpoints: phase 4 prefixes its region's name. */
    readonly name?: (resource: string) => string;
    readonly nodes: readonly DataNodePlan[];
    readonly sshKeyIds: pulumi.Input<string[]>;
    readonly firewallIds: pulumi.Input<pulumi.Input<number>[]>;
    readonly secrets: pulumi.Output<StackSecrets<keyof typeof REPLICATED_SERVICE_PASSWORDS>>;
    readonly hostnames: Hostnames;
    readonly location: pulumi.Input<string>;
    readonly network: Network;
    /** Spread the nodes over physical hosts (a placement group; a stateful node never moves into one later). */
    readonly spread: boolean;
    /** The region the nodes are labelled with, so that no selector of another region reaches them. */
    readonly region?: string;
    /**
     * The role endpoints as internal load balancers selecting the region's nodes (the HAProxy variant runs on the
     * fleet's HAProxy server instead).
     */
    readonly endpoints?: {
        readonly writerIp: string;
        readonly readerIp: string;
        readonly loadBalancerType: string;
    };
    /** Patroni and etcd on the nodes: automatic failover (phase 3); without it each node runs PostgreSQL alone. */
    readonly ha?: HaCluster;
    /** Phase 4: node `i`'s reserved public IPv4, the firewalls it adds, and its cross-region replication. */
    readonly crossRegion?: (i: number) => DataNodeCrossRegion;
}

export interface DataNodeCrossRegion {
    readonly primaryIpv4Id: pulumi.Input<number>;
    readonly firewallIds: pulumi.Input<number>[];
    readonly replication: pulumi.Output<CrossRegionSpec>;
}

/** The firewall of hosts without a public service: SSH from the admins, nothing else. */
export function adminFirewall(
    c: Pick<CloudStackConfig, "admin">,
    stack: string,
    name: string,
    role: "database" | "backend",
) {
    return new HostFirewall(
        name,
        { rules: sshFromAdmins(c.admin.sshAllowedCidrs), labels: hetznerLabels(stack, role) },
        { aliases: [{ type: "phase-stacks:network:AdminFirewall" }] },
    );
}

export interface DataTier {
    readonly nodes: DatabaseNode[];
    readonly memory: HostMemoryPlan[];
}

export function dataTier(c: ConfigOf<"phase2"> | RegionalConfig, stack: string, a: DataTierArgs): DataTier {
    const database = c.phase === "phase2" ? c.servers.data : c.servers.database;
    // Phase 2's one node renders the defaults, which only a replica would use.
    const replication = c.phase === "phase2" ? Replication.parse({}) : c.replication;
    const name = a.name ?? ((resource: string) => resource);
    const [primary, ...replicas] = a.nodes;
    if (!primary) throw new pulumi.RunError(`${a.phase}: the data tier needs a primary`);
    const region = a.region;
    const group = a.spread
        ? new SpreadGroup(name("database"), { labels: hetznerLabels(stack, "database", false, region) })
        : undefined;
    const memory = a.nodes.map((n) =>
        hostMemory(c, n.host, database.type, n.placement.local, ["postgres", "redis"]),
    );
    const nodes = a.nodes.map((n, i) => {
        const cross = a.crossRegion?.(i);
        return new DatabaseNode(
            n.resourceName,
            {
                serverType: database.type,
                image: database.image,
                location: a.location,
                sshKeyIds: a.sshKeyIds,
                firewallIds: cross
                    ? pulumi.output(a.firewallIds).apply((ids) => [...ids, ...cross.firewallIds])
                    : a.firewallIds,
                ...(cross ? { primaryIpv4Id: cross.primaryIpv4Id } : {}),
                subnetId: a.network.network.subnetId,
                privateIp: n.ip,
                ...(group ? { placementGroupId: group.placementGroupId } : {}),
                volumeGb: c.postgres.volumeGb,
                labels: hetznerLabels(stack, "database", true, region),
                userData: (volumeDevice) =>
                    pulumi
                        .all([
                            volumeDevice,
                            a.secrets,
                            a.ha?.node(
                                i,
                                a.secrets.apply((s) => s.replicationPassword),
                            ),
                            cross?.replication,
                        ])
                        .apply(
                            ([device, s, ha, crossRegion]) =>
                                renderDatabaseHost({
                                    stack,
                                    workload: c.workload,
                                    nodeName: n.nodeName,
                                    privateIp: n.ip,
                                    subnetCidr: c.network.subnet,
                                    ...(i > 0 ? { primaryIp: primary.ip } : {}),
                                    replicaNames: replicas.map((r) => r.nodeName),
                                    synchronous: replicas.length > 0 && replication.synchronous,
                                    maxSlotWalKeepSizeGb: replication.maxSlotWalKeepSizeGb,
                                    postgres: {
                                        database: c.postgres.database,
                                        user: c.postgres.user,
                                        volumeDevice: device,
                                        mountPoint: "/mnt/postgres",
                                    },
                                    backup: {
                                        ...c.backup,
                                        every: backupEvery(a.phase),
                                        ...(a.phase === "phase4" && region ? { fleetRegion: region } : {}),
                                    },
                                    ...(n.sentinel ? { sentinelQuorum: SENTINEL_QUORUM } : {}),
                                    secrets: s,
                                    ...(ha ? { ha: crossRegion ? { ...ha, crossRegion } : ha } : {}),
                                    host: {
                                        hostName: n.host,
                                        phase: c.phase,
                                        reservationsMb: (memory[i] as HostMemoryPlan).reservationsMb,
                                        placement: n.placement,
                                        hostnames: a.hostnames,
                                        ...(n.prometheus ? { prometheus: n.prometheus } : {}),
                                        ...(c.alertReceiver ? { alertReceiver: c.alertReceiver } : {}),
                                    },
                                }).cloudConfig,
                        ),
            },
            a.network.afterSubnet,
        );
    });
    if (a.endpoints) {
        if (region === undefined)
            throw new pulumi.RunError("the role endpoints select their region's nodes: pass the region");
        new RoleEndpoints(
            name("db"),
            {
                loadBalancerType: a.endpoints.loadBalancerType,
                location: a.location,
                subnetId: a.network.network.subnetId,
                writerIp: a.endpoints.writerIp,
                readerIp: a.endpoints.readerIp,
                targetSelector: roleSelector(stack, "database", region),
                pgbouncerPort: PGBOUNCER_PORT,
                redisPort: c.workload.redis.port,
                redisHealthPort: ROLE_HEALTH_PORT,
                patroniRestPort: PATRONI_REST_PORT,
                readerMaxLagBytes: readerMaxLagBytes(replication.patroni),
                labels: hetznerLabels(stack, "lb", false, region),
            },
            a.network.afterSubnet,
        );
    }
    return { nodes, memory };
}
