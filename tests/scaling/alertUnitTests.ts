/**
 * promtool unit tests generated from the trigger matrix: for every cell of a phase's transition, synthetic
 * series that put the measured value just over the threshold (the alert must fire) and at or just under it
 * (it must stay silent), and the three-or-more rule at its edge.
 */
import { buildAlertRules, MIGRATION_ALERT, triggerAlertName } from "../../core/render/monitoring/alertRules";
import {
    DEFAULT_MIN_TRIGGERS,
    TRIGGER_MATRIX,
    type MetricInputKey,
    type ScalablePhase,
    type TriggerCell,
} from "../../core/scaling/matrix";

const GIB = 1073741824;

interface Series {
    readonly series: string;
    readonly values: string;
}

interface SeriesCase {
    /** Samples one `interval` apart. */
    readonly interval: string;
    readonly evalTime: string;
    readonly series: readonly Series[];
}

/** A flat series of `samples` samples. */
const flat = (series: string, value: number, samples = 200): Series => ({
    series,
    values: `${value}+0x${samples}`,
});
/** A counter growing by `step` per sample. */
const counter = (series: string, step: number, samples = 200): Series => ({
    series,
    values: `0+${step}x${samples}`,
});

/** p95 buckets: the contract's bounds, in seconds. */
const BUCKETS = [0.25, 0.5, 1, 1.5, 2, 3];

/**
 * Request histogram whose p95 lies just over (fire) or just under (silent) `thresholdMs`: of 100 requests a
 * minute, 94 (fire) or 96 (silent) finish within the threshold's bucket, the rest in the bucket above.
 */
function p95Series(thresholdMs: number, fire: boolean): Series[] {
    const bound = thresholdMs / 1000;
    const within = fire ? 94 : 96;
    return [
        ...BUCKETS.map((le) =>
            counter(
                `http_request_duration_seconds_bucket{le="${le}"}`,
                le < bound ? 0 : le === bound ? within : 100,
            ),
        ),
        counter('http_request_duration_seconds_bucket{le="+Inf"}', 100),
    ];
}

/** Series whose measured value for `input` is `value` (or, for the histogram, just over/under it). */
function seriesFor(input: MetricInputKey, value: number, fire: boolean): SeriesCase {
    const minutes = { interval: "1m", evalTime: "2h" };
    switch (input) {
        case "cpuAvg7dPct":
            // Hourly idle-seconds counters over eight days; the second host idles, the busiest one counts.
            return {
                interval: "1h",
                evalTime: "8d",
                series: [
                    counter(
                        'node_cpu_seconds_total{instance="app-1",cpu="0",mode="idle"}',
                        36 * (100 - value),
                    ),
                    counter('node_cpu_seconds_total{instance="app-2",cpu="0",mode="idle"}', 3600),
                ],
            };
        case "memoryUsedGb":
            return {
                ...minutes,
                series: [
                    flat('node_memory_MemTotal_bytes{instance="app-1"}', 8 * GIB),
                    flat('node_memory_MemAvailable_bytes{instance="app-1"}', (8 - value) * GIB),
                ],
            };
        case "memoryUsedPct":
            return {
                ...minutes,
                series: [
                    flat('node_memory_MemTotal_bytes{instance="app-1"}', 100 * GIB),
                    flat('node_memory_MemAvailable_bytes{instance="app-1"}', (100 - value) * GIB),
                    flat('node_memory_MemTotal_bytes{instance="data-1"}', 100 * GIB),
                    flat('node_memory_MemAvailable_bytes{instance="data-1"}', 90 * GIB),
                ],
            };
        case "activeUsers":
            return { ...minutes, series: [flat("chrono_active_users", value)] };
        case "concurrentScrapes": {
            const half = Math.floor(value / 2);
            return {
                ...minutes,
                series: [
                    flat('chrono_concurrent_scrapes{instance="worker-1"}', half),
                    flat('chrono_concurrent_scrapes{instance="worker-2"}', value - half),
                ],
            };
        }
        case "databaseSizeGb":
            return {
                ...minutes,
                series: [
                    flat('pg_database_size_bytes{datname="app"}', (value - 1) * GIB),
                    flat('pg_database_size_bytes{datname="postgres"}', GIB),
                ],
            };
        case "apiRequestsPerMin":
            return { ...minutes, series: [counter('http_requests_total{status="200"}', value)] };
        case "revenueEurPerMonth":
            return { ...minutes, series: [flat("chrono_revenue_eur_per_month", value)] };
        case "p95ResponseMs":
            return { ...minutes, series: p95Series(value, fire) };
        case "errorRatePct":
            // 10,000 requests a minute, value% of them 5xx.
            return {
                ...minutes,
                series: [
                    counter('http_requests_total{status="200"}', 10000 - value * 100),
                    counter('http_requests_total{status="503"}', value * 100),
                ],
            };
    }
}

