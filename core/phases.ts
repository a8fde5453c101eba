/**
 * The phases of the two seed plans (Chrono Scraper scaling strategy, ClawHQ scaling plan), as data.
 * Budgets, user ranges, revenue targets, backup cadence and recovery objectives are the seeds' own figures.
 */

export const PHASES = ["dev", "phase1", "phase2", "phase3", "phase4", "phase5"] as const;
export type Phase = (typeof PHASES)[number];

export interface PhaseSpec {
    readonly title: string;
    /** The seed sections this phase implements. */
    readonly seeds: { readonly chrono: string; readonly clawhq: string };
    /** Active users the phase is sized for; `max` undefined means open-ended. */
    readonly users: { readonly min: number; readonly max?: number };
    /** The seed's monthly budget in EUR: `max` undefined means "EUR min+". */
    readonly budgetEur: { readonly min: number; readonly max?: number };
    readonly revenueTargetEur: { readonly min: number; readonly max?: number };
    /** The seed's cost per user in EUR (Chrono "Cost Analysis by Phase"), as printed there. */
    readonly costPerUserEur?: { readonly min: number; readonly max: number };
    /** Backup cadence and retention (Chrono "Backup Strategy"). */
    readonly backups: {
        readonly every: "none" | "daily" | "hourly" | "continuous";
        readonly retentionDays: number;
    };
    /**
     * ClawHQ prices its agent hosts apart from the rest ("Agent containers on a single $48/mo Hetzner VPS"), so a
     * stack's budget is the Chrono budget plus this line, which only agent-pool resources may spend.
     */
    readonly agentPoolBudgetEur?: AgentPoolBudget;
    /** Recovery objectives in minutes (Chrono "Disaster Recovery"). */
    readonly rtoMinutes?: number;
    readonly rpoMinutes?: number;
}

export interface AgentPoolBudget {
    readonly usd: number;
    readonly eur: number;
    /** The seed's words the figure comes from. */
    readonly seed: string;
}

/** The rate seed dollar figures are converted at: USD per EUR, dated; re-check before relying on it. */
export const USD_PER_EUR = {
    rate: 1.0411,
    date: "2025-02-28",
    source: "ECB euro reference rate of 2025-02-28 (as quoted by eurodripusa.net)",
} as const;

function agentPoolBudget(usd: number, seed: string): AgentPoolBudget {
    return { usd, eur: Math.round((usd / USD_PER_EUR.rate) * 100) / 100, seed };
}

export const PHASE_SPECS: Readonly<Record<Phase, PhaseSpec>> = {
    dev: {
        title: "Development: local Docker",
        seeds: { chrono: "Phase 0", clawhq: "docker-compose config" },
        users: { min: 1, max: 5 },
        budgetEur: { min: 0, max: 0 },
        revenueTargetEur: { min: 0, max: 0 },
        backups: { every: "none", retentionDays: 0 },
    },
    phase1: {
        title: "Initial production: one server",
        seeds: { chrono: "Phase 1", clawhq: "Tier 1" },
        users: { min: 0, max: 100 },
        budgetEur: { min: 25.85, max: 25.85 },
        agentPoolBudgetEur: agentPoolBudget(
            48,
            "ClawHQ Tier 1: a single $48/mo Hetzner VPS (8 vCPU, 16GB RAM)",
        ),
        revenueTargetEur: { min: 0, max: 500 },
        costPerUserEur: { min: 0.26, max: 2.58 },
        backups: { every: "daily", retentionDays: 7 },
        rtoMinutes: 240,
        rpoMinutes: 1440,
    },
    phase2: {
        title: "Service separation: app and data servers",
        seeds: { chrono: "Phase 2", clawhq: "Tier 2" },
        users: { min: 100, max: 500 },
        budgetEur: { min: 31.9, max: 31.9 },
        agentPoolBudgetEur: agentPoolBudget(
            96,
            "ClawHQ Tier 2: ~200 containers across 2 VPS nodes (two of Tier 1's $48/mo VPS)",
        ),
        revenueTargetEur: { min: 500, max: 2000 },
        costPerUserEur: { min: 0.06, max: 0.32 },
        backups: { every: "daily", retentionDays: 7 },
        rtoMinutes: 240,
        rpoMinutes: 1440,
    },
    phase3: {
        title: "Horizontal scaling: load-balanced fleet, replicated data",
        seeds: { chrono: "Phase 3", clawhq: "Tier 2/3" },
        users: { min: 500, max: 2000 },
        budgetEur: { min: 65.35, max: 65.35 },
        // Sized for the ~200 containers of Tier 2, which the seed prices as two of its $48 VPS.
        agentPoolBudgetEur: agentPoolBudget(
            96,
            "ClawHQ Tier 2: ~200 containers across 2 VPS nodes (two of Tier 1's $48/mo VPS)",
        ),
        revenueTargetEur: { min: 2000, max: 5000 },
        costPerUserEur: { min: 0.03, max: 0.13 },
        backups: { every: "hourly", retentionDays: 30 },
        rtoMinutes: 60,
        rpoMinutes: 60,
    },
    phase4: {
        title: "Multi-region: EU primary, US replica, CDN",
        seeds: { chrono: "Phase 4", clawhq: "Tier 4" },
        users: { min: 2000, max: 10000 },
        budgetEur: { min: 150, max: 200 },
        // ClawHQ prices Tier 4 as a whole ("$2,000-8,000/mo"); its lower bound caps the agent hosts and the
        // enterprise customers' dedicated nodes, which the Chrono budget above does not cover.
        agentPoolBudgetEur: agentPoolBudget(
            2000,
            "ClawHQ Tier 4: Cost $2,000-8,000/mo (the lower bound, for agent hosts and dedicated enterprise nodes)",
        ),
        revenueTargetEur: { min: 5000, max: 15000 },
        costPerUserEur: { min: 0.02, max: 0.1 },
        backups: { every: "hourly", retentionDays: 30 },
        rtoMinutes: 60,
        rpoMinutes: 60,
    },
    phase5: {
        title: "Enterprise: Kubernetes (k3s)",
        seeds: { chrono: "Phase 5", clawhq: "Tier 3/4" },
        users: { min: 10000 },
        budgetEur: { min: 200 },
        revenueTargetEur: { min: 15000 },
        costPerUserEur: { min: 0.02, max: 0.05 },
        backups: { every: "continuous", retentionDays: 90 },
        rtoMinutes: 15,
        rpoMinutes: 5,
    },
};

/** What a stack of the phase may cost a month: the seed budget plus its agent-pool line, if any. */
export function stackBudgetEur(phase: Phase): { readonly min: number; readonly max?: number } {
    const { budgetEur: b, agentPoolBudgetEur: agents } = PHASE_SPECS[phase];
    const add = (n: number) => Math.round((n + (agents?.eur ?? 0)) * 100) / 100;
    return b.max === undefined ? { min: add(b.min) } : { min: add(b.min), max: add(b.max) };
}

export function formatRange(r: { readonly min: number; readonly max?: number }, unit = ""): string {
    if (r.max === undefined) return `${unit}${r.min}+`;
    if (r.max === r.min) return `${unit}${r.min}`;
    return `${unit}${r.min}-${unit}${r.max}`;
}
