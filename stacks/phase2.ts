/**
 * Phase 2 (Chrono Phase 2, ClawHQ Tier 2): the app and the data are split over two servers on a private network.
 *
 *   Cloudflare ──443──▶ firewall ──▶ app server (cx23): Caddy ▸ API, frontend, workers, crawler
 *                                        │ private network 10.0.1.0/24
 *                                        ▼
 *   data server (cx23, no public ingress but SSH): PgBouncer ▸ Postgres (protected volume), Redis,
 *                                                  Meilisearch, Prometheus, Grafana ▸ base backups + WAL to S3
 */
import * as pulumi from "@pulumi/pulumi";
import { CLOUDFLARE_RANGES } from "../core/catalog/cloudflare";
import { LOCATIONS, SERVER_TYPES, type ServerTypeName } from "../core/catalog/hetzner";
import { PHASE_SPECS } from "../core/phases";
import { renderDatabaseHost } from "../core/render/machines/databaseHost";
import { renderServiceHost } from "../core/render/machines/serviceHost";
import { hostAddress, subnetPlan } from "../core/topology/subnetPlan";
import { hostMemoryProblem, planHostMemory, type HostMemoryPlan } from "../core/workload/memoryPlan";
import { dataEndpoints, phase2AppPlacement, phase2DataPlacement } from "../core/topology/placements";
import { DatabaseNode } from "../components/data/databaseNode";
import { FleetServer } from "../components/fleet/fleetServer";
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

/** Fails the deployment with the host and the fix when a host's containers overcommit its RAM. */
export function checkedMemory(plan: HostMemoryPlan, maxOvercommit: number): HostMemoryPlan {
    const problem = hostMemoryProblem(plan, maxOvercommit);
    if (problem) throw new pulumi.RunError(problem);
    return plan;
}

export function ramGb(type: string): number {
    return SERVER_TYPES[type as ServerTypeName].memoryGb;
}

export function backupEvery(phase: "phase2" | "phase3"): "daily" | "hourly" {
    const every = PHASE_SPECS[phase].backups.every;
    if (every !== "daily" && every !== "hourly")
        throw new Error(`${phase} backs up ${every}, not daily or hourly`);
    return every;
}

