/**
 * The `agents` config section: the agent-container host pools a stack runs (ClawHQ's per-user agents). A stack
 * without it has no pool (the Chrono Scraper seed has no agents). Expected active users per tier size the pools by
 * the seed's formula; enterprise customers get hosts of their own.
 */
import { z } from "zod";
import { SERVER_TYPE_NAMES, SERVER_TYPES, type LocationName } from "../catalog/hetzner";
import { cidrProblem, isWorldWide, parseCidr } from "../config/net";
import { containersPerNode } from "../workload/memoryPlan";
import { BUFFER_RATIO } from "./formula";
import { DEFAULT_SERVER_TYPES } from "./plan";
import { TIERS, type TierName } from "./tiers";

const ServerType = z.enum(SERVER_TYPE_NAMES as [string, ...string[]]);

const ApiCidr = z
    .string()
    .superRefine((s, ctx) => {
        const message = cidrProblem(s);
        if (message !== undefined) ctx.addIssue({ code: "custom", message });
    })
    .refine((s) => {
        const c = parseCidr(s);
        return c === undefined || !isWorldWide(c);
    }, "must not open the Docker API to the whole internet: list the API servers' addresses");

export const AgentTierPool = z
    .object({
        /** Active users expected on this tier (the formula's active_users). */
        activeUsers: z.number().int().min(0).max(1_000_000).default(0),
        /** Defaults to the seed's agent VPS (8 vCPU, 16 GB: cx43). */
        serverType: ServerType.optional(),
    })
    .strict();

export const EnterpriseCustomer = z
    .object({
        /** Becomes part of resource names and the `customer` label. */
        name: z
            .string()
            .regex(/^[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?$/, "must be a short DNS label such as acme"),
        activeUsers: z.number().int().min(1).max(100_000),
        serverType: ServerType.optional(),
    })
    .strict();

export const Agents = z
    .object({
        /** The agent image every container runs; pin a tag or a digest. */
        image: z
            .string()
            .regex(
                /^[a-z0-9][a-z0-9._/:@-]*$/,
                "must be an image reference such as ghcr.io/acme/agent:1.4.2",
            ),
        /** The formula's avg_containers_per_user. */
        containersPerUser: z.number().positive().max(20).default(1),
        /** The formula's headroom (0.3 in the seed); ClawHQ Tier 1 runs a single host, which is 0. */
        bufferRatio: z.number().min(0).max(2).default(BUFFER_RATIO),
        tiers: z
            .object({
                free: AgentTierPool.default({ activeUsers: 0 }),
                pro: AgentTierPool.default({ activeUsers: 0 }),
                business: AgentTierPool.default({ activeUsers: 0 }),
            })
            .strict()
            .default({ free: { activeUsers: 0 }, pro: { activeUsers: 0 }, business: { activeUsers: 0 } }),
        enterprise: z.array(EnterpriseCustomer).default([]),
        /** Addresses besides the stack's API servers that may reach the Docker API (2376), e.g. a hosted API. */
        dockerApiAllowedCidrs: z.array(ApiCidr).default([]),
        /** Seconds between warm-pool keeper passes. */
        keeperIntervalSeconds: z.number().int().min(5).max(3600).default(15),
    })
    .strict();
export type AgentsConfig = z.output<typeof Agents>;

type Issue = { path: (string | number)[]; message: string };

/** Checks that need the rest of the config: every pool's type is sold where the stack runs and holds a container. */
export function agentsIssues(
    agents: AgentsConfig,
    locations: readonly LocationName[],
    systemReserveMb: number,
): Issue[] {
    const issues: Issue[] = [];
    // A pool's type defaults per tier; the default must be sold where the stack runs, too.
    const check = (path: (string | number)[], tier: TierName, explicit: string | undefined) => {
        const typeName = explicit ?? DEFAULT_SERVER_TYPES[tier];
        const type = SERVER_TYPES[typeName as keyof typeof SERVER_TYPES];
        if (!locations.some((l) => type.locations.includes(l)))
            issues.push({
                path,
                message: `is not sold in ${locations.join(", ")}; it is sold in ${type.locations.join(", ")}`,
            });
        if (containersPerNode(TIERS[tier], type.memoryGb, systemReserveMb) < 1)
            issues.push({
                path,
                message: `${typeName} (${type.memoryGb} GB) cannot hold one ${TIERS[tier].memoryMb} MB ${tier} container plus the ${systemReserveMb} MB system reserve`,
            });
    };
    for (const tier of ["free", "pro", "business"] as const)
        if (agents.tiers[tier].activeUsers > 0 || agents.tiers[tier].serverType !== undefined)
            check(["agents", "tiers", tier, "serverType"], tier, agents.tiers[tier].serverType);
    agents.enterprise.forEach((c, i) =>
        check(["agents", "enterprise", i, "serverType"], "enterprise", c.serverType),
    );
    const names = agents.enterprise.map((c) => c.name);
    names.forEach((n, i) => {
        if (names.indexOf(n) !== i)
            issues.push({
                path: ["agents", "enterprise", i, "name"],
                message: `repeats "${n}": customers need distinct names`,
            });
    });
    return issues;
}