/** Just over the threshold: 1% over, at least one whole unit for counts. */
export function overValue(c: TriggerCell): number {
    return c.input === "activeUsers" || c.input === "concurrentScrapes"
        ? c.threshold + 1
        : c.threshold * 1.01;
}

/**
 * At the threshold for gauges (and the CPU average, which lands on it exactly); 1% under for values computed
 * from per-second rates over a window, whose last bit at the threshold depends on float rounding.
 */
export function silentValue(c: TriggerCell): number {
    return c.input === "apiRequestsPerMin" || c.input === "errorRatePct" ? c.threshold * 0.99 : c.threshold;
}

export interface CellCase {
    readonly cell: TriggerCell;
    readonly fire: boolean;
    readonly value: number;
    readonly test: object;
}

function alertsOf(phase: ScalablePhase, minTriggers = DEFAULT_MIN_TRIGGERS) {
    const doc = buildAlertRules(phase, minTriggers) as {
        groups: {
            rules: { alert: string; labels: Record<string, string>; annotations: Record<string, string> }[];
        }[];
    };
    return doc.groups[0]!.rules;
}

export function cellCases(phase: ScalablePhase): CellCase[] {
    const rules = alertsOf(phase);
    return TRIGGER_MATRIX[phase].cells.flatMap((cell) =>
        [true, false].map((fire) => {
            const value = fire ? overValue(cell) : silentValue(cell);
            const s = seriesFor(cell.input, value, fire);
            const rule = rules.find((r) => r.alert === triggerAlertName(cell.metric))!;
            return {
                cell,
                fire,
                value,
                test: {
                    name: `${phase} ${cell.input} at ${value} ${fire ? "fires" : "stays silent"} (threshold ${cell.threshold})`,
                    interval: s.interval,
                    input_series: s.series,
                    alert_rule_test: [
                        {
                            eval_time: s.evalTime,
                            alertname: rule.alert,
                            exp_alerts: fire
                                ? [{ exp_labels: rule.labels, exp_annotations: rule.annotations }]
                                : [],
                        },
                    ],
                },
            };
        }),
    );
}

/** The migration alert with `held` gauge triggers over their thresholds (the others quiet). */
export function migrationCase(
    phase: ScalablePhase,
    held: number,
    minTriggers = DEFAULT_MIN_TRIGGERS,
): object {
    const t = TRIGGER_MATRIX[phase];
    const gauges: MetricInputKey[] = [
        "activeUsers",
        "concurrentScrapes",
        "revenueEurPerMonth",
        "databaseSizeGb",
    ];
    const series = gauges.flatMap((input, i) => {
        const cell = t.cells.find((c) => c.input === input)!;
        return seriesFor(input, i < held ? overValue(cell) : cell.threshold, true).series;
    });
    const rule = alertsOf(phase, minTriggers).find((r) => r.alert === MIGRATION_ALERT)!;
    return {
        name: `${phase} ${MIGRATION_ALERT} with ${held} triggers holding`,
        interval: "1m",
        input_series: series,
        alert_rule_test: [
            {
                eval_time: "2h",
                alertname: MIGRATION_ALERT,
                exp_alerts:
                    held >= minTriggers
                        ? [{ exp_labels: rule.labels, exp_annotations: rule.annotations }]
                        : [],
            },
        ],
    };
}
