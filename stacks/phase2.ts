/**
 * Phase 2 (Chrono Phase 2, ClawHQ Tier 2): the app and the data are split over two servers on a private network.
 *
 *   Cloudflare ──443 (origin pulls)──▶ firewall ──▶ app server (cx23): Caddy ▸ API, frontend, workers, crawler
 *                                        │ private network 10.0.1.0/24
 *                                        ▼
 *   database server (cx23, no public ingress but SSH): PgBouncer ▸ Postgres (protected volume), Redis,
 *                                                      Meilisearch, Prometheus, Grafana ▸ base backups + WAL to S3
 */
import * as pulumi from "@pulumi/pulumi";
import { CLOUDFLARE_RANGES } from "../core/catalog/cloudflare";
import { hetznerLabels } from "../core/contracts/labels";
import { hostAddress } from "../core/topology/subnetPlan";
import { sshFromAdmins, webFromCloudflare } from "../core/topology/firewallRules";
import {
    dataEndpoints,
    phase2AppPlacement,
    phase2DataPlacement,
    withTelemetry,
} from "../core/topology/placements";
import { HostFirewall } from "../components/hetzner/hostFirewall";
import { availableLocation } from "../components/hetzner/location";
import { Server } from "../components/hetzner/server";
import type { ConfigOf } from "../core/config/schema";
import { agentPoolOutputs, privateAgentScrapeHosts } from "./parts/agents";
import { appHostUserData } from "./parts/appHosts";
import { uptimeTargets } from "../core/render/monitoring/uptime";
import { baseline, externalCosts } from "./parts/baseline";
import { REPLICATED_SERVICE_PASSWORDS } from "./parts/credentials";
import { adminFirewall, dataTier } from "./parts/dataTier";
import { publishEdge, siteUrls } from "./parts/edge";
import { memoryOutput } from "./parts/memory";
import { privateNetwork } from "./parts/network";
import type { Phase2Outputs } from "../core/contracts/outputs";
import type { Exported } from "./outputs";

export function phase2Stack(c: ConfigOf<"phase2">, stack: string): Exported<Phase2Outputs> {
    const { app, data } = c.servers;
    if (!data) throw new pulumi.RunError("phase2 needs servers.data");
    // One location for both: the database server's Volume must sit where the server is.
    const location = availableLocation(data.type, [c.location, ...c.fallbackLocations]);
    const net = privateNetwork(c, stack);
    const appIp = hostAddress(net.plan, "app");
    const dataIp = hostAddress(net.plan, "data");
    const endpoints = dataEndpoints(c.workload, dataIp, dataIp);
    const { hostnames, sshKeyIds, secrets } = baseline(c, stack, REPLICATED_SERVICE_PASSWORDS, "app");

    const dataPlacement = withTelemetry(
        phase2DataPlacement(c.workload, dataIp, appIp, endpoints),
        c.workload,
        dataIp,
    );
    const database = dataTier(c, stack, {
        phase: "phase2",
        nodes: [
            {
                resourceName: "data",
                nodeName: "primary",
                host: "data",
                ip: dataIp,
                placement: dataPlacement,
                sentinel: false,
                // The data server's Prometheus reads its own exporters and the other hosts' node exporters.
                prometheus: {
                    databaseNodes: [{ name: "data", ip: dataIp }],
                    hosts: [{ name: "app", ip: appIp }],
                    agentHosts: privateAgentScrapeHosts(c.agents, c.memory.systemReserveMb, c.network.subnet),
                    // Cloudflare's origin is the app server, which the data server reaches privately.
                    uptime: uptimeTargets(hostnames, c.workload, [appIp]),
                },
            },
        ],
        sshKeyIds,
        firewallIds: [adminFirewall(c, stack, "data", "database").firewallId],
        secrets,
        hostnames,
        location,
        network: net,
        spread: false,
    });
    const [dataNode] = database.nodes;
    const [dataMemory] = database.memory;
    if (!dataNode || !dataMemory) throw new pulumi.RunError("phase2's data tier is one node");

    const originFirewall = new HostFirewall(
        "origin",
        {
            rules: [...sshFromAdmins(c.admin.sshAllowedCidrs), ...webFromCloudflare(CLOUDFLARE_RANGES)],
            labels: hetznerLabels(stack, "app"),
        },
        { aliases: [{ type: "phase-stacks:hetzner:OriginFirewall" }] },
    );
    const appHost = appHostUserData(c, stack, hostnames, secrets, {
        name: "app",
        serverType: app.type,
        ip: appIp,
        placement: withTelemetry(phase2AppPlacement(appIp, endpoints), c.workload, dataIp),
    });
    // Replaceable, delete first: no load balancer here, so a user-data edit is minutes of downtime (README).
    const appServer = new Server(
        "app",
        {
            durability: "replaceable",
            serverType: app.type,
            image: app.image,
            location,
            sshKeyIds,
            firewallIds: [originFirewall.firewallId],
            userData: appHost.userData,
            network: { subnetId: net.network.subnetId, ip: appIp },
            labels: hetznerLabels(stack, "app"),
        },
        { ...net.afterSubnet, aliases: [{ type: "phase-stacks:fleet:FleetServer" }] },
    );
    publishEdge(c, hostnames, { ipv4: appServer.ipv4Address, ipv6: appServer.ipv6Address });

    return {
        // ClawHQ agent hosts on the private network; the API servers reach their Docker API there, over mTLS.
        ...agentPoolOutputs(c, stack, sshKeyIds, {
            apiServerAddresses: [appIp],
            network: { subnetId: net.network.subnetId, subnetCidr: c.network.subnet },
        }).outputs,
        appIpv4: appServer.ipv4Address,
        dataIpv4: dataNode.server.ipv4Address,
        privateAddresses: { app: appIp, data: dataIp },
        urls: siteUrls(hostnames),
        memory: { app: memoryOutput(appHost.memory), data: memoryOutput(dataMemory) },
        externalCosts: externalCosts(c),
    };
}
