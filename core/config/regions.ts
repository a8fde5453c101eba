/**
 * Phase 4's `regions`: one fleet per region in one stack. The first region listed is the primary (it holds the
 * writable database, in the EU for GDPR); every other region runs a standby. Each region has its own location,
 * fallbacks, private network and server sizes.
 */
import { z } from "zod";
import { Agents, agentsIssues } from "../capacity/config";
import { LOCATIONS } from "../catalog/hetzner";
import { placementIssues, type PlacementIssue } from "./placement";
import { DnsLabel, FleetServerSpec, LocationEnum, Network, Replication, ServerSpec } from "./sections";

export const RegionServers = z
    .object({
        /** The load-balanced backends (proxy, API, workers). */
        backend: FleetServerSpec,
        frontend: ServerSpec,
        /** Every database node of the region (its primary or standby leader and each replica). */
        database: ServerSpec,
        /** The HAProxy server, with `loadBalancer.kind: haproxy`. */
        lb: ServerSpec.optional(),
    })
    .strict();

export const Region = z
    .object({
        /** Names the region's resources and its `region` label, e.g. eu or us-east. */
        name: DnsLabel,
        location: LocationEnum,
        fallbackLocations: z.array(LocationEnum).default([]),
        network: Network,
        servers: RegionServers,
        replication: Replication.default(Replication.parse({})),
        /** The region's agent-host pools (ClawHQ Tier 4: EU, US-East, US-West), enterprise hosts included. */
        agents: Agents.optional(),
    })
    .strict();
export type RegionConfig = z.output<typeof Region>;

/** The primary region holds the writable database: the seeds keep it in the EU. */
const PRIMARY_ZONE = "eu-central";

export const Regions = z.array(Region).min(2, "needs a primary region and at least one other");

export function regionsIssues(
    regions: readonly RegionConfig[],
    loadBalancerKind: "hetzner" | "haproxy",
    systemReserveMb: number,
): PlacementIssue[] {
    const issues: PlacementIssue[] = [];
    const primary = regions[0];
    if (primary && LOCATIONS[primary.location].networkZone !== PRIMARY_ZONE)
        issues.push({
            path: ["regions", 0, "location"],
            message: `is the primary region's (the first listed) and must be in ${PRIMARY_ZONE} (fsn1, nbg1, hel1): list the EU region first`,
        });
    regions.forEach((r, i) => {
        const at = ["regions", i];
        const types = Object.entries(r.servers).map(([role, s]) => ({
            path: [...at, "servers", role, "type"],
            type: s.type,
        }));
        issues.push(...placementIssues(at, r.location, r.fallbackLocations, types));
        if (loadBalancerKind === "haproxy" && !r.servers.lb)
            issues.push({
                path: [...at, "servers", "lb"],
                message: "is required in every region with loadBalancer.kind haproxy",
            });
        if (r.agents)
            issues.push(
                ...agentsIssues(r.agents, [r.location, ...r.fallbackLocations], systemReserveMb).map(
                    (issue) => ({ ...issue, path: [...at, ...issue.path] }),
                ),
            );
        const earlier = regions.slice(0, i);
        if (earlier.some((o) => o.name === r.name))
            issues.push({
                path: [...at, "name"],
                message: `names another region too: region names must differ`,
            });
        if (earlier.some((o) => LOCATIONS[o.location].networkZone === LOCATIONS[r.location].networkZone))
            issues.push({
                path: [...at, "location"],
                message: `is in ${LOCATIONS[r.location].networkZone}, as another region is: each region is its own network zone`,
            });
        if (earlier.some((o) => o.network.ipRange === r.network.ipRange))
            issues.push({
                path: [...at, "network", "ipRange"],
                message: "is another region's range too: give each region its own 10.x.0.0/16",
            });
    });
    return issues;
}
