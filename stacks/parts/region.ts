/**
 * One region's load-balanced fleet in front of its replicated data tier: phase 3 is one of these, phase 4 one per
 * region. The private network, the database nodes under Patroni with their etcd, the role endpoints, the frontend,
 * the backends and the public entry; every name comes from the region's `name`, every label and selector from
 * its `region`, so two regions never share or select each other's resources.
 */
import * as pulumi from "@pulumi/pulumi";
import { CLOUDFLARE_RANGES } from "../../core/catalog/cloudflare";
import { renderHaproxyHost, type HaproxyHostSpec } from "../../core/render/machines/haproxyHost";
import { PGBOUNCER_PORT } from "../../core/render/data/pgbouncer";
import { PATRONI_REST_PORT } from "../../core/render/data/patroni";
import { ROLE_HEALTH_PORT } from "../../core/render/data/roleHealth";
import { ROLE_PROXY_READER_PORT } from "../../core/render/data/roleProxy";
import { hostAddress, subnetPlan } from "../../core/topology/subnetPlan";
import { sshFromAdmins, webFromCloudflare } from "../../core/topology/firewallRules";
import {
    backendPlacement,
    databasePlacement,
    dataEndpoints,
    frontendPlacement,
    sentinelHosts,
    withTelemetry,
} from "../../core/topology/placements";
import { availableLocation } from "../../components/hetzner/location";
import { RegionFleet, type FleetEntry } from "../../components/fleet/regionFleet";
import type { ConfigOf } from "../../core/config/schema";
import { readerMaxLagBytes } from "../../core/config/patroni";
import type { Phase3Outputs } from "../../core/contracts/outputs";
import type { AgentScrapeHost } from "../../core/render/monitoring/nodeExporter";
import { appHostUserData, type AppHostSpec } from "./appHosts";
import { uptimeTargets } from "../../core/render/monitoring/uptime";
import type { Baseline } from "./baseline";
import type { REPLICATED_SERVICE_PASSWORDS } from "./credentials";
import { adminFirewall, dataTier, type DataNodeCrossRegion } from "./dataTier";
import { haCluster, type HaClusterArgs } from "./haCluster";
import { privateNetwork, type Network } from "./network";

const HTTPS = 443;

/** What one region reads: phase 3's config, or phase 4's shared sections with one region's own. */
export type RegionalConfig = Omit<ConfigOf<"phase3">, "phase"> & { readonly phase: "phase3" | "phase4" };

export interface RegionNames {
    /** A resource's name in this region: phase 3 keeps its plain names, phase 4 prefixes the region's. */
    readonly name: (resource: string) => string;
    /** The `region` label and Patroni scope suffix; phase 3's is the network zone. */
    readonly region?: string;
}

export interface RegionArgs {
    readonly stack: string;
    readonly names?: RegionNames;
    readonly baseline: Baseline<keyof typeof REPLICATED_SERVICE_PASSWORDS>;
    /** Phase 4's primary region: the regions streaming from it, whose replication its Prometheus alerts on. */
    readonly standbyRegions?: readonly { readonly region: string; readonly slotName: string }[];
    /** The region's agent hosts: its frontend's Prometheus scrapes their node exporters. */
    readonly agentHosts?: readonly AgentScrapeHost[];
    /** Phase 4: the backends answer Cloudflare's write pools whether this region holds the primary. */
    readonly writableCheck?: boolean;
    /** Phase 4: the database nodes' reserved addresses, replication firewalls and cross-region streaming. */
    readonly crossRegion?: {
        readonly node: (node: number) => DataNodeCrossRegion;
        readonly patroniPasswords: NonNullable<HaClusterArgs["passwords"]>;
    };
}

export interface Region {
    readonly network: Network;
    readonly entryIpv4: pulumi.Output<string>;
    readonly entryIpv6: pulumi.Output<string>;
    readonly backendIps: string[];
    readonly outputs: Pick<Phase3Outputs, "privateAddresses" | "roleEndpoints" | "sentinels">;
}

/**
 * A region's database nodes: their names inside the cluster (the first bootstraps, the others clone it) and their
 * private addresses. Phase 4's replication certificates name the same addresses, so both read them here.
 */
