/** CIS Docker 5.11 and 5.12: every Docker container has a memory cap and a hard CPU cap, within its pool tier. */
import { z } from "zod";
import { TIER_LABEL } from "../lib/labels";
import { resourcePolicy, type Problem } from "../lib/policy";
import { num, str, type Json } from "../lib/read";
import { T } from "../lib/types";
import { labels } from "../sandbox/docker/container";
import { CIS_DOCKER } from "../sandbox/docker/define";
import { tiersConfig, type Tier } from "./tiers";

function memoryProblems(props: Json, tier: Tier | undefined): Problem[] {
    const memory = num(props["memory"]);
    if (memory === undefined || memory <= 0) {
        return [
            {
                field: "memory",
                problem: "is not set, so the container can take all host memory",
                fix: "set memory (MB) to the service's limit",
                id: "CIS Docker Benchmark 5.11",
            },
        ];
    }
    const problems: Problem[] = [];
    if (num(props["memorySwap"]) === -1) {
        problems.push({
            field: "memorySwap",
            problem: "is -1 (unlimited swap), which defeats the memory limit",
            fix: "remove memorySwap or set it equal to memory",
            id: "CIS Docker Benchmark 5.11",
        });
    }
    if (tier && memory > tier.memoryMb) {
        problems.push({
            field: "memory",
            problem: `is ${memory} MB, above the tier maximum of ${tier.memoryMb} MB`,
            fix: `set memory to at most ${tier.memoryMb}`,
        });
    }
    return problems;
}

function cpuProblems(props: Json, tier: Tier | undefined): Problem[] {
    const cpus = Number(str(props["cpus"]) ?? NaN);
    const problems: Problem[] = [];
    if (!(cpus > 0)) {
        const quotaOnly = num(props["cpuQuota"]) !== undefined;
        problems.push({
            field: "cpus",
            problem: quotaOnly
                ? "is not set (cpuQuota is not applied to a running container on update)"
                : "is not set, so the container can use every host CPU",
            fix: 'set cpus, e.g. "0.5"',
            id: "CIS Docker Benchmark 5.12",
        });
    }
    if (tier) {
        const shares = num(props["cpuShares"]);
        if (shares === undefined || shares > tier.cpuShares) {
            problems.push({
                field: "cpuShares",
                problem:
                    shares === undefined
                        ? `is not set (the tier allows at most ${tier.cpuShares})`
                        : `is ${shares}, above the tier maximum of ${tier.cpuShares}`,
                fix: `set cpuShares to at most ${tier.cpuShares}`,
            });
        }
    }
    return problems;
}

export const dockerResourceLimits = resourcePolicy({
    name: "docker-resource-limits",
    description:
        "Every Docker container sets memory and cpus; a container labelled phase-stacks/tier stays within that tier's memory and CPU shares.",
    concern: "caps",
    level: "mandatory",
    severity: "high",
    framework: { ...CIS_DOCKER, id: "5.11/5.12" },
    remediation:
        'Set memory (MB) and cpus ("0.5") on every container; tiered agents also set cpuShares within the tier.',
    config: z.strictObject({ tiers: tiersConfig }),
    appliesTo: (type) => type === T.dockerContainer,
    judge: (r, config) => {
        const tierName = labels(r.props)[TIER_LABEL];
        const tier = tierName === undefined ? undefined : config.tiers[tierName];
        const unknownTier: Problem[] =
            tierName !== undefined && !tier
                ? [
                      {
                          field: `labels["${TIER_LABEL}"]`,
                          problem: `is "${tierName}", which is not a configured tier (${Object.keys(config.tiers).join(", ")})`,
                          fix: "use a configured tier or add it to the pack config",
                      },
                  ]
                : [];
        return [...unknownTier, ...memoryProblems(r.props, tier), ...cpuProblems(r.props, tier)];
    },
});
