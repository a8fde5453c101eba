/**
 * Phase 4's edge: the zone's TLS settings and cache rule as in every phase, and Cloudflare Load Balancing in
 * place of DNS records: the app and API hostnames over every region's entry, the write hostname over pools that
 * pass only where Postgres is the primary. The subscription is a cost line of its own.
 */
import { CloudflareEdge } from "../../components/edge/cloudflareEdge";
import { CloudflareLoadBalancing } from "../../components/edge/cloudflareLoadBalancing";
import { LOCATIONS } from "../../core/catalog/hetzner";
import type { RegionConfig } from "../../core/config/regions";
import type { ConfigOf } from "../../core/config/schema";
import type { ExternalCost } from "../../core/cost/model";
import { priceLoadBalancing } from "../../core/edge/loadBalancing";
import { hostnameList, siteUrls, type Hostnames } from "./edge";
import type { Region } from "./region";

export interface GlobalEdge {
    readonly urls: string[];
    readonly writeUrl: string;
    readonly costs: ExternalCost[];
}

export function globalEdge(
    c: ConfigOf<"phase4">,
    stack: string,
    hostnames: Hostnames,
    regions: readonly { readonly config: RegionConfig; readonly fleet: Region }[],
): GlobalEdge {
    const write = hostnames.write;
    if (write === undefined) throw new Error("phase4's hostnames include the write hostname");
    new CloudflareEdge("edge", {
        zoneId: c.edge.zoneId,
        hostnames: hostnameList(hostnames),
        minTlsVersion: c.edge.minTlsVersion,
        hstsMaxAgeSeconds: c.edge.hstsMaxAgeSeconds,
    });
    const lb = new CloudflareLoadBalancing("edge-lb", {
        accountId: c.loadBalancing.accountId,
        zoneId: c.edge.zoneId,
        zone: c.edge.zone,
        hostnames: { app: hostnames.app, api: hostnames.api, write },
        regions: regions.map(({ config, fleet }, i) => ({
            name: config.name,
            networkZone: LOCATIONS[config.location].networkZone,
            primary: i === 0,
            entryIpv4: fleet.entryIpv4,
        })),
        config: c.loadBalancing,
        namePrefix: stack,
        ...(c.workload.api.healthPath ? { defaultHealthPath: c.workload.api.healthPath } : {}),
    });
    return {
        urls: siteUrls({ app: hostnames.app, api: hostnames.api }),
        writeUrl: `https://${write}`,
        costs: priceLoadBalancing(lb.plan).lines,
    };
}