export function databaseNodes(
    c: Pick<RegionalConfig, "replication" | "network">,
): { readonly name: string; readonly ip: string }[] {
    const plan = subnetPlan(c.network.subnet);
    return ["primary", ...Array.from({ length: c.replication.replicas }, (_, i) => `replica${i + 1}`)].map(
        (name, i) => ({ name, ip: hostAddress(plan, "data", i) }),
    );
}

export function region(c: RegionalConfig, a: RegionArgs): Region {
    const { stack } = a;
    const names = a.names ?? { name: (n: string) => n };
    const name = names.name;
    const { frontend, database } = c.servers;
    const backend = c.servers.backend ?? { ...c.servers.app, count: 2 };
    const location = availableLocation(database.type, [c.location, ...c.fallbackLocations]);
    const net = privateNetwork(c, stack, names);
    const ip = (role: Parameters<typeof hostAddress>[1], i = 0) => hostAddress(net.plan, role, i);
    const dbNodes = databaseNodes(c);
    const nodeNames = dbNodes.map((n) => n.name);
    const dbIps = dbNodes.map((n) => n.ip);
    const primaryIp = dbIps[0] as string;
    const backendIps = Array.from({ length: backend.count }, (_, i) => ip("backend", i));
    const frontendIp = ip("frontend");
    const backends = backendIps.map((b, i) => ({ name: `backend-${i + 1}`, ip: b }));
    // The role endpoints: internal load balancers, or the seed's HAProxy server on its private address.
    const haproxy = c.loadBalancer.kind === "haproxy";
    const writerIp = haproxy ? ip("lb") : ip("writerLb");
    const reader = haproxy
        ? { host: ip("lb"), port: ROLE_PROXY_READER_PORT }
        : { host: ip("readerLb"), port: PGBOUNCER_PORT };
    const endpoints = dataEndpoints(c.workload, writerIp, primaryIp);
    const sentinels = sentinelHosts(dbIps, [frontendIp, ...backendIps]);
    const { hostnames, sshKeyIds, secrets } = a.baseline;
    const fleetFirewall = adminFirewall(c, stack, name("fleet"), "backend");

    // Patroni and etcd: the nodes elect their primary; the frontend is etcd's third member beside two nodes.
    const ha = haCluster({
        scope: `${stack}-${net.region}`,
        organization: stack,
        nodeIps: dbIps,
        appHostIps: [...backendIps, frontendIp],
        witness: { name: "frontend", ip: frontendIp },
        config: c.replication.patroni,
        name,
        ...(a.crossRegion ? { passwords: a.crossRegion.patroniPasswords } : {}),
    });

    // The database tier: the first node bootstraps, the others clone it; any of them may become the primary.
    dataTier(c, stack, {
        phase: c.phase,
        name,
        nodes: nodeNames.map((nodeName, i) => ({
            resourceName: name(`db-${nodeName}`),
            nodeName,
            host: nodeName,
            ip: dbIps[i] as string,
            placement: withTelemetry(
                databasePlacement(dbIps[i] as string, i === 0, endpoints),
                c.workload,
                frontendIp,
            ),
            sentinel: sentinels.includes(dbIps[i] as string),
        })),
        sshKeyIds,
        firewallIds: [fleetFirewall.firewallId],
        secrets,
        hostnames,
        location,
        network: net,
        spread: true,
        region: net.region,
        ...(haproxy
            ? {}
            : {
                  endpoints: {
                      writerIp,
                      readerIp: reader.host,
                      loadBalancerType: c.loadBalancer.type,
                  },
              }),
        ha,
        ...(a.crossRegion ? { crossRegion: a.crossRegion.node } : {}),
    });

    // The region's stateless fleet; Cloudflare's origin is its entry, never a backend.
    const appHost = (
        host: string,
        type: string,
        image: string,
        hostIp: string,
        placement: Parameters<typeof appHostUserData>[4]["placement"],
        extra: Pick<AppHostSpec, "etcdWitness" | "writableFrom" | "prometheus"> = {},
    ) => ({
        serverType: type,
        image,
        privateIp: hostIp,
        userData: appHostUserData(c, stack, hostnames, secrets, {
            name: host,
            serverType: type,
            ip: hostIp,
            placement,
            ...(sentinels.includes(hostIp) ? { sentinelOf: primaryIp } : {}),
            ...extra,
        }).userData,
    });
    const health = { path: c.workload.api.healthPath ?? "/", domain: hostnames.api };
    // The fleet is named after its region alone: the zone in phase 3, the region's name in phase 4.
    const fleet = new RegionFleet(net.region, {
        region: net.region,
        stack,
        location,
        subnet: net.network.subnet,
        sshKeyIds,
        firewallIds: [fleetFirewall.firewallId],
        frontend: appHost(
            "frontend",
            frontend.type,
            frontend.image,
            frontendIp,
            withTelemetry(
                frontendPlacement(c.workload, frontendIp, backendIps[0] as string, endpoints),
                c.workload,
                frontendIp,
            ),
            {
                ...(ha.witnessFiles ? { etcdWitness: ha.witnessFiles } : {}),
                // The frontend's Prometheus scrapes the region's database nodes' exporters and the hosts' node exporters.
                prometheus: {
                    databaseNodes: ha.members,
                    hosts: [...backends, ...ha.members],
                    apiHosts: backends,
                    agentHosts: a.agentHosts ?? [],
                    // Cloudflare's origins are the backends (the load balancer only forwards to them).
                    uptime: uptimeTargets(hostnames, c.workload, backendIps),
                    ...(a.standbyRegions?.length
                        ? { replication: { standbyRegions: a.standbyRegions } }
                        : {}),
                },
            },
        ),
        backends: backendIps.map((b, i) =>
            appHost(
                `backend-${i + 1}`,
                backend.type,
                backend.image,
                b,
                withTelemetry(backendPlacement(c.workload, b, frontendIp, endpoints), c.workload, frontendIp),
                a.writableCheck ? { writableFrom: dbIps.map((d) => `${d}:${ROLE_HEALTH_PORT}`) } : {},
            ),
        ),
        entry: fleetEntry(c, ip("lb"), backendIps, health, ha.caCertPem, {
            nodes: ha.members.map((m) => ({
                name: m.name,
                address: m.ip,
                port: PGBOUNCER_PORT,
                restPort: PATRONI_REST_PORT,
            })),
            writer: { address: writerIp, port: PGBOUNCER_PORT },
            reader: { address: reader.host, port: reader.port },
            redis: {
                address: writerIp,
                port: c.workload.redis.port,
                nodePort: c.workload.redis.port,
                healthPort: ROLE_HEALTH_PORT,
            },
            readerMaxLagBytes: readerMaxLagBytes(c.replication.patroni),
        }),
    });

    return {
        network: net,
        entryIpv4: fleet.entryIpv4,
        entryIpv6: fleet.entryIpv6,
        backendIps,
        outputs: {
            privateAddresses: {
                backends: backendIps,
                frontend: frontendIp,
                database: Object.fromEntries(nodeNames.map((n, i) => [n, dbIps[i] as string])),
                writer: writerIp,
                reader: reader.host,
            },
            roleEndpoints: {
                postgresWriter: `${writerIp}:${PGBOUNCER_PORT}`,
                postgresReader: `${reader.host}:${reader.port}`,
                redisPrimary: `${writerIp}:${c.workload.redis.port}`,
            },
            sentinels,
        },
    };
}

