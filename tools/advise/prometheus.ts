/**
 * Reads the advisor's measurements from a Prometheus HTTP API: one instant query per input key (the PromQL in
 * `core/scaling/promql.ts`). A query with no series means the metric is not exposed: the error names the key,
 * the query and the metric the application must export.
 */
import { METRIC_INPUT_KEYS, type MetricInputKey } from "../../core/scaling/matrix";
import {
    formatIssues,
    MeasurementsSchema,
    MetricsError,
    type Measurements,
} from "../../core/scaling/metrics";
import { PROMQL } from "../../core/scaling/promql";

const QUERY_TIMEOUT_MS = 10_000;

export class PrometheusError extends Error {}

interface QueryResponse {
    status?: string;
    error?: string;
    data?: { resultType?: string; result?: unknown };
}

/** The value of an instant query: a scalar, or a vector of exactly one sample (the queries aggregate). */
function valueOf(key: MetricInputKey, body: QueryResponse): number {
    const query = PROMQL[key];
    if (body.status !== "success" || !body.data)
        throw new PrometheusError(`${key}: query failed: ${body.error ?? "no data"} (query: ${query})`);
    const { resultType, result } = body.data;
    if (resultType === "scalar" && Array.isArray(result)) return Number(result[1]);
    if (resultType === "vector" && Array.isArray(result)) {
        const samples = result as { value?: [number, string] }[];
        if (samples.length === 0)
            throw new MetricsError(
                `${key}: Prometheus has no data for it (query: ${query}); check that its metrics are exposed and scraped`,
            );
        if (samples.length > 1)
            throw new PrometheusError(`${key}: expected one series, got ${samples.length} (query: ${query})`);
        return Number(samples[0]!.value?.[1]);
    }
    throw new PrometheusError(`${key}: unexpected result type ${String(resultType)} (query: ${query})`);
}

async function query(base: string, key: MetricInputKey): Promise<number> {
    const url = new URL("api/v1/query", base.endsWith("/") ? base : `${base}/`);
    url.searchParams.set("query", PROMQL[key]);
    let response: Response;
    try {
        response = await fetch(url, { signal: AbortSignal.timeout(QUERY_TIMEOUT_MS) });
    } catch (e) {
        const cause = (e as { cause?: { message?: string } }).cause?.message ?? (e as Error).message;
        throw new PrometheusError(`cannot reach Prometheus at ${base}: ${cause}`);
    }
    let body: QueryResponse;
    try {
        body = (await response.json()) as QueryResponse;
    } catch {
        throw new PrometheusError(
            `${key}: ${url.origin} answered HTTP ${response.status} without a JSON body`,
        );
    }
    return valueOf(key, body);
}

export async function fetchMeasurements(base: string): Promise<Measurements> {
    const settled = await Promise.allSettled(METRIC_INPUT_KEYS.map((k) => query(base, k)));
    const failed = settled.flatMap((r) => (r.status === "rejected" ? [r.reason as Error] : []));
    const fatal = failed.find((e) => !(e instanceof MetricsError));
    if (fatal) throw fatal;
    if (failed.length > 0)
        throw new MetricsError(
            `Missing metrics in Prometheus at ${base} (${failed.length}):\n${failed.map((e) => `  - ${e.message}`).join("\n")}`,
        );
    const raw: Record<string, number> = Object.fromEntries(
        METRIC_INPUT_KEYS.map((k, i) => [k, (settled[i] as PromiseFulfilledResult<number>).value]),
    );
    // Counts arrive as floats (sums of gauges); the matrix compares whole users and scrapes.
    raw["activeUsers"] = Math.round(raw["activeUsers"]!);
    raw["concurrentScrapes"] = Math.round(raw["concurrentScrapes"]!);
    const parsed = MeasurementsSchema.safeParse(raw);
    if (!parsed.success) throw new MetricsError(formatIssues(`Prometheus at ${base}`, parsed.error.issues));
    return parsed.data;
}
