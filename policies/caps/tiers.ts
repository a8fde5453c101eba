/** ClawHQ's agent pool tiers (seed: POOL_CONFIG): the most one tiered container or pod may be given. */
import { z } from "zod";
import { TIER_NAMES, TIERS } from "../../core/capacity/tiers";

export const Tier = z.strictObject({
    memoryMb: z.number().positive(),
    cpuShares: z.number().int().positive(),
});
export type Tier = z.infer<typeof Tier>;

export const tiersConfig = z
    .record(z.string(), Tier)
    // The seed's POOL_CONFIG, from the same table the agent pools are sized by.
    .default(
        Object.fromEntries(
            TIER_NAMES.map((t) => [t, { memoryMb: TIERS[t].memoryMb, cpuShares: TIERS[t].cpuShares }]),
        ),
    )
    .describe(
        "Per-tier maxima for containers and pods labelled phase-stacks/tier (memory in MiB, CPU in shares; 1024 shares = 1 CPU).",
    );
