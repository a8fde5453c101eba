import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { MetricsError } from "../../core/scaling/metrics";
import { fetchMeasurements, PrometheusError } from "../../tools/advise/prometheus";
import { removeDir, tempDir } from "../render/fixtures";
import { compiled, ROOT } from "../helpers/build";
import { startPrometheus, type Family, type RunningPrometheus } from "./promServer";

const GIB = 1073741824;
const NOW = Math.floor(Date.now() / 1000);
/** The last half hour, a sample a minute (what the instant and 5m-rate queries read). */
const RECENT = Array.from({ length: 30 }, (_, i) => NOW - 1800 + 60 * (i + 1));
/** Eight days hourly, then the recent half hour: the seven-day CPU average. */
const LONG = [...Array.from({ length: 8 * 24 - 1 }, (_, i) => NOW - 8 * 86400 + 3600 * i), ...RECENT];

const gauge = (name: string, labels: string, value: number): Family => ({
    name,
    type: "gauge",
    series: [{ labels: `${name}${labels}`, at: () => value, times: RECENT }],
});
/** A counter rising `perSecond` from zero at the first sample. */
const rising = (series: string, perSecond: number, times = RECENT) => ({
    labels: series,
    at: (t: number) => perSecond * (t - times[0]!),
    times,
});

/** A phase-4 install past three phase-4 -> phase-5 triggers: users, revenue and API requests. */
const PHASE4_BUSY: Family[] = [
    {
        name: "node_cpu_seconds",
        type: "counter",
        series: [rising('node_cpu_seconds_total{instance="app-1",cpu="0",mode="idle"}', 0.5, LONG)],
    },
    gauge("node_memory_MemTotal_bytes", '{instance="app-1"}', 64 * GIB),
    gauge("node_memory_MemAvailable_bytes", '{instance="app-1"}', 16 * GIB),
    gauge("chrono_active_users", "", 12000),
    {
        name: "chrono_concurrent_scrapes",
        type: "gauge",
        series: [1, 2].map((w) => ({
            labels: `chrono_concurrent_scrapes{instance="worker-${w}"}`,
            at: () => 150,
            times: RECENT,
        })),
    },
    gauge("pg_database_size_bytes", '{datname="app"}', 300 * GIB),
    gauge("chrono_revenue_eur_per_month", "", 20000),
    {
        name: "http_requests",
        type: "counter",
        series: [
            rising('http_requests_total{status="200"}', 200),
            rising('http_requests_total{status="503"}', 0.01),
        ],
    },
    {
        name: "http_request_duration_seconds",
        type: "histogram",
        series: [
            ...[
                ["0.25", 190],
                ["0.5", 198],
                ["1", 200],
                ["1.5", 200],
                ["2", 200],
                ["+Inf", 200],
            ].map(([le, n]) => rising(`http_request_duration_seconds_bucket{le="${le}"}`, Number(n))),
            rising("http_request_duration_seconds_count", 200),
            rising("http_request_duration_seconds_sum", 40),
        ],
    },
];

const dirs: string[] = [];
let busy: RunningPrometheus;
let empty: RunningPrometheus;

beforeAll(async () => {
    const [a, b] = [tempDir("prom-busy"), tempDir("prom-empty")];
    dirs.push(a, b);
    [busy, empty] = await Promise.all([startPrometheus(a, PHASE4_BUSY), startPrometheus(b, [])]);
});

afterAll(async () => {
    await Promise.all([busy?.stop(), empty?.stop()]);
    dirs.forEach(removeDir);
});

describe("reading the metrics from a real Prometheus (loopback, backfilled TSDB)", () => {
    it("measures every input key with the documented PromQL", async () => {
        const m = await fetchMeasurements(busy.url);
        expect(m.cpuAvg7dPct).toBeCloseTo(50, 0);
        expect(m.memoryUsedGb).toBe(48);
        expect(m.memoryUsedPct).toBe(75);
        expect(m.activeUsers).toBe(12000);
        expect(m.concurrentScrapes).toBe(300);
        expect(m.databaseSizeGb).toBe(300);
        expect(m.apiRequestsPerMin).toBeCloseTo(200.01 * 60, 3);
        expect(m.revenueEurPerMonth).toBe(20000);
        expect(m.p95ResponseMs).toBeCloseTo(250, 6);
        expect(m.errorRatePct).toBeCloseTo((0.01 / 200.01) * 100, 6);
    });

    it("names every metric Prometheus has no data for", async () => {
        const e = await fetchMeasurements(empty.url).catch((x: unknown) => x);
        expect(e).toBeInstanceOf(MetricsError);
        for (const key of ["cpuAvg7dPct", "activeUsers", "databaseSizeGb", "p95ResponseMs", "errorRatePct"])
            expect((e as Error).message).toMatch(new RegExp(`^ {2}- ${key}: Prometheus has no data`, "m"));
    });

    it("says so when nothing listens at the URL", async () => {
        const url = empty.url;
        await empty.stop();
        const e = await fetchMeasurements(url).catch((x: unknown) => x);
        expect(e).toBeInstanceOf(PrometheusError);
        expect((e as Error).message).toContain(`cannot reach Prometheus at ${url}`);
    });

    it("`npm run advise -- --prometheus URL --phase phase4 --json` recommends phase 5 on three triggers", () => {
        const r = spawnSync(
            process.execPath,
            [compiled("tools/advise/cli"), "--prometheus", busy.url, "--phase", "phase4", "--json"],
            { cwd: ROOT, encoding: "utf8", timeout: 120_000 },
        );
        expect(r.stderr).toBe("");
        expect(r.status).toBe(0);
        const advice = JSON.parse(r.stdout) as {
            recommendedPhase: string;
            migrate: boolean;
            triggersMet: { metric: string }[];
            runbook: { from: string; to: string }[];
        };
        expect(advice).toMatchObject({ recommendedPhase: "phase5", migrate: true });
        expect(advice.triggersMet.map((t) => t.metric)).toEqual([
            "activeUsers",
            "apiRequestsPerMin",
            "revenueEurPerMonth",
        ]);
        expect(new Set(advice.runbook.map((s) => `${s.from}->${s.to}`))).toEqual(new Set(["phase4->phase5"]));
    });
});
