/**
 * CIS Docker 5.11 and 5.12: every Docker container has a memory cap and a CPU priority (cpu shares, which 5.12
 * asks for and the seed's pools set), within its pool tier. A hard `cpus` cap is good practice beyond the
 * benchmark, so its absence is advisory.
 */
import { z } from "zod";
import { TIER_LABEL } from "../lib/labels";
import { resourcePolicy, type Problem } from "../lib/policy";
import { num, str, type Json } from "../lib/read";
import { T } from "../lib/typeTokens";
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

const hardCpuCap = (props: Json) => Number(str(props["cpus"]) ?? NaN) > 0;

function cpuProblems(props: Json, tier: Tier | undefined): Problem[] {
    const problems: Problem[] = [];
    const shares = num(props["cpuShares"]);
    if (!(shares !== undefined && shares > 0) && !hardCpuCap(props)) {
        problems.push({
            field: "cpuShares",
            problem:
                "is not set and neither is cpus, so the container competes for CPU at the host's default priority",
            fix: "set cpuShares (1024 = one CPU's weight) or a cpus cap",
            id: "CIS Docker Benchmark 5.12",
        });
    }
    if (tier) {
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
        "Every Docker container sets memory and a CPU priority (cpuShares, or a cpus cap); a container labelled phase-stacks/tier stays within that tier's memory and CPU shares.",
    concern: "caps",
    level: "mandatory",
    severity: "high",
    framework: { ...CIS_DOCKER, id: "5.11/5.12" },
    remediation:
        "Set memory (MB) and cpuShares on every container; tiered agents keep cpuShares within the tier.",
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

export const dockerCpuCap = resourcePolicy({
    name: "docker-cpu-cap",
    description:
        "Every Docker container sets a hard cpus cap, so one container cannot take every CPU when idle peers leave room.",
    concern: "caps",
    level: "advisory",
    severity: "low",
    framework: { ...CIS_DOCKER, id: "5.12" },
    remediation: 'Set cpus (e.g. "0.5") on the container.',
    config: z.strictObject({}),
    appliesTo: (type) => type === T.dockerContainer,
    judge: (r) =>
        hardCpuCap(r.props)
            ? []
            : [
                  {
                      field: "cpus",
                      problem:
                          num(r.props["cpuQuota"]) !== undefined
                              ? "is not set (cpuQuota is not applied to a running container on update)"
                              : "is not set, so the container can use every host CPU its shares allow",
                      fix: 'set cpus, e.g. "0.5"',
                  },
              ],
});
