/**
 * The PromQL that measures each input key, in the matrix's units. The advisor's `--prometheus` mode and the
 * alert rules share these expressions, so an alert fires exactly when the advisor would count the trigger.
 *
 * What the hosts and the application must expose (the monitoring contract):
 * - node exporter: `node_cpu_seconds_total`, `node_memory_MemTotal_bytes`, `node_memory_MemAvailable_bytes`;
 * - postgres_exporter (or the api): `pg_database_size_bytes{datname}`;
 * - the api: `http_requests_total{status}` (counter, `status` the HTTP code such as "503") and the histogram
 *   `http_request_duration_seconds` with bucket bounds at 0.5, 1, 1.5 and 2 seconds (the p95 thresholds), and
 *   the gauges `chrono_active_users`, `chrono_concurrent_scrapes` (per worker, summed) and
 *   `chrono_revenue_eur_per_month` (monthly recurring revenue).
 * Multi-host phases take the busiest host for CPU and memory: one saturated host is what forces a move.
 */
import type { MetricInputKey } from "./matrix";

const GIB = 1073741824;

export const PROMQL: Readonly<Record<MetricInputKey, string>> = {
    cpuAvg7dPct: 'max(100 * (1 - avg by (instance) (rate(node_cpu_seconds_total{mode="idle"}[7d]))))',
    memoryUsedGb: `max(node_memory_MemTotal_bytes - node_memory_MemAvailable_bytes) / ${GIB}`,
    memoryUsedPct: "max(100 * (1 - node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes))",
    activeUsers: "max(chrono_active_users)",
    concurrentScrapes: "sum(chrono_concurrent_scrapes)",
    // Every node of a replicated tier reports the same databases: count each once, at its largest.
    databaseSizeGb: `sum(max by (datname) (pg_database_size_bytes)) / ${GIB}`,
    apiRequestsPerMin: "60 * sum(rate(http_requests_total[5m]))",
    revenueEurPerMonth: "max(chrono_revenue_eur_per_month)",
    p95ResponseMs:
        "1000 * histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket[5m])))",
    errorRatePct:
        '100 * sum(rate(http_requests_total{status=~"5.."}[5m])) / sum(rate(http_requests_total[5m]))',
};

/** How long a trigger must hold before its alert fires: the seed's "consistently", not a spike. */
export const HOLD_FOR: Readonly<Record<MetricInputKey, string>> = {
    // The expression is already a seven-day average.
    cpuAvg7dPct: "1h",
    memoryUsedGb: "1h",
    memoryUsedPct: "1h",
    activeUsers: "1h",
    concurrentScrapes: "30m",
    databaseSizeGb: "1h",
    apiRequestsPerMin: "30m",
    revenueEurPerMonth: "1h",
    p95ResponseMs: "30m",
    errorRatePct: "30m",
};
