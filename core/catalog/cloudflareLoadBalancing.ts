/**
 * Cloudflare Load Balancing: the subscription's prices and the limits a plan must stay inside.
 *
 * Data only. Load Balancing is a paid add-on bought per account ("choose your plan options" when enabling it,
 * cloudflare-docs `load-balancing/get-started/enable-load-balancing.mdx`), priced in USD. Only the starting
 * price is published where we could read it: the per-endpoint, health-check-region and Traffic steering
 * prices are not in Cloudflare's stored docs, so they carry no figure here and the cost function prices them
 * at 0 with basis "unverified" (the offline plan flags such lines). Read them in the dashboard when you
 * enable the add-on, and put the figure here with its date.
 */
import type { PriceBasis } from "./hetzner";

export interface UsdPrice {
    /** Per month; for endpoints and check regions per unit beyond `included`. */
    readonly monthlyUsd: number;
    /** Endpoints and check regions only: how many the subscription includes. */
    readonly included?: number;
    readonly basis: PriceBasis;
    /** Where the figure comes from. */
    readonly source: string;
    /** ISO date the figure was seen. */
    readonly seen: string;
}

/** A charge that exists but has no published figure we could read. */
export interface UnpublishedPrice {
    readonly monthlyUsd?: undefined;
    readonly source: string;
    readonly seen: string;
}

export type LoadBalancingPrice = UsdPrice | UnpublishedPrice;

const NOT_IN_DOCS =
    "not in Cloudflare's stored docs (cloudflare-docs load-balancing/, research/phase4-5-anchors.md section 1.1): the dashboard shows it under the add-on's plan options";

export const LOAD_BALANCING_PRICES = {
    /** The add-on's base subscription, per account. */
    subscription: {
        monthlyUsd: 5,
        basis: "quoted",
        source: 'cloudflare.com/plans, "Starting at $5/mo" (stored note quoted in research/phase4-5-anchors.md section 1.1)',
        seen: "2026-10-01",
    },
    /** Endpoints (origins) beyond what the base includes; how many it includes is not published either. */
    endpoints: { source: NOT_IN_DOCS, seen: "2026-10-01" },
    /** Health monitor regions a pool checks from ("Regional" mode: three data centres per region). */
    checkRegions: { source: NOT_IN_DOCS, seen: "2026-10-01" },
    /** The purchase that unlocks geo steering ("Traffic steering"), `steering-policies/standard-options.mdx`. */
    trafficSteering: { source: NOT_IN_DOCS, seen: "2026-10-01" },
    /**
     * Usage: authoritative DNS queries for each load-balanced hostname (community.cloudflare.com/t/72135);
     * proxied hostnames keep a 300 s TTL, which keeps the count low. Depends on traffic, so never a fixed line.
     */
    dnsQueries: {
        source: "usage-based, billed on authoritative DNS queries for the load-balanced hostnames (community.cloudflare.com/t/72135)",
        seen: "2026-10-01",
    },
} as const satisfies Record<string, LoadBalancingPrice>;

export type LoadBalancingPriceItem = keyof typeof LOAD_BALANCING_PRICES;

/**
 * Non-Enterprise limits, cloudflare-docs `load-balancing/reference/limitations.mdx` (seen 2026-10-01): 20 load
 * balancers, 20 pools, 20 endpoints, monitors at most 1.5 x the pools, intervals 15-3600 s. The monitor-settings
 * partial (`partials/load-balancing/monitor-settings-advanced.mdx`) sets the minimum interval by zone plan:
 * "60 (Pro), 15 (Business), and 10 (Enterprise)"; the config assumes Pro.
 */
export const LOAD_BALANCING_LIMITS = {
    loadBalancers: 20,
    pools: 20,
    endpoints: 20,
    monitorsPerPool: 1.5,
    minIntervalSeconds: { pro: 60, business: 15, enterprise: 10 },
    maxIntervalSeconds: 3600,
    /** `LoadBalancerPool.name`: "Only alphanumeric characters, hyphens, and underscores are allowed." */
    poolName: /^[A-Za-z0-9_-]+$/,
} as const;

/** Cloudflare's 13 load-balancing regions (`load-balancing/reference/region-mapping-api.mdx`). */
export const CLOUDFLARE_REGIONS = [
    "WNAM",
    "ENAM",
    "WEU",
    "EEU",
    "NSAM",
    "SSAM",
    "OC",
    "ME",
    "NAF",
    "SAF",
    "SAS",
    "SEAS",
    "NEAS",
] as const;

export type CloudflareRegion = (typeof CLOUDFLARE_REGIONS)[number];
