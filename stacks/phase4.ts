/**
 * Phase 4 (Chrono Phase 4, ClawHQ Tier 4): one fleet per region in one stack, behind Cloudflare Load Balancing.
 *
 *   Cloudflare LB: app. / api. (geo steering, or failover without the add-on)     write. (failover, EU first)
 *        ├── pool eu ──▶ EU entry (Hetzner LB) ──▶ backends, frontend   ─┐          pools checked on
 *        └── pool us-east ──▶ US entry ──▶ backends, frontend             │          /healthz/writable: 200
 *   each region: its own private network, fleet, Redis, agent pools       │          only where Postgres is
 *                                                                         ▼          the primary
 *   EU (primary): Patroni cluster + etcd ──async streaming over TLS (verify-full both ways, a permanent slot
 *                 per region, 5432 open only to the other regions' database addresses)──▶ US: Patroni standby
 *                 cluster with its own etcd (never one etcd across the Atlantic); promoted by hand (runbook)
 *   WAL archive and base backups from the primary region; reads and Redis stay regional.
 */
import * as pulumi from "@pulumi/pulumi";
import type { RegionConfig } from "../core/config/regions";
import type { ConfigOf } from "../core/config/schema";
import type { Phase4Outputs, RegionOutputs } from "../core/contracts/outputs";
import { privateAgentScrapeHosts, regionalAgentPoolOutputs } from "./parts/agents";
import { baseline, externalCosts } from "./parts/baseline";
import { REPLICATED_SERVICE_PASSWORDS } from "./parts/credentials";
import { crossRegionReplication, standbySlotName } from "./parts/crossRegion";
import { globalEdge } from "./parts/globalEdge";
import { region, type RegionalConfig } from "./parts/region";
import type { Exported } from "./outputs";

/** One region as phase 3's builder reads it: the stack's shared sections with the region's own. */
export function regionalConfig(c: ConfigOf<"phase4">, r: RegionConfig): RegionalConfig {
    const { regions: _regions, agents: _agents, ...shared } = c;
    const { name: _name, agents: _regionAgents, servers, ...own } = r;
    return {
        ...shared,
        ...own,
        // `app` is phase 3's default backend type; a region always names its backends.
        servers: { ...servers, app: { type: servers.backend.type, image: servers.backend.image } },
    };
}

export function phase4Stack(c: ConfigOf<"phase4">, stack: string): Exported<Phase4Outputs> {
    const [primary] = c.regions;
    if (!primary) throw new pulumi.RunError("phase4 needs at least two regions");
    const shared = baseline(c, stack, REPLICATED_SERVICE_PASSWORDS, "backend");
    const replication = crossRegionReplication(c, stack);

    const fleets = c.regions.map((r, i) => ({
        config: r,
        fleet: region(regionalConfig(c, r), {
            stack,
            names: { name: (resource) => `${r.name}-${resource}`, region: r.name },
            baseline: shared,
            writableCheck: true,
            // Each region's frontend scrapes its own region's pools.
            agentHosts: privateAgentScrapeHosts(r.agents, c.memory.systemReserveMb, r.network.subnet, r.name),
            ...(i === 0
                ? {
                      standbyRegions: c.regions
                          .slice(1)
                          .map((s) => ({ region: s.name, slotName: standbySlotName(s.name) })),
                  }
                : {}),
            crossRegion: { node: replication.node(i), patroniPasswords: replication.patroniPasswords },
        }),
    }));
    const edge = globalEdge(c, stack, shared.hostnames, fleets);

    const regions = Object.fromEntries(
        fleets.map(({ config, fleet }, i): [string, Exported<RegionOutputs>] => [
            config.name,
            {
                role: i === 0 ? "primary" : "standby",
                location: config.location,
                entryIpv4: fleet.entryIpv4,
                ...fleet.outputs,
                databasePublicIpv4: replication.publicIpv4s(i),
            },
        ]),
    );
    return {
        ...regionalAgentPoolOutputs(
            c,
            stack,
            shared.sshKeyIds,
            fleets.map(({ config, fleet }) => ({
                config,
                apiServerAddresses: fleet.backendIps,
                network: { subnetId: fleet.network.network.subnetId, subnetCidr: config.network.subnet },
            })),
        ),
        primaryRegion: primary.name,
        regions,
        loadBalancer: c.loadBalancer.kind,
        urls: edge.urls,
        writeUrl: edge.writeUrl,
        externalCosts: [...externalCosts(c), ...edge.costs],
    };
}
