/** The advisor's input: the current phase and one measurement per input key, validated with zod. */
import { z } from "zod";
import { METRIC_INPUT_KEYS, PRODUCTION_PHASES, type MetricInputKey, type ProductionPhase } from "./matrix";

/** "is missing" for an absent key; zod's own message (expected number, too big ...) otherwise. */
const number = () =>
    z.number({
        error: (issue) => (issue.input === undefined ? "is missing: add it as a number" : undefined),
    });
const percent = number().min(0).max(100);
const amount = number().min(0);

const MEASUREMENTS: Readonly<Record<MetricInputKey, z.ZodNumber>> = {
    cpuAvg7dPct: percent,
    memoryUsedGb: amount,
    memoryUsedPct: percent,
    activeUsers: amount.int(),
    concurrentScrapes: amount.int(),
    databaseSizeGb: amount,
    apiRequestsPerMin: amount,
    revenueEurPerMonth: amount,
    p95ResponseMs: amount,
    errorRatePct: percent,
};

/** "phase2", or the seed's bare phase number 2. */
const CurrentPhase = z.union(
    [
        z.enum(PRODUCTION_PHASES),
        z
            .number()
            .int()
            .min(1)
            .max(5)
            .transform((n) => `phase${n}` as ProductionPhase),
    ],
    { error: `must be one of ${PRODUCTION_PHASES.join(", ")} (or the seed's phase number 1-5)` },
);

export const MeasurementsSchema = z.strictObject(MEASUREMENTS);
export type Measurements = Readonly<z.infer<typeof MeasurementsSchema>>;

export const MetricsInputSchema = z.strictObject({ currentPhase: CurrentPhase, ...MEASUREMENTS });
export type MetricsInput = Readonly<{ currentPhase: ProductionPhase } & Measurements>;

export class MetricsError extends Error {}

/** Every problem at once, each naming its key; values are not echoed back. */
export function formatIssues(source: string, issues: readonly z.core.$ZodIssue[]): string {
    const lines = issues.map((i) => {
        const key = i.path.length > 0 ? i.path.join(".") : "(document)";
        return `  - ${key}: ${i.message}`;
    });
    return `Invalid metrics in ${source} (${issues.length} problem${issues.length === 1 ? "" : "s"}):\n${lines.join("\n")}\n  expected keys: currentPhase, ${METRIC_INPUT_KEYS.join(", ")}`;
}

export function parseMetrics(source: string, value: unknown): MetricsInput {
    const r = MetricsInputSchema.safeParse(value);
    if (!r.success) throw new MetricsError(formatIssues(source, r.error.issues));
    return r.data;
}
