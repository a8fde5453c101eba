import { afterAll, describe, expect, it } from "vitest";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { toYaml } from "../../../core/render/base/yaml";
import { buildAlertRules } from "../../../core/render/monitoring/alertRules";
import {
    DASHBOARD_SCHEMA_VERSION,
    DASHBOARD_UIDS,
    PROMETHEUS_DATASOURCE,
    SCALING_DASHBOARD_FILE,
    STATIC_DASHBOARDS,
    TEXTFILE_METRICS,
    buildScalingDashboard,
    dashboardsFor,
    renderDashboard,
    shareOfThresholdExpr,
    type Dashboard,
    type DashboardPanel,
} from "../../../core/render/monitoring/dashboards";
import { buildReplicationRules, lagSecondsExpr } from "../../../core/render/monitoring/replicationRules";
import { buildUptimeRules } from "../../../core/render/monitoring/uptime";
import { DRAIN_BELOW, SCALE_UP_ABOVE } from "../../../core/capacity/scale";
import {
    DEFAULT_MIN_TRIGGERS,
    SCALABLE_PHASES,
    TRIGGER_MATRIX,
    type ScalablePhase,
} from "../../../core/scaling/matrix";
import { PROMQL } from "../../../core/scaling/promql";
import { PHASES } from "../../../core/phases";
import { asPromql, metricNames } from "../../helpers/promqlNames";
import { runTool } from "../../helpers/tools";
import { removeDir, tempDir } from "../fixtures";

const DIR = join(__dirname, "../../../core/render/monitoring/dashboards");

const dirs: string[] = [];
afterAll(() => dirs.forEach(removeDir));

/** Every dashboard any stack ships: the static three and one scaling board per scalable phase. */
const ALL: readonly Dashboard[] = [
    ...STATIC_DASHBOARDS.map((d) => d.dashboard),
    ...SCALABLE_PHASES.map((p) => buildScalingDashboard(p)),
];

// ---------------------------------------------------------------------------------------------------------------
// Queries

interface Query {
    readonly where: string;
    readonly expr: string;
}

function panelsOf(d: Dashboard): DashboardPanel[] {
    return d.panels.flatMap((p) => [p, ...((p.panels as DashboardPanel[] | undefined) ?? [])]);
}

function panelQueries(d: Dashboard): Query[] {
    return panelsOf(d).flatMap((p) =>
        (p.targets ?? []).map((t) => ({
            where: `${d.uid} panel ${p.id} (${p.title}) ${t.refId}`,
            expr: t.expr,
        })),
    );
}

/** A `label_values(<selector>, <label>)` variable reads `<selector>`; any other query variable is PromQL. */
function variableQueries(d: Dashboard): Query[] {
    return d.templating.list
        .filter((v) => v.type === "query")
        .map((v) => {
            const q = typeof v.query === "string" ? v.query : (v.query as { query: string }).query;
            const m = /^label_values\((.+),\s*[a-zA-Z_][a-zA-Z0-9_]*\)$/.exec(q);
            return { where: `${d.uid} variable ${v.name}`, expr: m ? m[1]! : q };
        });
}

const queriesOf = (d: Dashboard): Query[] => [...panelQueries(d), ...variableQueries(d)];

/** The expression with every string literal emptied: what is left is PromQL syntax, not matcher values. */
function stripStrings(expr: string): string {
    return expr.replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""');
}

function recordingRules(dashboards: readonly Dashboard[]): string {
    return toYaml({
        // One group and record-name prefix per dashboard: the scaling boards of two phases share a uid.
        groups: dashboards.map((d, g) => ({
            name: `dashboard-${g}-${d.uid}`,
            rules: queriesOf(d).map((q, i) => ({
                record: `dashboard:${g}_${d.uid.replace(/-/g, "_")}:q${i}`,
                expr: asPromql(q.expr),
            })),
        })),
    });
}

function promtoolCheck(rules: string): { status: number | null; output: string } {
    const dir = tempDir("dashboards");
    dirs.push(dir);
    const file = join(dir, "dashboards.rules.yml");
    writeFileSync(file, rules);
    return runTool("promtool", ["check", "rules", file]);
}

