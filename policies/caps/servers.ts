/** Which Hetzner server types, and how many servers, each phase may run (sized by the seeds' topologies). */
import { z } from "zod";
import { SERVER_TYPES, SERVER_TYPE_NAMES } from "../../core/catalog/hetzner";
import { PACK_FRAMEWORK, resourcePolicy, stackPolicy } from "../lib/policy";
import { str } from "../lib/read";
import { T } from "../lib/typeTokens";

const byLine = (...lines: string[]) => SERVER_TYPE_NAMES.filter((n) => lines.includes(SERVER_TYPES[n].line));
const SHARED = byLine("cx", "cpx", "cax");
const DEDICATED_TO_32GB = byLine("ccx").filter((n) => SERVER_TYPES[n].memoryGb <= 32);

/** dev runs on local Docker; phases 1-2 stay on shared vCPU (Tier 2 may add a 32 GB dedicated agent host); later phases may use any type. */
const ALLOWED_DEFAULT: Record<string, string[]> = {
    dev: [],
    phase1: SHARED,
    phase2: [...SHARED, ...DEDICATED_TO_32GB],
    phase3: SERVER_TYPE_NAMES,
    phase4: SERVER_TYPE_NAMES,
    phase5: SERVER_TYPE_NAMES,
    "*": SERVER_TYPE_NAMES,
};

export const serverTypesAllowed = resourcePolicy({
    name: "hcloud-server-type-allowed",
    description: "Each hcloud Server uses a server type from the catalog that the stack's phase allows.",
    concern: "caps",
    level: "mandatory",
    severity: "medium",
    framework: { ...PACK_FRAMEWORK, id: "PHS-CAPS-1" },
    remediation:
        "Pick a type listed for the phase (core/catalog/hetzner.ts), or move the stack to the phase that needs it.",
    config: z.strictObject({
        allowedServerTypes: z
            .record(z.string(), z.array(z.string()))
            .default(ALLOWED_DEFAULT)
            .describe('Allowed server types per stack (phase id); "*" applies to stacks without an entry.'),
    }),
    appliesTo: (type) => type === T.hcloudServer,
    judge: (r, config, ctx) => {
        const type = str(r.props["serverType"]) ?? "";
        const key = ctx.phase !== undefined && ctx.phase in config.allowedServerTypes ? ctx.phase : "*";
        const allowed = config.allowedServerTypes[key] ?? [];
        if (!(type in SERVER_TYPES)) {
            return [
                {
                    field: "serverType",
                    problem: `"${type}" is not in the catalog (it may be deprecated, e.g. cx32 became cx33)`,
                    fix: "use a catalog type",
                },
            ];
        }
        return allowed.includes(type)
            ? []
            : [
                  {
                      field: "serverType",
                      problem: `"${type}" is not allowed in ${key === "*" ? "stacks without their own list" : key} (allowed: ${allowed.join(", ") || "none"})`,
                      fix: "use an allowed type or change the pack config",
                  },
              ];
    },
});

export const serverCount = stackPolicy({
    name: "hcloud-server-count",
    description:
        "A stack runs no more hcloud Servers than its phase allows (a guard against runaway loops and mis-sized pools).",
    concern: "caps",
    level: "mandatory",
    severity: "medium",
    framework: { ...PACK_FRAMEWORK, id: "PHS-CAPS-2" },
    remediation:
        "Reduce the node counts in the stack config, or raise maxServers for the stack in the pack config.",
    config: z.strictObject({
        maxServers: z
            .record(z.string(), z.number().int().min(0))
            .default({ dev: 0, phase1: 3, phase2: 5, phase3: 12, phase4: 30, phase5: 100 })
            .describe("Most hcloud Servers per stack (phase id); stacks without an entry are not limited."),
    }),
    judge: (resources, config, ctx) => {
        const max = ctx.phase === undefined ? undefined : config.maxServers[ctx.phase];
        const servers = resources.filter((r) => r.type === T.hcloudServer);
        return max === undefined || servers.length <= max
            ? []
            : [
                  {
                      field: "hcloud Servers",
                      problem: `number ${servers.length}, above the ${ctx.phase} maximum of ${max}`,
                      fix: "reduce node counts or raise maxServers",
                  },
              ];
    },
});
