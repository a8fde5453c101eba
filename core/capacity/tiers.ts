/**
 * ClawHQ's agent-container tiers (seed "Container Pool Management": POOL_CONFIG and PREWARMED_CONTAINERS), as
 * data. Memory is MiB, CPU shares are Docker's relative weight (1024 = one CPU's worth).
 */

export const TIER_NAMES = ["free", "pro", "business", "enterprise"] as const;
export type TierName = (typeof TIER_NAMES)[number];

export interface TierSpec {
    /** The seed's maxPerNode; undefined for a dedicated tier, whose hosts hold as many as their RAM allows. */
    readonly maxPerNode?: number;
    readonly memoryMb: number;
    readonly cpuShares: number;
    /** Hosts serve one customer only (the seed's Tier 4 "dedicated container nodes per enterprise customer"). */
    readonly dedicated: boolean;
    /** Idle containers kept ready per pool (PREWARMED_CONTAINERS; the seed keeps none for enterprise). */
    readonly prewarm: number;
}

export const TIERS: Readonly<Record<TierName, TierSpec>> = {
    free: { maxPerNode: 50, memoryMb: 256, cpuShares: 256, dedicated: false, prewarm: 20 },
    pro: { maxPerNode: 30, memoryMb: 512, cpuShares: 512, dedicated: false, prewarm: 10 },
    business: { maxPerNode: 15, memoryMb: 1024, cpuShares: 1024, dedicated: false, prewarm: 5 },
    enterprise: { memoryMb: 2048, cpuShares: 2048, dedicated: true, prewarm: 0 },
};

/**
 * Limits the seed does not give but the sandbox needs (CIS Docker 5.12, 5.29), ours: a hard CPU cap equal to the
 * tier's share of one CPU (shares / 1024), and a PIDs limit that stops a fork bomb long before the host's.
 */
export const SHARES_PER_CPU = 1024;
export const PIDS_LIMIT = 512;

export function cpuLimit(tier: TierSpec): number {
    return tier.cpuShares / SHARES_PER_CPU;
}