// ---------------------------------------------------------------------------------------------------------------
// Where each metric comes from

/** Series the repository's rules and its monitoring contract already name. */
function sourcedMetrics(): Map<string, string> {
    const sources = new Map<string, string>();
    const add = (source: string, exprs: readonly string[]) =>
        exprs.flatMap(metricNames).forEach((n) => sources.set(n, sources.get(n) ?? source));
    add("core/scaling/promql.ts (the monitoring contract)", Object.values(PROMQL));
    add(
        "core/render/monitoring/alertRules.ts",
        SCALABLE_PHASES.flatMap((p) =>
            (buildAlertRules(p) as { groups: { rules: { expr: string }[] }[] }).groups.flatMap((g) =>
                g.rules.map((r) => r.expr),
            ),
        ),
    );
    add(
        "core/render/monitoring/replicationRules.ts (postgres_exporter 0.11.1)",
        (
            buildReplicationRules({ standbyRegions: [{ region: "r", slotName: "s" }] }) as {
                groups: { rules: { expr: string }[] }[];
            }
        ).groups.flatMap((g) => g.rules.map((r) => r.expr)),
    );
    add(
        "core/render/monitoring/uptime.ts (blackbox_exporter)",
        (buildUptimeRules() as { groups: { rules: { expr: string }[] }[] }).groups.flatMap((g) =>
            g.rules.map((r) => r.expr),
        ),
    );
    return sources;
}

/**
 * Series the dashboards read that no rule file of the repository names, each with what produces it. A name here
 * that no dashboard uses fails the test, so the list cannot go stale.
 */
const ALLOWED: Readonly<Record<string, string>> = {
    // Prometheus itself: one series per scrape target of core/render/monitoring/prometheus.ts's jobs.
    up: "Prometheus (every scrape target)",
    // blackbox_exporter's http prober, for every probe of uptime.ts's http_public / http_origin modules.
    probe_duration_seconds: "blackbox_exporter",
    probe_ssl_earliest_cert_expiry: "blackbox_exporter (probes over TLS)",
    // node_exporter's filesystem collector: the compose nodeExporter service (core/render/app/composeServices.ts).
    node_filesystem_avail_bytes: "node_exporter",
    node_filesystem_size_bytes: "node_exporter",
    // postgres_exporter 0.11.1 (the version replicationRules.ts pins): pg_up is the exporter's own gauge, the
    // pg_stat_archiver_* series its built-in pg_stat_archiver map (cmd/postgres_exporter/postgres_exporter.go).
    pg_up: "postgres_exporter 0.11.1",
    pg_stat_archiver_last_archive_age: "postgres_exporter 0.11.1",
    pg_stat_archiver_archived_count: "postgres_exporter 0.11.1",
    pg_stat_archiver_failed_count: "postgres_exporter 0.11.1",
    // No source yet: the node_exporter textfile-collector contract the backup scripts and the warm-pool keeper
    // must write (TEXTFILE_METRICS in core/render/monitoring/dashboards.ts).
    ...Object.fromEntries(Object.keys(TEXTFILE_METRICS).map((k) => [k, "contract: TEXTFILE_METRICS"])),
};

function unknownMetrics(dashboards: readonly Dashboard[]): string[] {
    const sourced = sourcedMetrics();
    return dashboards.flatMap((d) =>
        queriesOf(d).flatMap((q) =>
            metricNames(q.expr)
                .filter((n) => !sourced.has(n) && !(n in ALLOWED))
                .map((n) => `${q.where}: ${n}`),
        ),
    );
}

// ---------------------------------------------------------------------------------------------------------------
// The trigger matrix

function panelWithExpr(d: Dashboard, expr: string): DashboardPanel[] {
    return panelsOf(d).filter((p) => p.type === "timeseries" && p.targets?.[0]?.expr === expr);
}

function redStep(p: DashboardPanel | undefined): number | null | undefined {
    return p?.fieldConfig?.defaults.thresholds?.steps.find((s) => s.color === "red")?.value;
}

