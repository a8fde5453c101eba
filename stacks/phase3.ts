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
import type { ConfigOf } from "../core/config/schema";
import type { Phase3Outputs } from "../core/contracts/outputs";
import { agentPoolOutputs, privateAgentScrapeHosts } from "./parts/agents";
import { baseline, externalCosts } from "./parts/baseline";
import { REPLICATED_SERVICE_PASSWORDS } from "./parts/credentials";
import { publishEdge, siteUrls } from "./parts/edge";
import { region } from "./parts/region";
import type { Exported } from "./outputs";

export function phase3Stack(c: ConfigOf<"phase3">, stack: string): Exported<Phase3Outputs> {
    if (!c.servers.frontend || !c.servers.database)
        throw new pulumi.RunError("phase3 needs servers.frontend and servers.database");
    const shared = baseline(c, stack, REPLICATED_SERVICE_PASSWORDS, "backend");
    const fleet = region(c, {
        stack,
        baseline: shared,
        agentHosts: privateAgentScrapeHosts(c.agents, c.memory.systemReserveMb, c.network.subnet),
    });
    publishEdge(c, shared.hostnames, { ipv4: fleet.entryIpv4, ipv6: fleet.entryIpv6 });

    return {
        // ClawHQ agent hosts on the private network; the API servers reach their Docker API there, over mTLS.
        ...agentPoolOutputs(c, stack, shared.sshKeyIds, {
            apiServerAddresses: fleet.backendIps,
            network: { subnetId: fleet.network.network.subnetId, subnetCidr: c.network.subnet },
        }).outputs,
        entryIpv4: fleet.entryIpv4,
        loadBalancer: c.loadBalancer.kind,
        ...fleet.outputs,
        urls: siteUrls(shared.hostnames),
        externalCosts: externalCosts(c),
    };
}
