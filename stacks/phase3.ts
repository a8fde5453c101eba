/**
 * Phase 3 (Chrono Phase 3, ClawHQ Tier 2/3): a load-balanced fleet in front of a replicated data tier.
 *
 *   Cloudflare ──443──▶ load balancer (Hetzner lb11, or an HAProxy cpx22 as the seed draws it)
 *                          ├──▶ backend 1..n (cx23, spread): Caddy ▸ API, workers, crawler
 *                          │       └── app host ──▶ frontend server (cx23): SvelteKit, Prometheus, Grafana, Sentinel
 *                          ▼ private network
 *   writer endpoint (internal LB: PgBouncer on the primary, Redis master)   reader endpoint (internal LB: replicas)
 *   database nodes (cx33, spread, protected volumes): primary ─streaming, slots─▶ replica(s)
 *     each: PostgreSQL, PgBouncer, Redis (+ Sentinel), role health (/primary /replica /redis-primary),
 *     base backups + WAL archive + Redis snapshots to S3; Meilisearch on the primary's host
 */
import * as pulumi from "@pulumi/pulumi";
import { CLOUDFLARE_RANGES } from "../core/catalog/cloudflare";
import { LOCATIONS } from "../core/catalog/hetzner";
import { renderDatabaseHost } from "../core/render/machines/databaseHost";
import { renderSentinelFiles, DATA_UNITS } from "../core/render/data/dataNode";
import { renderHaproxyHost } from "../core/render/machines/haproxyHost";
import { PGBOUNCER_PORT } from "../core/render/data/pgbouncer";
import type { HostPlacement } from "../core/topology/placement";
import { ROLE_HEALTH_PORT } from "../core/render/data/roleHealth";
import { renderServiceHost } from "../core/render/machines/serviceHost";
import { hostAddress, subnetPlan } from "../core/topology/subnetPlan";
import { planHostMemory } from "../core/workload/memoryPlan";
import {
    backendPlacement,
    databasePlacement,
    dataEndpoints,
    frontendPlacement,
    sentinelHosts,
} from "../core/topology/placements";
import { DatabaseNode } from "../components/data/databaseNode";
import { RoleEndpoints } from "../components/data/roleEndpoints";
import { FleetServer } from "../components/fleet/fleetServer";
import { LoadBalancer } from "../components/fleet/loadBalancer";
import { SpreadGroup } from "../components/fleet/spreadGroup";
import { availableLocation } from "../components/hetzner/location";
import { OriginFirewall } from "../components/hetzner/originFirewall";
import { SshKeys } from "../components/hetzner/sshKeys";
import { hetznerLabels } from "../core/contracts/labels";
import { AdminFirewall } from "../components/network/adminFirewall";
import { PrivateNetwork } from "../components/network/privateNetwork";
import { agentPoolOutputs } from "./agents";
import type { CloudStackConfig } from "./config";
import { edgeHostnames, originCertificate, publishEdge } from "./edge";
import { REPLICATED_SERVICE_PASSWORDS, stackSecrets } from "./secrets";
import { backupEvery, checkedMemory, ramGb } from "./phase2";

const HTTPS = 443;
const SENTINEL_QUORUM = 2;