/** Where the scaling board disagrees with the matrix column out of `phase` (empty when it agrees). */
function thresholdProblems(d: Dashboard, phase: ScalablePhase): string[] {
    const t = TRIGGER_MATRIX[phase];
    const problems: string[] = [];
    const cellPanels = panelsOf(d).filter((p) => p.type === "timeseries");
    if (cellPanels.length !== t.cells.length)
        problems.push(`${cellPanels.length} trigger panels for ${t.cells.length} cells`);
    const bars = panelsOf(d).find((p) => p.type === "bargauge");
    for (const c of t.cells) {
        const panels = panelWithExpr(d, PROMQL[c.input]);
        if (panels.length !== 1) problems.push(`${c.input}: ${panels.length} panels with its query`);
        const red = redStep(panels[0]);
        if (red !== c.threshold) problems.push(`${c.input}: threshold line at ${red}, matrix ${c.threshold}`);
        if (!bars?.targets?.some((x) => x.expr === shareOfThresholdExpr(c)))
            problems.push(`${c.input}: no bar of 100 * value / ${c.threshold}`);
    }
    const holding = panelsOf(d).find((p) => p.type === "stat");
    const expr = holding?.targets?.[0]?.expr ?? "";
    if (!expr.includes(`transition="${t.from}-to-${t.to}"`)) problems.push(`holding count: ${expr}`);
    if (redStep(holding) !== DEFAULT_MIN_TRIGGERS) problems.push(`holding count red at ${redStep(holding)}`);
    return problems;
}

// ---------------------------------------------------------------------------------------------------------------