function fleetEntry(
    c: RegionalConfig,
    lbIp: string,
    backendIps: readonly string[],
    health: { readonly path: string; readonly domain: string },
    clusterCaPem: pulumi.Output<string>,
    roles: Omit<HaproxyHostSpec["roles"], "caCertPem">,
): FleetEntry {
    if (c.loadBalancer.kind === "hetzner")
        return {
            kind: "hetzner",
            loadBalancerType: c.loadBalancer.type,
            privateIp: lbIp,
            port: HTTPS,
            health,
        };
    const lb = c.servers.lb;
    if (!lb) throw new pulumi.RunError("loadBalancer.kind haproxy needs servers.lb");
    return {
        kind: "haproxy",
        rules: [...sshFromAdmins(c.admin.sshAllowedCidrs), ...webFromCloudflare(CLOUDFLARE_RANGES)],
        host: {
            serverType: lb.type,
            image: lb.image,
            privateIp: lbIp,
            userData: clusterCaPem.apply((caCertPem) =>
                renderHaproxyHost({
                    backends: backendIps.map((address, i) => ({
                        name: `backend-${i + 1}`,
                        address,
                        port: HTTPS,
                    })),
                    healthPath: health.path,
                    healthHost: health.domain,
                    roles: { ...roles, caCertPem },
                }),
            ),
        },
    };
}