export function phase2Stack(c: CloudStackConfig, stack: string): Record<string, unknown> {
    const { app } = c.servers;
    const data = c.servers.data;
    if (!data) throw new pulumi.RunError("phase2 needs servers.data");
    const hostnames = edgeHostnames(c);
    // One location for both: the data server's Volume must sit where the server is.
    const location = availableLocation(data.type, [c.location, ...c.fallbackLocations]);
    const plan = subnetPlan(c.network.subnet);
    const appIp = hostAddress(plan, "app");
    const dataIp = hostAddress(plan, "data");
    const endpoints = dataEndpoints(c.workload, dataIp, dataIp);

    const network = new PrivateNetwork("private", {
        ipRange: c.network.ipRange,
        subnet: c.network.subnet,
        networkZone: LOCATIONS[c.location].networkZone,
        labels: hetznerLabels(stack, "data"),
    });
    const sshKeys = new SshKeys("admin", {
        publicKeys: c.admin.sshPublicKeys,
        labels: hetznerLabels(stack, "app"),
    });
    const originFirewall = new OriginFirewall("origin", {
        sshAllowedCidrs: c.admin.sshAllowedCidrs,
        webAllowedCidrs: CLOUDFLARE_RANGES,
        labels: hetznerLabels(stack, "app"),
    });
    const dataFirewall = new AdminFirewall("data", {
        sshAllowedCidrs: c.admin.sshAllowedCidrs,
        labels: hetznerLabels(stack, "data"),
    });
    const origin = originCertificate(c, hostnames);
    const secrets = stackSecrets(REPLICATED_SERVICE_PASSWORDS, origin);

    const appPlacement = phase2AppPlacement(appIp, endpoints);
    const dataPlacement = phase2DataPlacement(c.workload, dataIp, appIp, endpoints);
    const appMemory = checkedMemory(
        planHostMemory("app", c.workload, appPlacement.local, [], ramGb(app.type), c.memory.systemReserveMb),
        c.memory.maxOvercommit,
    );
    const dataMemory = checkedMemory(
        planHostMemory(
            "data",
            c.workload,
            dataPlacement.local,
            ["postgres", "redis"],
            ramGb(data.type),
            c.memory.systemReserveMb,
        ),
        c.memory.maxOvercommit,
    );

    const dataNode = new DatabaseNode(
        "data",
        {
            serverType: data.type,
            image: data.image,
            location,
            sshKeyIds: sshKeys.ids,
            firewallIds: [dataFirewall.firewallId],
            subnetId: network.subnetId,
            privateIp: dataIp,
            volumeGb: c.postgres.volumeGb,
            labels: hetznerLabels(stack, "data", true),
            userData: (volumeDevice) =>
                pulumi.all([volumeDevice, secrets]).apply(
                    ([device, s]) =>
                        renderDatabaseHost({
                            stack,
                            workload: c.workload,
                            nodeName: "primary",
                            privateIp: dataIp,
                            subnetCidr: c.network.subnet,
                            replicaNames: [],
                            synchronous: false,
                            maxSlotWalKeepSizeGb: c.replication.maxSlotWalKeepSizeGb,
                            postgres: {
                                database: c.postgres.database,
                                user: c.postgres.user,
                                volumeDevice: device,
                                mountPoint: "/mnt/postgres",
                            },
                            backup: { ...c.backup, every: backupEvery("phase2") },
                            secrets: s,
                            host: {
                                phase: c.phase,
                                reservationsMb: dataMemory.reservationsMb,
                                placement: dataPlacement,
                                hostnames,
                            },
                        }).cloudConfig,
                ),
        },
        { dependsOn: [network.subnet] },
    );

    const appServer = new FleetServer(
        "app",
        {
            serverType: app.type,
            image: app.image,
            location,
            sshKeyIds: sshKeys.ids,
            firewallIds: [originFirewall.firewallId],
            subnetId: network.subnetId,
            privateIp: appIp,
            stateful: false,
            labels: hetznerLabels(stack, "app"),
            userData: pulumi.secret(
                secrets.apply(
                    (s) =>
                        renderServiceHost({
                            stack,
                            phase: c.phase,
                            workload: c.workload,
                            reservationsMb: appMemory.reservationsMb,
                            placement: appPlacement,
                            hostnames,
                            postgres: { database: c.postgres.database, user: c.postgres.user },
                            secrets: s,
                        }).cloudConfig,
                ),
            ),
        },
        { dependsOn: [network.subnet] },
    );

    publishEdge(c, hostnames, { ipv4: appServer.ipv4Address, ipv6: appServer.ipv6Address });

    // ClawHQ agent hosts on the private network; the API servers reach their Docker API there, over mTLS.
    const agents = agentPoolOutputs(c, stack, sshKeys.ids, {
        apiServerAddresses: [appIp],
        network: { subnetId: network.subnetId, subnetCidr: c.network.subnet },
    });

    return {
        ...agents,
        appIpv4: appServer.ipv4Address,
        dataIpv4: dataNode.server.ipv4Address,
        privateAddresses: { app: appIp, data: dataIp },
        urls: [`https://${hostnames.app}`, `https://${hostnames.api}`],
        memory: Object.fromEntries(
            [appMemory, dataMemory].map((m) => [
                m.host,
                { limitsMb: m.limitsMb, usableMb: m.usableMb, overcommit: m.overcommit },
            ]),
        ),
        externalCosts: [
            {
                item: "object storage for backups (outside Pulumi)",
                monthlyEur: c.backup.storageMonthlyEur,
                basis: "unverified",
            },
        ],
    };
}
