/**
 * The seed's scaling triggers matrix (Chrono Scraper, "Scaling Triggers Matrix") as data: nine metrics, one
 * column per transition. Every threshold is a strict "greater than", as the seed writes it.
 *
 * Units: GB are GiB (2^30 bytes), the unit `free -g`, node exporter dashboards and Postgres' `pg_size_pretty`
 * print as "GB", so the seed's "1TB" is 1024 GB. Memory changes unit across the row: Phase 1→2 is absolute
 * (">6GB" of the 8 GB server), later columns are a share of the host's RAM, so the matrix names the input
 * key per cell.
 */
import type { Phase } from "../phases";

export const METRIC_NAMES = [
    "cpu",
    "memory",
    "activeUsers",
    "concurrentScrapes",
    "databaseSize",
    "apiRequests",
    "revenue",
    "p95ResponseTime",
    "errorRate",
] as const;
export type MetricName = (typeof METRIC_NAMES)[number];

/** The keys of the advisor's input (METRICS.json) that carry a measurement. */
export const METRIC_INPUT_KEYS = [
    "cpuAvg7dPct",
    "memoryUsedGb",
    "memoryUsedPct",
    "activeUsers",
    "concurrentScrapes",
    "databaseSizeGb",
    "apiRequestsPerMin",
    "revenueEurPerMonth",
    "p95ResponseMs",
    "errorRatePct",
] as const;
export type MetricInputKey = (typeof METRIC_INPUT_KEYS)[number];

export const INPUT_UNITS: Readonly<Record<MetricInputKey, string>> = {
    cpuAvg7dPct: "%",
    memoryUsedGb: "GB",
    memoryUsedPct: "%",
    activeUsers: "users",
    concurrentScrapes: "scrapes",
    databaseSizeGb: "GB",
    apiRequestsPerMin: "req/min",
    revenueEurPerMonth: "EUR/month",
    p95ResponseMs: "ms",
    errorRatePct: "%",
};

/** The seed's row titles, for reports. */
export const METRIC_TITLES: Readonly<Record<MetricName, string>> = {
    cpu: "CPU usage (7-day avg)",
    memory: "Memory usage",
    activeUsers: "Active users",
    concurrentScrapes: "Concurrent scrapes",
    databaseSize: "Database size",
    apiRequests: "API requests/min",
    revenue: "Revenue/month",
    p95ResponseTime: "Response time p95",
    errorRate: "Error rate",
};

export interface TriggerCell {
    readonly metric: MetricName;
    /** The input key this cell compares (memory switches from GB to % after Phase 1). */
    readonly input: MetricInputKey;
    /** The trigger holds when the measured value is strictly greater. */
    readonly threshold: number;
}

/** The phases the matrix leads out of, in order; phase5 is the last phase and has no trigger column. */
export const SCALABLE_PHASES = ["phase1", "phase2", "phase3", "phase4"] as const;
export type ScalablePhase = (typeof SCALABLE_PHASES)[number];
export const PRODUCTION_PHASES = ["phase1", "phase2", "phase3", "phase4", "phase5"] as const;
export type ProductionPhase = (typeof PRODUCTION_PHASES)[number];

export interface Transition {
    readonly from: ScalablePhase;
    readonly to: ProductionPhase;
    readonly cells: readonly TriggerCell[];
}

const GB_PER_TB = 1024;

function column(
    from: ScalablePhase,
    to: ProductionPhase,
    t: { readonly [K in MetricName]: number },
    memoryInput: "memoryUsedGb" | "memoryUsedPct",
): Transition {
    const input: Record<MetricName, MetricInputKey> = {
        cpu: "cpuAvg7dPct",
        memory: memoryInput,
        activeUsers: "activeUsers",
        concurrentScrapes: "concurrentScrapes",
        databaseSize: "databaseSizeGb",
        apiRequests: "apiRequestsPerMin",
        revenue: "revenueEurPerMonth",
        p95ResponseTime: "p95ResponseMs",
        errorRate: "errorRatePct",
    };
    return { from, to, cells: METRIC_NAMES.map((m) => ({ metric: m, input: input[m], threshold: t[m] })) };
}

export const TRIGGER_MATRIX: Readonly<Record<ScalablePhase, Transition>> = {
    phase1: column(
        "phase1",
        "phase2",
        {
            cpu: 70,
            memory: 6,
            activeUsers: 100,
            concurrentScrapes: 10,
            databaseSize: 20,
            apiRequests: 100,
            revenue: 500,
            p95ResponseTime: 2000,
            errorRate: 1,
        },
        "memoryUsedGb",
    ),
    phase2: column(
        "phase2",
        "phase3",
        {
            cpu: 75,
            memory: 85,
            activeUsers: 500,
            concurrentScrapes: 50,
            databaseSize: 50,
            apiRequests: 500,
            revenue: 2000,
            p95ResponseTime: 1500,
            errorRate: 0.5,
        },
        "memoryUsedPct",
    ),
    phase3: column(
        "phase3",
        "phase4",
        {
            cpu: 80,
            memory: 85,
            activeUsers: 2000,
            concurrentScrapes: 200,
            databaseSize: 200,
            apiRequests: 2000,
            revenue: 5000,
            p95ResponseTime: 1000,
            errorRate: 0.1,
        },
        "memoryUsedPct",
    ),
    phase4: column(
        "phase4",
        "phase5",
        {
            cpu: 85,
            memory: 90,
            activeUsers: 10000,
            concurrentScrapes: 1000,
            databaseSize: GB_PER_TB,
            apiRequests: 10000,
            revenue: 15000,
            p95ResponseTime: 500,
            errorRate: 0.05,
        },
        "memoryUsedPct",
    ),
};

/** The seed's "Migration Trigger Decision": migrate when three or more conditions hold. */
export const DEFAULT_MIN_TRIGGERS = 3;

export function isScalable(phase: Phase): phase is ScalablePhase {
    return (SCALABLE_PHASES as readonly string[]).includes(phase);
}
