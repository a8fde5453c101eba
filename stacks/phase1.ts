/**
 * Phase 1 (Chrono Phase 1, ClawHQ Tier 1): one server runs every service with Docker; Cloudflare fronts it.
 *
 *   Cloudflare (proxied DNS, SSL strict, HSTS, static cache) ──443──▶ firewall ──▶ app server (cx33)
 *     app server: Caddy ▸ API, frontend, workers, crawler ▸ Postgres (on a protected volume), Redis,
 *                 Meilisearch ▸ Prometheus, Grafana, node exporter ▸ daily pg_dump to S3
 *   app server ──mTLS 2376──▶ agent host pool (ClawHQ Tier 1: one cx43, ~50 free-tier containers, warm pool)
 */
import * as pulumi from "@pulumi/pulumi";
import { CLOUDFLARE_RANGES } from "../core/catalog/cloudflare";
import { SERVER_TYPES, type ServerTypeName } from "../core/catalog/hetzner";
import { renderAppHost, type AppHostSecrets } from "../core/render/machines/appHost";
import { planMemory } from "../core/workload/memoryPlan";
import { AppServer } from "../components/hetzner/appServer";
import { DataVolume } from "../components/hetzner/dataVolume";
import { availableLocation } from "../components/hetzner/location";
import { OriginFirewall } from "../components/hetzner/originFirewall";
import { SshKeys } from "../components/hetzner/sshKeys";
import { hetznerLabels } from "../core/contracts/labels";
import { agentPoolOutputs } from "./agents";
import type { CloudStackConfig } from "./config";
import { edgeHostnames, originCertificate, publishEdge } from "./edge";
import { SERVICE_PASSWORDS, stackSecrets } from "./secrets";

export function phase1Stack(c: CloudStackConfig, stack: string): Record<string, unknown> {
    const app = c.servers.app;
    const hostnames = edgeHostnames(c);
    const location = availableLocation(app.type, [c.location, ...c.fallbackLocations]);

    const sshKeys = new SshKeys("admin", {
        publicKeys: c.admin.sshPublicKeys,
        labels: hetznerLabels(stack, "app"),
    });
    const firewall = new OriginFirewall("origin", {
        sshAllowedCidrs: c.admin.sshAllowedCidrs,
        webAllowedCidrs: CLOUDFLARE_RANGES,
        labels: hetznerLabels(stack, "app"),
    });
    const origin = originCertificate(c, hostnames);
    const secrets: pulumi.Output<AppHostSecrets> = stackSecrets(SERVICE_PASSWORDS, origin);
    const postgresVolume = new DataVolume("postgres", {
        sizeGb: c.postgres.volumeGb,
        location,
        labels: hetznerLabels(stack, "app", true),
    });

    const memory = planMemory(
        c.workload,
        SERVER_TYPES[app.type as ServerTypeName].memoryGb,
        c.memory.systemReserveMb,
    );
    const userData = pulumi.all([postgresVolume.devicePath, secrets]).apply(
        ([volumeDevice, s]) =>
            renderAppHost({
                stack,
                workload: c.workload,
                reservationsMb: memory.reservationsMb,
                hostnames,
                postgres: {
                    database: c.postgres.database,
                    user: c.postgres.user,
                    volumeDevice,
                    mountPoint: "/mnt/postgres",
                },
                backup: { ...c.backup },
                secrets: s,
            }).cloudConfig,
    );

    const server = new AppServer("app", {
        serverType: app.type,
        image: app.image,
        location,
        sshKeyIds: sshKeys.ids,
        firewallIds: [firewall.firewallId],
        userData: pulumi.secret(userData),
        volumeId: postgresVolume.volumeId,
        labels: hetznerLabels(stack, "app", true),
    });

    publishEdge(c, hostnames, { ipv4: server.ipv4Address, ipv6: server.ipv6Address });

    const agents = agentPoolOutputs(c, stack, sshKeys.ids, {
        apiServerAddresses: [server.ipv4Address, server.ipv6Address],
    });

    return {
        ...agents,
        appIpv4: server.ipv4Address,
        appIpv6: server.ipv6Address,
        urls: [`https://${hostnames.app}`, `https://${hostnames.api}`],
        memory: { limitsMb: memory.limitsMb, usableMb: memory.usableMb, overcommit: memory.overcommit },
        externalCosts: [
            {
                item: "object storage for backups (outside Pulumi)",
                monthlyEur: c.backup.storageMonthlyEur,
                basis: "unverified",
            },
        ],
    };
}
