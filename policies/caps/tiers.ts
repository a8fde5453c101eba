/** ClawHQ's agent pool tiers (seed: POOL_CONFIG): the most one tiered container or pod may be given. */
import { z } from "zod";

export const Tier = z.strictObject({
    memoryMb: z.number().positive(),
    cpuShares: z.number().int().positive(),
});
export type Tier = z.infer<typeof Tier>;

export const tiersConfig = z
    .record(z.string(), Tier)
    .default({
        free: { memoryMb: 256, cpuShares: 256 },
        pro: { memoryMb: 512, cpuShares: 512 },
        business: { memoryMb: 1024, cpuShares: 1024 },
        enterprise: { memoryMb: 2048, cpuShares: 2048 },
    })
    .describe(
        "Per-tier maxima for containers and pods labelled phase-stacks/tier (memory in MiB, CPU in shares; 1024 shares = 1 CPU).",
    );
