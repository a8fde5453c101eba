/**
 * The Cloudflare Load Balancing plan of phase 4, as plain data: which monitors, pools and load balancers exist
 * and how they point at each other. components/edge/cloudflareLoadBalancing.ts turns it into resources.
 *
 * Two monitors: the app/API health path, and the writable path (200 only where Postgres is the primary).
 * Two pools per region, one per monitor, each holding the region's entry address. Three load balancers:
 * - app and API hostnames: with `geo` steering every Cloudflare region lists every pool, nearest first. A
 *   region whose only listed pool is down goes to the fallback pool, not to the default pools
 *   (`steering-policies/geo-steering.mdx`), so listing all of them keeps failover in distance order. With
 *   `off`, plain failover: the primary region first, then the others in config order.
 * - write hostname: always `off` over the write pools, primary first, so writes follow the writable database
 *   after a promotion with no DNS change. Load balancing rules cannot do this under geo steering
 *   (research/phase4-5-anchors.md section 0.3).
 */
import {
    CLOUDFLARE_REGIONS,
    LOAD_BALANCING_LIMITS,
    LOAD_BALANCING_PRICES,
    type CloudflareRegion,
    type LoadBalancingPrice,
    type LoadBalancingPriceItem,
} from "../catalog/cloudflareLoadBalancing";
import type { NetworkZone } from "../catalog/hetzner";
import type { LoadBalancingConfig, SteeringMode } from "../config/loadBalancing";
import { round2, type ExternalCost } from "../cost/model";
import { USD_PER_EUR } from "../phases";

/**
 * The Cloudflare regions a Hetzner network zone sits in: its pools are health-checked from there. Hetzner's
 * EU locations are Falkenstein and Nuremberg (Germany, WEU) and Helsinki (Finland, EEU); Ashburn is ENAM,
 * Hillsboro WNAM, Singapore SEAS.
 */
export const ZONE_REGIONS: Readonly<Record<NetworkZone, readonly CloudflareRegion[]>> = {
    "eu-central": ["WEU", "EEU"],
    "us-east": ["ENAM"],
    "us-west": ["WNAM"],
    "ap-southeast": ["SEAS"],
};

/**
 * For each Cloudflare region, Hetzner's network zones from nearest to farthest by typical round-trip time
 * (backbone routes, not great-circle distance): South America reaches Ashburn first, the Middle East and
 * Africa reach Europe first, Oceania and Asia reach Singapore first.
 */
export const ZONE_PREFERENCE: Readonly<Record<CloudflareRegion, readonly NetworkZone[]>> = {
    WNAM: ["us-west", "us-east", "eu-central", "ap-southeast"],
    ENAM: ["us-east", "us-west", "eu-central", "ap-southeast"],
    WEU: ["eu-central", "us-east", "us-west", "ap-southeast"],
    EEU: ["eu-central", "us-east", "ap-southeast", "us-west"],
    NSAM: ["us-east", "us-west", "eu-central", "ap-southeast"],
    SSAM: ["us-east", "us-west", "eu-central", "ap-southeast"],
    OC: ["ap-southeast", "us-west", "us-east", "eu-central"],
    ME: ["eu-central", "ap-southeast", "us-east", "us-west"],
    NAF: ["eu-central", "us-east", "ap-southeast", "us-west"],
    SAF: ["eu-central", "us-east", "ap-southeast", "us-west"],
    SAS: ["ap-southeast", "eu-central", "us-west", "us-east"],
    SEAS: ["ap-southeast", "us-west", "eu-central", "us-east"],
    NEAS: ["ap-southeast", "us-west", "us-east", "eu-central"],
};

export interface LoadBalancedRegion {
    /** The region's name from config (a DNS label): names its pools and their resources. */
    readonly name: string;
    readonly networkZone: NetworkZone;
    readonly primary: boolean;
}

export interface LoadBalancingHostnames {
    readonly app: string;
    readonly api: string;
    readonly write: string;
}

