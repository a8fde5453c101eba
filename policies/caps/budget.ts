/**
 * The stack's monthly cost, priced by the same catalog and cost model as the offline plan, stays within the seed
 * budget of its phase. Phases whose seed budget is open-ended ("EUR 200+") get an advisory instead.
 */
import { z } from "zod";
import { priceResources, round2 } from "../../core/cost/model";
import { PHASE_SPECS, PHASES, formatRange } from "../../core/phases";
import { stringMap } from "../lib/read";
import { PACK_FRAMEWORK, stackPolicy, type Judged } from "../lib/policy";

const Budget = z.strictObject({ min: z.number().min(0), max: z.number().min(0).optional() });
const SEED_BUDGETS = Object.fromEntries(PHASES.map((p) => [p, { ...PHASE_SPECS[p].budgetEur }]));
const AGENT_POOL_BUDGETS = Object.fromEntries(
    PHASES.flatMap((p) => {
        const line = PHASE_SPECS[p].agentPoolBudgetEur;
        return line ? [[p, line.eur]] : [];
    }),
);

/** Agent-pool resources (hcloud `role=agent` label) spend the ClawHQ agent line, not the phase budget. */
const isAgentPool = (r: Judged) => stringMap(r.props["labels"])["role"] === "agent";

function cost(resources: readonly Judged[], externalEur: number) {
    const report = priceResources(resources.map((r) => ({ type: r.type, name: r.name, props: r.props })));
    const top = [...report.lines]
        .sort((a, b) => b.monthlyEur - a.monthlyEur)
        .slice(0, 3)
        .map((l) => `${l.item} (${l.resource}) EUR ${l.monthlyEur}`);
    return { eur: round2(report.monthlyEur + externalEur), unpriced: report.unpriced, top };
}

export const monthlyBudget = stackPolicy({
    name: "stack-monthly-budget",
    description:
        "The stack's monthly cost (catalog prices, plus configured external costs) is at most its phase budget times the tolerance; agent-pool resources are held to the phase's ClawHQ agent-pool line instead.",
    concern: "caps",
    level: "mandatory",
    severity: "medium",
    framework: { ...PACK_FRAMEWORK, id: "PHS-CAPS-3" },
    remediation:
        "Choose smaller server types or fewer nodes, or move to the next phase; to accept it, raise tolerance or budgets in the pack config.",
    config: z.strictObject({
        budgets: z
            .record(z.string(), Budget)
            .default(SEED_BUDGETS)
            .describe("Monthly budget in EUR per stack (phase id), from the seeds."),
        tolerance: z
            .number()
            .positive()
            .default(1)
            .describe("Multiplier on budgets[stack].max before the cost counts as over budget."),
        externalEur: z
            .record(z.string(), z.number().min(0))
            .default({})
            .describe("Monthly EUR per stack for services that are not resources (added to the cost)."),
        agentPoolBudgets: z
            .record(z.string(), z.number().min(0))
            .default(AGENT_POOL_BUDGETS)
            .describe(
                "Monthly EUR per stack for agent-pool resources (label role=agent), judged apart from budgets; from the ClawHQ seed.",
            ),
    }),
    judge: (resources, config, ctx) => {
        const budget = ctx.phase === undefined ? undefined : config.budgets[ctx.phase];
        if (budget?.max === undefined || ctx.phase === undefined) return [];
        const agentLine = config.agentPoolBudgets[ctx.phase] ?? 0;
        const agents = agentLine > 0 ? resources.filter(isAgentPool) : [];
        const agentSet = new Set(agents);
        const c = cost(
            resources.filter((r) => !agentSet.has(r)),
            config.externalEur[ctx.phase] ?? 0,
        );
        const ceiling = round2(budget.max * config.tolerance);
        const problems = [];
        const a = cost(agents, 0);
        const agentCeiling = round2(agentLine * config.tolerance);
        if (a.eur > agentCeiling) {
            problems.push({
                field: "agent pool monthly cost",
                problem: `is EUR ${a.eur}, above the ${ctx.phase} agent-pool budget of EUR ${agentLine} (ceiling EUR ${agentCeiling} at tolerance ${config.tolerance}); largest: ${a.top.join(", ")}`,
                fix: "size the pools for fewer active users or smaller server types, or raise agentPoolBudgets in the pack config",
            });
        }
        if (c.unpriced.length) {
            problems.push({
                field: "monthly cost",
                problem: `cannot be proven within budget: the catalog has no price for ${c.unpriced.join(", ")}`,
                fix: "use catalog types or add them to core/catalog/hetzner.ts",
            });
        }
        if (c.eur > ceiling) {
            problems.push({
                field: "monthly cost",
                problem: `is EUR ${c.eur}, above the ${ctx.phase} budget of EUR ${formatRange(budget)} (ceiling EUR ${ceiling} at tolerance ${config.tolerance}); largest: ${c.top.join(", ")}`,
                fix: "shrink the stack or raise the budget in the pack config",
            });
        }
        return problems;
    },
});

export const openEndedBudget = stackPolicy({
    name: "stack-open-ended-budget",
    description:
        "Reports the monthly cost of stacks whose seed budget has no ceiling (EUR min+), since no ceiling can be enforced.",
    concern: "caps",
    level: "advisory",
    severity: "low",
    framework: { ...PACK_FRAMEWORK, id: "PHS-CAPS-4" },
    remediation:
        "Set budgets.<stack>.max in the stack-monthly-budget config to enforce a ceiling, then disable this advisory.",
    config: z.strictObject({}),
    judge: (resources, _config, ctx) => {
        const spec = PHASES.find((p) => p === ctx.phase);
        if (spec === undefined || PHASE_SPECS[spec].budgetEur.max !== undefined) return [];
        const c = cost(resources, 0);
        return [
            {
                field: "monthly cost",
                problem: `is EUR ${c.eur} (resources only) against the open-ended seed budget of EUR ${formatRange(PHASE_SPECS[spec].budgetEur)}, so no ceiling is enforced`,
                fix: "set a ceiling in the stack-monthly-budget config",
            },
        ];
    },
});