describe("the PromQL of every dashboard", () => {
    it("passes `promtool check rules` as recording rules", () => {
        const rules = recordingRules(ALL);
        const count = ALL.reduce((n, d) => n + queriesOf(d).length, 0);
        expect(count).toBeGreaterThan(40);
        const r = promtoolCheck(rules);
        expect(r.output).toContain(`SUCCESS: ${count} rules found`);
        expect(r.output).not.toMatch(/warning|inconsistency|duplicate/i);
        expect(r.status).toBe(0);
    });

    it("fails the same check for a broken query (the check can fail)", () => {
        const broken: Dashboard = {
            ...ALL[0]!,
            templating: { list: [] },
            panels: [
                {
                    id: 1,
                    type: "timeseries",
                    title: "broken",
                    gridPos: { h: 1, w: 1, x: 0, y: 0 },
                    targets: [{ refId: "A", expr: "sum(rate(up[5m])", datasource: PROMETHEUS_DATASOURCE }],
                },
            ],
        };
        const r = promtoolCheck(recordingRules([broken]));
        expect(r.status).not.toBe(0);
    });

    it("uses Grafana variables only inside label matchers' strings", () => {
        for (const d of ALL)
            for (const q of queriesOf(d)) expect(stripStrings(asPromql(q.expr)), q.where).not.toContain("$");
    });

    it("names no host: instance is matched only by a template variable", () => {
        for (const d of ALL)
            for (const q of queriesOf(d))
                expect(q.expr, q.where).not.toMatch(/\binstance\s*(=|!=|=~|!~)\s*"(?!\$)/);
    });
});

describe("the metric-name reader", () => {
    it("finds the series and nothing else", () => {
        expect(metricNames(PROMQL.p95ResponseMs)).toEqual(["http_request_duration_seconds_bucket"]);
        expect(metricNames(PROMQL.memoryUsedGb)).toEqual([
            "node_memory_MemAvailable_bytes",
            "node_memory_MemTotal_bytes",
        ]);
        expect(metricNames('count(ALERTS{alertstate="firing", alertname=~"a|b"}) or vector(0)')).toEqual([
            "ALERTS",
        ]);
        expect(
            metricNames(
                "a_total / ignoring(slot_name, database) group_left() (b_bytes > 0) > 1e3 and on() c offset 5m",
            ),
        ).toEqual(["a_total", "b_bytes", "c"]);
        expect(metricNames(`sum by (tier) (x{tier=~"$tier"}[$__rate_interval]) / time()`)).toEqual(["x"]);
    });

    it("refuses what is not PromQL instead of reading no series from it", () => {
        expect(() => metricNames("sum(rate(up[5m])")).toThrow(/does not parse/);
    });
});

describe("the metrics the dashboards read", () => {
    it("are produced by the repository's rules and exporters, or listed with their source", () => {
        expect(unknownMetrics(ALL)).toEqual([]);
    });

    it("include every allow-listed name (no stale entries)", () => {
        const used = new Set(ALL.flatMap((d) => queriesOf(d).flatMap((q) => metricNames(q.expr))));
        expect(Object.keys(ALLOWED).filter((n) => !used.has(n))).toEqual([]);
    });

    it("report a series nobody produces (the check can fail)", () => {
        const d = ALL[0]!;
        const p = d.panels.find((x) => x.targets)!;
        const bad: Dashboard = {
            ...d,
            panels: [{ ...p, targets: [{ ...p.targets![0]!, expr: "rate(api_requests_totl[5m])" }] }],
        };
        expect(unknownMetrics([bad])).toEqual([expect.stringContaining("api_requests_totl")]);
    });
});

describe("every dashboard", () => {
    it("has a unique, stable uid", () => {
        const uids = ALL.map((d) => d.uid);
        expect(new Set(STATIC_DASHBOARDS.map((d) => d.dashboard.uid)).size).toBe(STATIC_DASHBOARDS.length);
        expect([...new Set(uids)].sort()).toEqual(Object.values(DASHBOARD_UIDS).sort());
        for (const u of uids) expect(u).toMatch(/^[a-z0-9-]{1,40}$/);
        // One phase's set has each uid once.
        for (const phase of PHASES) {
            const set = dashboardsFor(phase).map((d) => d.dashboard.uid);
            expect(new Set(set).size, phase).toBe(set.length);
        }
    });

    it.each(STATIC_DASHBOARDS.map((d) => [d.file, d] as const))(
        "%s is valid JSON on disk, formatted as the module reads it",
        (file, d) => {
            const text = readFileSync(join(DIR, file), "utf8");
            expect(JSON.parse(text)).toEqual(d.dashboard);
        },
    );

    it.each(ALL.map((d) => [d.uid, d] as const))("%s is a Grafana dashboard model", (_uid, d) => {
        expect(JSON.parse(renderDashboard(d))).toEqual(d);
        expect(d.schemaVersion).toBe(DASHBOARD_SCHEMA_VERSION);
        expect(d.title.length).toBeGreaterThan(0);
        expect(d.tags).toContain("phase-stacks");
        expect(d.id ?? null).toBeNull();
        const panels = panelsOf(d);
        expect(new Set(panels.map((p) => p.id)).size, "panel ids").toBe(panels.length);
        for (const p of panels) {
            const at = `${d.uid} panel ${p.id} ${p.title}`;
            expect(["row", "timeseries", "stat", "bargauge", "state-timeline"], at).toContain(p.type);
            expect(p.gridPos.x + p.gridPos.w, at).toBeLessThanOrEqual(24);
            expect(p.gridPos.h, at).toBeGreaterThan(0);
            if (p.type === "row") continue;
            expect(p.datasource, at).toEqual(PROMETHEUS_DATASOURCE);
            expect(p.targets?.length, at).toBeGreaterThan(0);
            const refIds = p.targets!.map((t) => t.refId);
            expect(new Set(refIds).size, at).toBe(refIds.length);
            for (const t of p.targets!) expect(t.datasource, at).toEqual(PROMETHEUS_DATASOURCE);
        }
        for (const v of d.templating.list) expect(v.datasource, v.name).toEqual(PROMETHEUS_DATASOURCE);
    });
});

describe("the scaling-triggers dashboard", () => {
    it.each(SCALABLE_PHASES)("draws %s's matrix column: every input with its threshold", (phase) => {
        const d = buildScalingDashboard(phase);
        expect(thresholdProblems(d, phase)).toEqual([]);
        expect(d.title).toContain(`${phase} -> ${TRIGGER_MATRIX[phase].to}`);
    });

    it("disagrees with another phase's column (the check can fail)", () => {
        expect(thresholdProblems(buildScalingDashboard("phase2"), "phase1")).not.toEqual([]);
        const d = buildScalingDashboard("phase3");
        const moved: Dashboard = {
            ...d,
            panels: d.panels.map((p) =>
                p.targets?.[0]?.expr === PROMQL.errorRatePct
                    ? {
                          ...p,
                          fieldConfig: {
                              ...p.fieldConfig!,
                              defaults: {
                                  ...p.fieldConfig!.defaults,
                                  thresholds: {
                                      mode: "absolute",
                                      steps: [
                                          { color: "green", value: null },
                                          { color: "red", value: 1 },
                                      ],
                                  },
                              },
                          },
                      }
                    : p,
            ),
        };
        expect(thresholdProblems(moved, "phase3")).toEqual(["errorRatePct: threshold line at 1, matrix 0.1"]);
    });

    it("is the one of the transition the stack's alerts watch (dev: phase 1's; phase 5: none)", () => {
        const scaling = (phase: (typeof PHASES)[number]) =>
            dashboardsFor(phase).find((f) => f.file === SCALING_DASHBOARD_FILE)?.dashboard;
        expect(scaling("dev")).toEqual(buildScalingDashboard("phase1"));
        for (const p of SCALABLE_PHASES) expect(scaling(p), p).toEqual(buildScalingDashboard(p));
        expect(scaling("phase5")).toBeUndefined();
        expect(dashboardsFor("phase5").map((f) => f.file)).toEqual(STATIC_DASHBOARDS.map((f) => f.file));
    });

    it("leaves the agent pool's board out of dev, which has no pool", () => {
        expect(dashboardsFor("dev").map((f) => f.file)).not.toContain("agents.json");
        expect(dashboardsFor("phase1").map((f) => f.file)).toContain("agents.json");
    });
});

describe("the static dashboards' thresholds", () => {
    const byUid = (uid: string) => STATIC_DASHBOARDS.find((d) => d.dashboard.uid === uid)!.dashboard;
    const stepsOf = (p: DashboardPanel | undefined) =>
        p?.fieldConfig?.defaults.thresholds?.steps.map((s) => s.value).filter((v) => v !== null);

    it("draw the replication alerts' lag threshold and slot-retention ratio, with the alert's lag query", () => {
        const rules = (
            buildReplicationRules({ standbyRegions: [] }) as {
                groups: { rules: { alert: string; expr: string; labels: Record<string, string> }[] }[];
            }
        ).groups[0]!.rules;
        const lag = rules.find((r) => r.alert === "PostgresReplicationLagHigh")!;
        const retention = rules.find((r) => r.alert === "PostgresSlotWalRetentionHigh")!;
        const d = panelsOf(byUid(DASHBOARD_UIDS.dataTier));
        const lagPanel = d.find((p) => p.title === "Replication lag estimate");
        expect(lag.expr).toBe(`${lagPanel?.targets?.[0]?.expr} > ${lag.labels.threshold_seconds}`);
        expect(lagPanel?.targets?.[0]?.expr).toBe(lagSecondsExpr("2m"));
        expect(stepsOf(lagPanel)).toEqual([Number(lag.labels.threshold_seconds)]);
        const retentionPanel = d.find((p) => p.title.startsWith("Slot retention"));
        const [, expr, ratio] = /^(.*) > ([0-9.]+)$/.exec(retention.expr)!;
        expect(retentionPanel?.targets?.[0]?.expr).toBe(expr);
        expect(stepsOf(retentionPanel)).toEqual([Number(ratio)]);
    });

    it("draw the seed's auto-scaling bounds on the agent pool's utilization", () => {
        const p = panelsOf(byUid(DASHBOARD_UIDS.agents)).find((x) => x.title === "Pool utilization per tier");
        expect(stepsOf(p)).toEqual([DRAIN_BELOW, SCALE_UP_ABOVE]);
    });
});