export interface LoadBalancingPlanInput {
    /** Primary first: the region whose Postgres is the primary. */
    readonly regions: readonly LoadBalancedRegion[];
    readonly hostnames: LoadBalancingHostnames;
    /** The zone's name: monitors emulate it (`probeZone`) so their probes carry the zone's origin-pull certificate. */
    readonly zone: string;
    /** Prefixes pool names, which are account-wide: the stack name keeps two stacks' pools apart. */
    readonly namePrefix: string;
    readonly config: LoadBalancingConfig;
    /** The app monitor's path when `monitor.path` is unset (the API's health path). */
    readonly defaultHealthPath?: string;
}

export type MonitorKind = "app" | "write";

export interface MonitorPlan {
    readonly kind: MonitorKind;
    readonly type: "https";
    readonly method: "GET";
    readonly path: string;
    /** The `Host` header, also the TLS server name the probe sends. */
    readonly host: string;
    readonly expectedCodes: string;
    readonly intervalSeconds: number;
    readonly timeoutSeconds: number;
    readonly retries: number;
    readonly consecutiveDown: number;
    readonly consecutiveUp: number;
    readonly allowInsecure: boolean;
    readonly followRedirects: false;
    readonly probeZone: string;
    readonly description: string;
}

export interface PoolPlan {
    /** Stable within the plan: `<monitor kind>:<region name>`; balancers refer to pools by it. */
    readonly key: string;
    readonly name: string;
    readonly region: string;
    readonly monitor: MonitorKind;
    readonly checkRegions: readonly CloudflareRegion[];
    readonly healthSources?: readonly ["regional", "global"];
    readonly minimumOrigins: 1;
    /** The origin's name inside the pool; its address is the region's entry IPv4. */
    readonly originName: string;
    /** False for a fenced region: Cloudflare sends it nothing, healthy or not. */
    readonly enabled: boolean;
    readonly description: string;
}

export type BalancerRole = "app" | "api" | "write";

export interface BalancerPlan {
    readonly role: BalancerRole;
    readonly hostname: string;
    readonly steeringPolicy: SteeringMode;
    /** Pool keys, failover order. */
    readonly defaultPools: readonly string[];
    readonly fallbackPool: string;
    /** Pool keys per Cloudflare region, nearest first; only with geo steering. */
    readonly regionPools?: Readonly<Record<CloudflareRegion, readonly string[]>>;
    readonly failoverAcrossPools: boolean;
    readonly proxied: true;
    readonly description: string;
}

export interface LoadBalancingPlan {
    readonly steering: SteeringMode;
    readonly monitors: readonly MonitorPlan[];
    readonly pools: readonly PoolPlan[];
    readonly balancers: readonly BalancerPlan[];
    /** Origins over all pools: what Cloudflare's endpoint quota counts. */
    readonly endpoints: number;
    /** Every region some pool is health-checked from. */
    readonly checkRegions: readonly CloudflareRegion[];
}

