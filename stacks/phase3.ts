/**
 * Phase 3 (Chrono Phase 3, ClawHQ Tier 2/3): one region's load-balanced fleet in front of a replicated data tier.
 *
 *   Cloudflare ──443 (origin pulls)──▶ load balancer (Hetzner lb11, or an HAProxy cpx22 as the seed draws it)
 *                          ├──▶ backend 1..n (cx23, spread, rolled one at a time): Caddy ▸ API, workers, crawler
 *                          │       └── app host ──▶ frontend server (cx23): SvelteKit, Prometheus, Grafana, Sentinel
 *                          ▼ private network
 *   writer endpoint (internal LB: PgBouncer on the primary, Redis master)   reader endpoint (internal LB: replicas)
 *   database nodes (cx33, spread, protected volumes): Patroni leader ─sync streaming, slots─▶ replica(s)
 *     each: Patroni (PostgreSQL, REST :8008) + etcd member, PgBouncer, Redis (+ Sentinel), role health
 *     (/redis-primary), etcd's third member on the frontend when there are two nodes (all over TLS),
 *     base backups + WAL archive + Redis snapshots to S3; Meilisearch on the primary's host
 */
import * as pulumi from "@pulumi/pulumi";
import { CLOUDFLARE_RANGES } from "../core/catalog/cloudflare";
import { renderHaproxyHost, type HaproxyHostSpec } from "../core/render/machines/haproxyHost";
import { PGBOUNCER_PORT } from "../core/render/data/pgbouncer";
import { PATRONI_REST_PORT } from "../core/render/data/patroni";
import { ROLE_HEALTH_PORT } from "../core/render/data/roleHealth";
import { ROLE_PROXY_READER_PORT } from "../core/render/data/roleProxy";
import { hostAddress } from "../core/topology/subnetPlan";
import { sshFromAdmins, webFromCloudflare } from "../core/topology/firewallRules";
import {
    backendPlacement,
    databasePlacement,
    dataEndpoints,
    frontendPlacement,
    sentinelHosts,
} from "../core/topology/placements";
import { availableLocation } from "../components/hetzner/location";
import { RegionFleet, type FleetEntry } from "../components/fleet/regionFleet";
import type { ConfigOf } from "../core/config/schema";
import { readerMaxLagBytes } from "../core/config/patroni";
import { agentPoolOutputs } from "./parts/agents";
import { appHostUserData } from "./parts/appHosts";
import { baseline, externalCosts } from "./parts/baseline";
import { REPLICATED_SERVICE_PASSWORDS } from "./parts/credentials";
import { adminFirewall, dataTier } from "./parts/dataTier";
import { haCluster, type HaCluster } from "./parts/haCluster";
import { publishEdge, siteUrls } from "./parts/edge";
import { privateNetwork } from "./parts/network";
import type { Phase3Outputs } from "../core/contracts/outputs";
import type { Exported } from "./outputs";

const HTTPS = 443;

export function phase3Stack(c: ConfigOf<"phase3">, stack: string): Exported<Phase3Outputs> {
    const { frontend, database } = c.servers;
    const backend = c.servers.backend ?? { ...c.servers.app, count: 2 };
    if (!frontend || !database)
        throw new pulumi.RunError("phase3 needs servers.frontend and servers.database");
    const location = availableLocation(database.type, [c.location, ...c.fallbackLocations]);
    const net = privateNetwork(c, stack);
    const ip = (role: Parameters<typeof hostAddress>[1], i = 0) => hostAddress(net.plan, role, i);
    const nodeNames = [
        "primary",
        ...Array.from({ length: c.replication.replicas }, (_, i) => `replica${i + 1}`),
    ];
    const dbIps = nodeNames.map((_, i) => ip("data", i));
    const primaryIp = dbIps[0] as string;
    const backendIps = Array.from({ length: backend.count }, (_, i) => ip("backend", i));
    const frontendIp = ip("frontend");
    // The role endpoints: internal load balancers, or the seed's HAProxy server on its private address.
    const haproxy = c.loadBalancer.kind === "haproxy";
    const writerIp = haproxy ? ip("lb") : ip("writerLb");
    const reader = haproxy
        ? { host: ip("lb"), port: ROLE_PROXY_READER_PORT }
        : { host: ip("readerLb"), port: PGBOUNCER_PORT };
    const endpoints = dataEndpoints(c.workload, writerIp, primaryIp);
    const sentinels = sentinelHosts(dbIps, [frontendIp, ...backendIps]);
    const { hostnames, sshKeyIds, secrets } = baseline(c, stack, REPLICATED_SERVICE_PASSWORDS, "backend");
    const fleetFirewall = adminFirewall(c, stack, "fleet", "backend");

    // Patroni and etcd: the nodes elect their primary; the frontend is etcd's third member beside two nodes.
    const ha = haCluster({
        scope: `${stack}-${net.region}`,
        organization: stack,
        nodeIps: dbIps,
        appHostIps: [...backendIps, frontendIp],
        witness: { name: "frontend", ip: frontendIp },
        config: c.replication.patroni,
    });

    // The database tier: the first node bootstraps, the others clone it; any of them may become the primary.
    dataTier(c, stack, {
        phase: "phase3",
        nodes: nodeNames.map((nodeName, i) => ({
            resourceName: `db-${nodeName}`,
            nodeName,
            host: nodeName,
            ip: dbIps[i] as string,
            placement: databasePlacement(dbIps[i] as string, i === 0, endpoints),
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
    });

    // The region's stateless fleet; Cloudflare's origin is its entry, never a backend.
    const appHost = (
        name: string,
        type: string,
        image: string,
        hostIp: string,
        placement: Parameters<typeof appHostUserData>[4]["placement"],
        etcdWitness?: HaCluster["witnessFiles"],
    ) => ({
        serverType: type,
        image,
        privateIp: hostIp,
        userData: appHostUserData(c, stack, hostnames, secrets, {
            name,
            serverType: type,
            ip: hostIp,
            placement,
            ...(sentinels.includes(hostIp) ? { sentinelOf: primaryIp } : {}),
            ...(etcdWitness ? { etcdWitness } : {}),
        }).userData,
    });
    const health = { path: c.workload.api.healthPath ?? "/", domain: hostnames.api };
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
            frontendPlacement(c.workload, frontendIp, backendIps[0] as string, endpoints),
            ha.witnessFiles,
        ),
        backends: backendIps.map((b, i) =>
            appHost(
                `backend-${i + 1}`,
                backend.type,
                backend.image,
                b,
                backendPlacement(c.workload, b, frontendIp, endpoints),
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
    publishEdge(c, hostnames, { ipv4: fleet.entryIpv4, ipv6: fleet.entryIpv6 });

    return {
        // ClawHQ agent hosts on the private network; the API servers reach their Docker API there, over mTLS.
        ...agentPoolOutputs(c, stack, sshKeyIds, {
            apiServerAddresses: backendIps,
            network: { subnetId: net.network.subnetId, subnetCidr: c.network.subnet },
        }),
        entryIpv4: fleet.entryIpv4,
        loadBalancer: c.loadBalancer.kind,
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
        urls: siteUrls(hostnames),
        externalCosts: externalCosts(c),
    };
}

function fleetEntry(
    c: ConfigOf<"phase3">,
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
