/**
 * Phase 1 (Chrono Phase 1, ClawHQ Tier 1): one server runs every service with Docker; Cloudflare fronts it.
 *
 *   Cloudflare (proxied DNS, SSL strict, HSTS, origin pulls, static cache) ──443──▶ firewall ──▶ app server (cx33)
 *     app server: Caddy ▸ API, frontend, workers, crawler ▸ Postgres (on a protected volume), Redis,
 *                 Meilisearch ▸ Prometheus, Grafana, node exporter ▸ daily pg_dump to S3
 *   app server ──mTLS 2376──▶ agent host pool (ClawHQ Tier 1: one cx43, ~50 free-tier containers, warm pool)
 *   app server's Prometheus ──9100 (public, firewalled to the app server)──▶ each agent host's node exporter
 */
import * as pulumi from "@pulumi/pulumi";
import { CLOUDFLARE_RANGES } from "../core/catalog/cloudflare";
import { hetznerLabels } from "../core/contracts/labels";
import { renderAppHost } from "../core/render/machines/appHost";
import { sshFromAdmins, webFromCloudflare } from "../core/topology/firewallRules";
import { planMemory } from "../core/workload/memoryPlan";
import { DataVolume } from "../components/hetzner/dataVolume";
import { HostFirewall } from "../components/hetzner/hostFirewall";
import { availableLocation } from "../components/hetzner/location";
import { Server } from "../components/hetzner/server";
import type { ConfigOf } from "../core/config/schema";
import type { AgentScrapeHost } from "../core/render/monitoring/nodeExporter";
import { agentPoolOutputs } from "./parts/agents";
import { baseline, externalCosts } from "./parts/baseline";
import { SERVICE_PASSWORDS } from "./parts/credentials";
import { publishEdge, siteUrls } from "./parts/edge";
import { memoryOutput, ramGb } from "./parts/memory";
import { phase1RolloutNotes } from "./parts/rollout";
import type { Phase1Outputs } from "../core/contracts/outputs";
import type { Exported } from "./outputs";

export function phase1Stack(c: ConfigOf<"phase1">, stack: string): Exported<Phase1Outputs> {
    const app = c.servers.app;
    const location = availableLocation(app.type, [c.location, ...c.fallbackLocations]);
    const { hostnames, sshKeyIds, secrets } = baseline(c, stack, SERVICE_PASSWORDS, "app");
    const firewall = new HostFirewall(
        "origin",
        {
            rules: [...sshFromAdmins(c.admin.sshAllowedCidrs), ...webFromCloudflare(CLOUDFLARE_RANGES)],
            labels: hetznerLabels(stack, "app"),
        },
        { aliases: [{ type: "phase-stacks:hetzner:OriginFirewall" }] },
    );
    const postgresVolume = new DataVolume("postgres", {
        sizeGb: c.postgres.volumeGb,
        location,
        labels: hetznerLabels(stack, "app", true),
    });
    const memory = planMemory(c.workload, ramGb(app.type), c.memory.systemReserveMb);
    // The app server's Prometheus scrapes the agent hosts, which are built after it (their firewall admits the
    // app server's addresses): their exporters' addresses are resolved below, once the pools exist.
    const [agentHosts, resolveAgentHosts] = pulumi.deferredOutput<AgentScrapeHost[]>();
    const userData = pulumi.all([postgresVolume.devicePath, secrets, agentHosts]).apply(
        ([volumeDevice, s, agentScrapeHosts]) =>
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
                prometheus: { agentHosts: agentScrapeHosts },
                ...(c.alertReceiver ? { alertReceiver: c.alertReceiver } : {}),
            }).cloudConfig,
    );
    // Stateful: it runs Postgres, so config edits never rebuild it (see rolloutNotes).
    const server = new Server(
        "app",
        {
            durability: "stateful",
            serverType: app.type,
            image: app.image,
            location,
            sshKeyIds,
            firewallIds: [firewall.firewallId],
            userData: pulumi.secret(userData),
            volumeId: postgresVolume.volumeId,
            labels: hetznerLabels(stack, "app", true),
        },
        { aliases: [{ type: "phase-stacks:hetzner:AppServer" }] },
    );
    publishEdge(c, hostnames, { ipv4: server.ipv4Address, ipv6: server.ipv6Address });

    // No private network: the agent hosts' exporters listen on their public IPv4, open only to this server's.
    const agents = agentPoolOutputs(c, stack, sshKeyIds, {
        apiServerAddresses: [server.ipv4Address, server.ipv6Address],
        prometheusAddresses: [server.ipv4Address],
    });
    resolveAgentHosts(agents.scrapeHosts);

    return {
        ...agents.outputs,
        appIpv4: server.ipv4Address,
        appIpv6: server.ipv6Address,
        urls: siteUrls(hostnames),
        memory: memoryOutput(memory),
        rolloutNotes: phase1RolloutNotes(hostnames, app.image),
        externalCosts: externalCosts(c),
    };
}