export class LoadBalancingPlanError extends Error {
    constructor(problems: readonly string[]) {
        super(`Cloudflare load balancing cannot be planned:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
        this.name = "LoadBalancingPlanError";
    }
}

function inputProblems(input: LoadBalancingPlanInput): string[] {
    const problems: string[] = [];
    const { regions, hostnames } = input;
    if (regions.length === 0) problems.push("needs at least one region");
    const primaries = regions.filter((r) => r.primary);
    if (primaries.length !== 1)
        problems.push(
            `needs exactly one primary region, got ${primaries.length}: mark the first region primary`,
        );
    else if (!regions[0]?.primary)
        problems.push(`the primary region (${primaries[0]?.name}) must be listed first`);
    regions.forEach((r, i) => {
        if (regions.slice(0, i).some((o) => o.name === r.name))
            problems.push(`region name ${r.name} is used twice: region names must differ`);
        if (!(r.networkZone in ZONE_REGIONS))
            problems.push(`region ${r.name}: network zone ${r.networkZone} has no Cloudflare region mapping`);
    });
    const hosts = Object.values(hostnames);
    if (new Set(hosts).size !== hosts.length)
        problems.push(
            `the app, API and write hostnames must differ (${hosts.join(", ")}): change loadBalancing.writeHost`,
        );
    if (!LOAD_BALANCING_LIMITS.poolName.test(input.namePrefix))
        problems.push(
            `pool name prefix ${JSON.stringify(input.namePrefix)} may hold only letters, digits, - and _ (Cloudflare's pool names)`,
        );
    return problems;
}

function limitProblems(plan: Omit<LoadBalancingPlan, "steering" | "checkRegions">): string[] {
    const limits = LOAD_BALANCING_LIMITS;
    const problems: string[] = [];
    const regions = plan.pools.length / 2;
    if (plan.pools.length > limits.pools)
        problems.push(
            `${plan.pools.length} pools (two per region, ${regions} regions) exceed Cloudflare's ${limits.pools} for non-Enterprise accounts: at most ${limits.pools / 2} regions`,
        );
    if (plan.endpoints > limits.endpoints)
        problems.push(
            `${plan.endpoints} endpoints exceed Cloudflare's ${limits.endpoints} for non-Enterprise accounts: remove regions`,
        );
    if (plan.monitors.length > limits.monitorsPerPool * plan.pools.length)
        problems.push(
            `${plan.monitors.length} monitors exceed Cloudflare's ${limits.monitorsPerPool} x ${plan.pools.length} pools`,
        );
    if (plan.balancers.length > limits.loadBalancers)
        problems.push(`${plan.balancers.length} load balancers exceed Cloudflare's ${limits.loadBalancers}`);
    for (const p of plan.pools)
        if (!limits.poolName.test(p.name))
            problems.push(`pool name ${p.name} may hold only letters, digits, - and _`);
    return problems;
}

const poolKey = (kind: MonitorKind, region: string): string => `${kind}:${region}`;

/** Pools of one kind, nearest first for `cfRegion`; equally near regions keep config order (primary first). */
function nearestFirst(
    regions: readonly LoadBalancedRegion[],
    kind: MonitorKind,
    cfRegion: CloudflareRegion,
): string[] {
    const rank = (z: NetworkZone) => ZONE_PREFERENCE[cfRegion].indexOf(z);
    return regions
        .map((r, i) => ({ r, i }))
        .sort((a, b) => rank(a.r.networkZone) - rank(b.r.networkZone) || a.i - b.i)
        .map(({ r }) => poolKey(kind, r.name));
}

export function planLoadBalancing(input: LoadBalancingPlanInput): LoadBalancingPlan {
    const problems = inputProblems(input);
    if (problems.length > 0) throw new LoadBalancingPlanError(problems);
    const { regions, hostnames, config } = input;
    const m = config.monitor;
    const timings = {
        intervalSeconds: m.intervalSeconds,
        timeoutSeconds: m.timeoutSeconds,
        retries: m.retries,
        consecutiveDown: m.consecutiveDown,
        consecutiveUp: m.consecutiveUp,
        allowInsecure: m.allowInsecure,
    };
    const common = { type: "https", method: "GET", followRedirects: false, probeZone: input.zone } as const;
    const monitors: MonitorPlan[] = [
        {
            kind: "app",
            ...common,
            ...timings,
            path: m.path ?? input.defaultHealthPath ?? "/",
            host: hostnames.api,
            expectedCodes: "2xx",
            description: `${input.namePrefix}: app and API health (${hostnames.api})`,
        },
        {
            kind: "write",
            ...common,
            ...timings,
            path: m.writablePath,
            host: hostnames.write,
            expectedCodes: "200",
            description: `${input.namePrefix}: writable database (${hostnames.write})`,
        },
    ];
    const kinds: readonly MonitorKind[] = ["app", "write"];
    const pools: PoolPlan[] = kinds.flatMap((kind) =>
        regions.map((r) => ({
            key: poolKey(kind, r.name),
            name: `${input.namePrefix}-${r.name}-${kind}`,
            region: r.name,
            monitor: kind,
            checkRegions: ZONE_REGIONS[r.networkZone],
            ...(config.regionalHealth ? { healthSources: ["regional", "global"] as const } : {}),
            minimumOrigins: 1 as const,
            originName: `${r.name}-entry`,
            enabled: !config.fencedRegions.includes(r.name),
            description: `${input.namePrefix}: region ${r.name} (${r.networkZone}), ${kind === "app" ? "app and API" : "writes"}`,
        })),
    );
    const primary = regions[0]!.name;
    const inOrder = (kind: MonitorKind) => regions.map((r) => poolKey(kind, r.name));
    const geo = config.steering === "geo";
    const readBalancer = (role: "app" | "api"): BalancerPlan => ({
        role,
        hostname: hostnames[role],
        steeringPolicy: config.steering,
        defaultPools: inOrder("app"),
        fallbackPool: poolKey("app", primary),
        ...(geo
            ? {
                  regionPools: Object.fromEntries(
                      CLOUDFLARE_REGIONS.map((c) => [c, nearestFirst(regions, "app", c)]),
                  ) as Record<CloudflareRegion, string[]>,
              }
            : {}),
        failoverAcrossPools: true,
        proxied: true,
        description: `${input.namePrefix}: ${role}, ${geo ? "nearest region first" : "primary region first"}`,
    });
    const balancers: BalancerPlan[] = [
        readBalancer("app"),
        readBalancer("api"),
        {
            role: "write",
            hostname: hostnames.write,
            steeringPolicy: "off",
            defaultPools: inOrder("write"),
            fallbackPool: poolKey("write", primary),
            // A request refused at the connection (521-523) is retried in the next pool: after a promotion
            // it reaches the new primary before the monitor has noticed.
            failoverAcrossPools: true,
            proxied: true,
            description: `${input.namePrefix}: writes, to the region whose database is writable`,
        },
    ];
    const endpoints = pools.length;
    const limits = limitProblems({ monitors, pools, balancers, endpoints });
    if (limits.length > 0) throw new LoadBalancingPlanError(limits);
    const checkRegions = CLOUDFLARE_REGIONS.filter((c) => pools.some((p) => p.checkRegions.includes(c)));
    return { steering: config.steering, monitors, pools, balancers, endpoints, checkRegions };
}

export interface LoadBalancingCost {
    /** Lines for the stack's `externalCosts` output; unpublished prices are 0 with basis "unverified". */
    readonly lines: ExternalCost[];
    /** Items Cloudflare charges for that the catalog has no figure for: read them in the dashboard. */
    readonly unpriced: string[];
}

/**
 * The subscription's monthly cost for a plan, in EUR at `USD_PER_EUR`: the base subscription, the endpoints
 * and health-check regions beyond those it includes and, with geo steering, Traffic steering. Only the base
 * has a published figure (core/catalog/cloudflareLoadBalancing.ts); DNS-query usage depends on traffic and is
 * never a line.
 */
export function priceLoadBalancing(
    plan: Pick<LoadBalancingPlan, "steering" | "endpoints" | "checkRegions">,
    prices: Readonly<Record<LoadBalancingPriceItem, LoadBalancingPrice>> = LOAD_BALANCING_PRICES,
): LoadBalancingCost {
    const items: { key: LoadBalancingPriceItem; item: string; units?: number }[] = [
        { key: "subscription", item: "Cloudflare Load Balancing subscription" },
        {
            key: "endpoints",
            item: `Cloudflare Load Balancing endpoints (${plan.endpoints})`,
            units: plan.endpoints,
        },
        {
            key: "checkRegions",
            item: `Cloudflare Load Balancing health-check regions (${plan.checkRegions.length}: ${plan.checkRegions.join(", ")})`,
            units: plan.checkRegions.length,
        },
        ...(plan.steering === "geo"
            ? [{ key: "trafficSteering" as const, item: "Cloudflare Traffic steering (geo)" }]
            : []),
    ];
    const lines: ExternalCost[] = [];
    const unpriced: string[] = [];
    for (const { key, item, units } of items) {
        const price = prices[key];
        if (price.monthlyUsd === undefined) {
            unpriced.push(item);
            lines.push({
                item: `${item}: price not published, see the dashboard`,
                monthlyEur: 0,
                basis: "unverified",
            });
            continue;
        }
        const billed = units === undefined ? 1 : Math.max(0, units - (price.included ?? 0));
        const usd = billed * price.monthlyUsd;
        lines.push({ item, monthlyEur: round2(usd / USD_PER_EUR.rate), basis: price.basis });
    }
    return { lines, unpriced };
}