export function phase3Stack(c: CloudStackConfig, stack: string): Record<string, unknown> {
    const { frontend, database } = c.servers;
    const backend = c.servers.backend ?? { ...c.servers.app, count: 2 };
    if (!frontend || !database)
        throw new pulumi.RunError("phase3 needs servers.frontend and servers.database");
    const hostnames = edgeHostnames(c);
    const location = availableLocation(database.type, [c.location, ...c.fallbackLocations]);
    const plan = subnetPlan(c.network.subnet);
    const nodeNames = [
        "primary",
        ...Array.from({ length: c.replication.replicas }, (_, i) => `replica${i + 1}`),
    ];
    const replicaNames = nodeNames.slice(1);
    const dbIps = nodeNames.map((_, i) => hostAddress(plan, "data", i));
    const primaryIp = dbIps[0] as string;
    const backendIps = Array.from({ length: backend.count }, (_, i) => hostAddress(plan, "backend", i));
    const frontendIp = hostAddress(plan, "frontend");
    const writerIp = hostAddress(plan, "writerLb");
    const readerIp = hostAddress(plan, "readerLb");
    const endpoints = dataEndpoints(c.workload, writerIp, primaryIp);
    const sentinels = sentinelHosts(dbIps, [frontendIp, ...backendIps]);
    const redisPort = c.workload.redis.port;

    const network = new PrivateNetwork("private", {
        ipRange: c.network.ipRange,
        subnet: c.network.subnet,
        networkZone: LOCATIONS[c.location].networkZone,
        labels: hetznerLabels(stack, "database"),
    });
    const afterSubnet = { dependsOn: [network.subnet] };
    const sshKeys = new SshKeys("admin", {
        publicKeys: c.admin.sshPublicKeys,
        labels: hetznerLabels(stack, "backend"),
    });
    const fleetFirewall = new AdminFirewall("fleet", {
        sshAllowedCidrs: c.admin.sshAllowedCidrs,
        labels: hetznerLabels(stack, "backend"),
    });
    const origin = originCertificate(c, hostnames);
    const secrets = stackSecrets(REPLICATED_SERVICE_PASSWORDS, origin);
    const common = { location, sshKeyIds: sshKeys.ids, firewallIds: [fleetFirewall.firewallId] };

    // The database tier: the primary, then the replicas cloning it; any of them may become the primary.
    const databaseGroup = new SpreadGroup("database", { labels: hetznerLabels(stack, "database") });
    nodeNames.forEach((nodeName, i) => {
        const ip = dbIps[i] as string;
        const placement = databasePlacement(ip, i === 0, endpoints);
        const memory = checkedMemory(
            planHostMemory(
                nodeName,
                c.workload,
                placement.local,
                ["postgres", "redis"],
                ramGb(database.type),
                c.memory.systemReserveMb,
            ),
            c.memory.maxOvercommit,
        );
        new DatabaseNode(
            `db-${nodeName}`,
            {
                ...common,
                serverType: database.type,
                image: database.image,
                subnetId: network.subnetId,
                privateIp: ip,
                placementGroupId: databaseGroup.placementGroupId,
                volumeGb: c.postgres.volumeGb,
                labels: hetznerLabels(stack, "database", true),
                userData: (volumeDevice) =>
                    pulumi.all([volumeDevice, secrets]).apply(
                        ([device, s]) =>
                            renderDatabaseHost({
                                stack,
                                workload: c.workload,
                                nodeName,
                                privateIp: ip,
                                subnetCidr: c.network.subnet,
                                ...(i > 0 ? { primaryIp } : {}),
                                replicaNames,
                                synchronous: c.replication.synchronous,
                                maxSlotWalKeepSizeGb: c.replication.maxSlotWalKeepSizeGb,
                                postgres: {
                                    database: c.postgres.database,
                                    user: c.postgres.user,
                                    volumeDevice: device,
                                    mountPoint: "/mnt/postgres",
                                },
                                backup: { ...c.backup, every: backupEvery("phase3") },
                                ...(sentinels.includes(ip) ? { sentinelQuorum: SENTINEL_QUORUM } : {}),
                                secrets: s,
                                host: {
                                    phase: c.phase,
                                    reservationsMb: memory.reservationsMb,
                                    placement,
                                    hostnames,
                                },
                            }).cloudConfig,
                    ),
            },
            afterSubnet,
        );
    });
    new RoleEndpoints(
        "db",
        {
            loadBalancerType: c.loadBalancer.type,
            location,
            subnetId: network.subnetId,
            writerIp,
            readerIp,
            targetSelector: `stack=${stack},role=database`,
            pgbouncerPort: PGBOUNCER_PORT,
            redisPort,
            healthPort: ROLE_HEALTH_PORT,
            labels: hetznerLabels(stack, "lb"),
        },
        afterSubnet,
    );

    // Stateless hosts: a config edit replaces them, the load balancer's health checks absorb it.
    const hostUserData = (name: string, type: string, ip: string, placement: HostPlacement) => {
        const memory = checkedMemory(
            planHostMemory(name, c.workload, placement.local, [], ramGb(type), c.memory.systemReserveMb),
            c.memory.maxOvercommit,
        );
        return pulumi.secret(
            secrets.apply(
                (s) =>
                    renderServiceHost({
                        stack,
                        phase: c.phase,
                        workload: c.workload,
                        reservationsMb: memory.reservationsMb,
                        placement,
                        hostnames,
                        postgres: { database: c.postgres.database, user: c.postgres.user },
                        secrets: s,
                        ...(sentinels.includes(ip)
                            ? {
                                  extra: {
                                      files: renderSentinelFiles({
                                          privateIp: ip,
                                          primaryIp,
                                          redisPort,
                                          quorum: SENTINEL_QUORUM,
                                          password: s.redisPassword,
                                      }),
                                      packages: ["redis-sentinel"],
                                      runcmd: [
                                          ["systemctl", "disable", "--now", "redis-sentinel.service"],
                                          ["systemctl", "daemon-reload"],
                                          ["systemctl", "enable", "--now", DATA_UNITS.sentinel],
                                      ],
                                  },
                              }
                            : {}),
                    }).cloudConfig,
            ),
        );
    };

    new FleetServer(
        "frontend",
        {
            ...common,
            serverType: frontend.type,
            image: frontend.image,
            subnetId: network.subnetId,
            privateIp: frontendIp,
            stateful: false,
            labels: hetznerLabels(stack, "frontend"),
            userData: hostUserData(
                "frontend",
                frontend.type,
                frontendIp,
                frontendPlacement(c.workload, frontendIp, backendIps[0] as string, endpoints),
            ),
        },
        afterSubnet,
    );
    const backendGroup = new SpreadGroup("backend", { labels: hetznerLabels(stack, "backend") });
    backendIps.forEach((ip, i) => {
        new FleetServer(
            `backend-${i + 1}`,
            {
                ...common,
                serverType: backend.type,
                image: backend.image,
                subnetId: network.subnetId,
                privateIp: ip,
                placementGroupId: backendGroup.placementGroupId,
                stateful: false,
                labels: hetznerLabels(stack, "backend"),
                userData: hostUserData(
                    `backend-${i + 1}`,
                    backend.type,
                    ip,
                    backendPlacement(c.workload, ip, frontendIp, endpoints),
                ),
            },
            afterSubnet,
        );
    });

    // The public entry: Cloudflare's origin is the load balancer, never a backend.
    const health = { path: c.workload.api.healthPath ?? "/", domain: hostnames.api };
    const lbIp = hostAddress(plan, "lb");
    const entry =
        c.loadBalancer.kind === "hetzner"
            ? new LoadBalancer(
                  "web",
                  {
                      loadBalancerType: c.loadBalancer.type,
                      location,
                      subnetId: network.subnetId,
                      privateIp: lbIp,
                      publicInterface: true,
                      targetSelector: `stack=${stack},role=backend`,
                      services: [
                          {
                              listenPort: HTTPS,
                              destinationPort: HTTPS,
                              health: { protocol: "http", port: HTTPS, tls: true, ...health },
                          },
                      ],
                      labels: hetznerLabels(stack, "lb"),
                  },
                  afterSubnet,
              )
            : haproxyServer();

    function haproxyServer(): { ipv4: pulumi.Output<string>; ipv6: pulumi.Output<string> } {
        const lb = c.servers.lb;
        if (!lb) throw new pulumi.RunError("loadBalancer.kind haproxy needs servers.lb");
        const firewall = new OriginFirewall("web", {
            sshAllowedCidrs: c.admin.sshAllowedCidrs,
            webAllowedCidrs: CLOUDFLARE_RANGES,
            labels: hetznerLabels(stack, "lb"),
        });
        const server = new FleetServer(
            "web",
            {
                ...common,
                firewallIds: [firewall.firewallId],
                serverType: lb.type,
                image: lb.image,
                subnetId: network.subnetId,
                privateIp: lbIp,
                stateful: false,
                labels: hetznerLabels(stack, "lb"),
                userData: renderHaproxyHost({
                    backends: backendIps.map((address, i) => ({
                        name: `backend-${i + 1}`,
                        address,
                        port: HTTPS,
                    })),
                    healthPath: health.path,
                    healthHost: health.domain,
                }),
            },
            afterSubnet,
        );
        return { ipv4: server.ipv4Address, ipv6: server.ipv6Address };
    }

    publishEdge(c, hostnames, entry);

    // ClawHQ agent hosts on the private network; the API servers reach their Docker API there, over mTLS.
    const agents = agentPoolOutputs(c, stack, sshKeys.ids, {
        apiServerAddresses: backendIps,
        network: { subnetId: network.subnetId, subnetCidr: c.network.subnet },
    });

    return {
        ...agents,
        entryIpv4: entry.ipv4,
        loadBalancer: c.loadBalancer.kind,
        privateAddresses: {
            backends: backendIps,
            frontend: frontendIp,
            database: Object.fromEntries(nodeNames.map((n, i) => [n, dbIps[i]])),
            writer: writerIp,
            reader: readerIp,
        },
        sentinels,
        urls: [`https://${hostnames.app}`, `https://${hostnames.api}`],
        externalCosts: [
            {
                item: "object storage for backups (outside Pulumi)",
                monthlyEur: c.backup.storageMonthlyEur,
                basis: "unverified",
            },
        ],
    };
}
