/**
 * Grafana dashboards (the dashboard JSON model, schemaVersion 39: Grafana 10.4 to 11.x read it and migrate it
 * forward). Three are static JSON beside this file, edited like any Grafana export: the overview (API latency,
 * errors, traffic, uptime probes, hosts, business gauges), the data tier (replication, slots, backups) and the agent
 * pool (containers per tier and node). The scaling-triggers dashboard is built here from the trigger matrix, so the
 * threshold every panel draws is the one `core/scaling/matrix.ts` and the alert rules use, for the stack's phase.
 *
 * Every query goes to the datasource `grafana.ts` provisions (uid `prometheus`), and no query names a host:
 * nodes are chosen with template variables or shown per `instance`.
 */
import type { Phase } from "../../phases";
import {
    DEFAULT_MIN_TRIGGERS,
    INPUT_UNITS,
    METRIC_TITLES,
    TRIGGER_MATRIX,
    type MetricInputKey,
    type ScalablePhase,
    type TriggerCell,
} from "../../scaling/matrix";
import { HOLD_FOR, PROMQL } from "../../scaling/promql";
import { transitionLabel, triggerAlertName, watchedPhase } from "./alertRules";
import agentsJson from "./dashboards/agents.json";
import dataTierJson from "./dashboards/data-tier.json";
import overviewJson from "./dashboards/overview.json";

/** The datasource every panel and target names; `grafana.ts` provisions it with this uid. */
export const PROMETHEUS_DATASOURCE = { type: "prometheus", uid: "prometheus" } as const;
export type DatasourceRef = { readonly type: string; readonly uid: string };

/** Grafana 10.4's dashboard schema version (11.x still reads it and migrates on load). */
export const DASHBOARD_SCHEMA_VERSION = 39;

export const DASHBOARD_UIDS = {
    overview: "phase-stacks-overview",
    scaling: "phase-stacks-scaling-triggers",
    dataTier: "phase-stacks-data-tier",
    agents: "phase-stacks-agents",
} as const;

export interface ThresholdStep {
    readonly color: string;
    /** null on the base step, as Grafana writes it. */
    readonly value: number | null;
}

export interface DashboardTarget {
    readonly refId: string;
    readonly expr: string;
    readonly datasource: DatasourceRef;
    readonly legendFormat?: string;
    readonly range?: boolean;
    readonly instant?: boolean;
}

export interface DashboardPanel {
    readonly id: number;
    readonly type: string;
    readonly title: string;
    readonly gridPos: { readonly h: number; readonly w: number; readonly x: number; readonly y: number };
    readonly description?: string;
    readonly datasource?: DatasourceRef;
    readonly targets?: readonly DashboardTarget[];
    readonly fieldConfig?: {
        readonly defaults: {
            readonly unit?: string;
            readonly thresholds?: { readonly mode: string; readonly steps: readonly ThresholdStep[] };
            readonly [key: string]: unknown;
        };
        readonly overrides: readonly unknown[];
    };
    readonly options?: Readonly<Record<string, unknown>>;
    readonly [key: string]: unknown;
}

export interface DashboardVariable {
    readonly name: string;
    readonly type: string;
    /** A `query` variable's Prometheus query: `label_values(<metric>, <label>)` or PromQL. */
    readonly query?: unknown;
    readonly datasource?: DatasourceRef;
    readonly [key: string]: unknown;
}

export interface Dashboard {
    readonly uid: string;
    readonly title: string;
    readonly description?: string;
    readonly tags: readonly string[];
    readonly schemaVersion: number;
    readonly panels: readonly DashboardPanel[];
    readonly templating: { readonly list: readonly DashboardVariable[] };
    readonly [key: string]: unknown;
}

/** One dashboard file in the provider's directory. */
export interface DashboardFile {
    readonly file: string;
    readonly dashboard: Dashboard;
}

/** Typed without a cast: a static file that loses a field the model requires fails to compile. */
export const STATIC_DASHBOARDS: readonly DashboardFile[] = [
    { file: "overview.json", dashboard: overviewJson },
    { file: "data-tier.json", dashboard: dataTierJson },
    { file: "agents.json", dashboard: agentsJson },
];
export const SCALING_DASHBOARD_FILE = "scaling-triggers.json";

/**
 * Series the dashboards read from scripts on the hosts (the backups' from core/render/data/backupMetrics.ts):
 * the contract the scripts meet.
 * Each is a gauge in node_exporter's textfile-collector format, written to a `*.prom` file in
 * TEXTFILE_COLLECTOR_DIR on the host that runs the script (atomically: write `<name>.prom.$$` in the same
 * directory, then `mv` it over `<name>.prom`), so node_exporter adds the host's `instance` label.
 */
export { TEXTFILE_COLLECTOR_DIR } from "../base/paths";
export const TEXTFILE_METRICS = {
    phase_stacks_backup_last_success_timestamp_seconds:
        "{kind}: Unix time the last backup of this kind finished and uploaded; written only on success, so a " +
        "failing backup leaves it aging. kind: dump (backup-postgres.sh), base (base-backup.sh), redis " +
        "(redis-snapshot.sh), copy (copy-backups.sh). File: phase_stacks_backup_<kind>.prom.",
    phase_stacks_backup_interval_seconds:
        "{kind}: the timer's cadence for that kind in seconds (86400 daily, 3600 hourly), written beside the " +
        "timestamp, so the dashboard judges age against the phase's cadence without knowing the phase.",
    phase_stacks_agent_containers:
        "{tier, state}: pool containers on this node, state warm (named phase-stacks-warm-<tier>-*) or claimed " +
        "(total - warm): the warm-pool keeper's `warm` and `total` at the end of each pass. File: " +
        "phase_stacks_warm_pool.prom.",
    phase_stacks_agent_containers_max: "{tier}: MAX_CONTAINERS, the node's container maximum for its tier.",
    phase_stacks_agent_containers_prewarm: "{tier}: PREWARM, the warm containers the keeper keeps ready.",
    phase_stacks_warm_pool_last_run_timestamp_seconds: "{tier}: Unix time the keeper's last pass finished.",
} as const;

/** Grafana's unit for each matrix input (the matrix's own units, INPUT_UNITS). */
const GRAFANA_UNITS: Readonly<Record<MetricInputKey, string>> = {
    cpuAvg7dPct: "percent",
    // GiB, as the matrix counts: Grafana's gbytes is IEC (gibibytes).
    memoryUsedGb: "gbytes",
    memoryUsedPct: "percent",
    activeUsers: "short",
    concurrentScrapes: "short",
    databaseSizeGb: "gbytes",
    apiRequestsPerMin: "reqpm",
    revenueEurPerMonth: "currencyEUR",
    p95ResponseMs: "ms",
    errorRatePct: "percent",
};

const REF_IDS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";

function target(refId: string, expr: string, legendFormat?: string): DashboardTarget {
    return {
        refId,
        expr,
        datasource: PROMETHEUS_DATASOURCE,
        ...(legendFormat ? { legendFormat } : {}),
        range: true,
    };
}

function steps(...s: readonly (readonly [string, number | null])[]): {
    mode: string;
    steps: ThresholdStep[];
} {
    return { mode: "absolute", steps: s.map(([color, value]) => ({ color, value })) };
}

/** The cell's trigger line: green up to the threshold, red from it (Grafana colours from `value` on). */
function triggerSteps(threshold: number): ReturnType<typeof steps> {
    return steps(["green", null], ["red", threshold]);
}

function cellDescription(from: ScalablePhase, to: string, c: TriggerCell): string {
    return (
        `${METRIC_TITLES[c.metric]} against the ${from} -> ${to} trigger: more than ${c.threshold} ` +
        `${INPUT_UNITS[c.input]}, held for ${HOLD_FOR[c.input]}, fires ${triggerAlertName(c.metric)}. ` +
        "The query is the advisor's and the alert's (core/scaling/promql.ts); the threshold is the matrix's " +
        "(core/scaling/matrix.ts)."
    );
}

function cellPanel(from: ScalablePhase, to: string, c: TriggerCell, i: number): DashboardPanel {
    return {
        id: 10 + i,
        type: "timeseries",
        title: `${METRIC_TITLES[c.metric]} (trigger > ${c.threshold} ${INPUT_UNITS[c.input]})`,
        description: cellDescription(from, to, c),
        gridPos: { h: 8, w: 8, x: (i % 3) * 8, y: 9 + Math.floor(i / 3) * 8 },
        datasource: PROMETHEUS_DATASOURCE,
        targets: [target("A", PROMQL[c.input], METRIC_TITLES[c.metric])],
        fieldConfig: {
            defaults: {
                unit: GRAFANA_UNITS[c.input],
                min: 0,
                color: { mode: "thresholds" },
                thresholds: triggerSteps(c.threshold),
                custom: {
                    drawStyle: "line",
                    lineWidth: 2,
                    fillOpacity: 0,
                    showPoints: "never",
                    spanNulls: false,
                    thresholdsStyle: { mode: "dashed" },
                },
            },
            overrides: [],
        },
        options: {
            legend: { showLegend: false, displayMode: "list", placement: "bottom", calcs: [] },
            tooltip: { mode: "single", sort: "none" },
        },
    };
}

/** `100 * value / threshold`: every input on one scale, where 100 is its trigger. */
export function shareOfThresholdExpr(c: TriggerCell): string {
    return `100 * (${PROMQL[c.input]}) / ${c.threshold}`;
}

/** Firing trigger alerts of the transition, 0 when none (count() of nothing is no series). */
export function triggersHoldingExpr(from: ScalablePhase): string {
    const t = TRIGGER_MATRIX[from];
    const names = t.cells.map((c) => triggerAlertName(c.metric)).join("|");
    return `count(ALERTS{alertstate="firing", transition="${transitionLabel(t)}", alertname=~"${names}"}) or vector(0)`;
}

/** The trigger matrix's column out of `from`: one panel per cell with its threshold, and the migration count. */
export function buildScalingDashboard(from: ScalablePhase, minTriggers = DEFAULT_MIN_TRIGGERS): Dashboard {
    const t = TRIGGER_MATRIX[from];
    const cells = t.cells;
    if (cells.length > REF_IDS.length) throw new Error("more trigger cells than refIds");
    const panels: DashboardPanel[] = [
        {
            id: 1,
            type: "stat",
            title: `Triggers holding (migrate at ${minTriggers})`,
            description:
                `Scaling trigger alerts of ${transitionLabel(t)} firing now (each after its hold time). At ` +
                `${minTriggers} or more, ScalingMigrationRecommended fires: run npm run advise -- --phase ${from}.`,
            gridPos: { h: 9, w: 6, x: 0, y: 0 },
            datasource: PROMETHEUS_DATASOURCE,
            targets: [{ ...target("A", triggersHoldingExpr(from)), range: false, instant: true }],
            fieldConfig: {
                defaults: {
                    unit: "short",
                    min: 0,
                    max: cells.length,
                    decimals: 0,
                    color: { mode: "thresholds" },
                    thresholds: steps(["green", null], ["orange", 1], ["red", minTriggers]),
                },
                overrides: [],
            },
            options: {
                reduceOptions: { calcs: ["lastNotNull"], fields: "", values: false },
                colorMode: "background",
                graphMode: "none",
                textMode: "value",
                justifyMode: "center",
                orientation: "auto",
            },
        },
        {
            id: 2,
            type: "bargauge",
            title: `Trigger matrix ${t.from} -> ${t.to}: each input as % of its threshold`,
            description:
                "100 % is the input's threshold in the trigger matrix; a bar past it is a trigger that holds " +
                "(the alert fires once it has held for the input's hold time).",
            gridPos: { h: 9, w: 18, x: 6, y: 0 },
            datasource: PROMETHEUS_DATASOURCE,
            targets: cells.map((c, i) => ({
                ...target(REF_IDS[i]!, shareOfThresholdExpr(c), METRIC_TITLES[c.metric]),
                range: false,
                instant: true,
            })),
            fieldConfig: {
                defaults: {
                    unit: "percent",
                    min: 0,
                    max: 150,
                    decimals: 0,
                    color: { mode: "thresholds" },
                    thresholds: steps(["green", null], ["orange", 80], ["red", 100]),
                },
                overrides: [],
            },
            options: {
                reduceOptions: { calcs: ["lastNotNull"], fields: "", values: false },
                orientation: "horizontal",
                displayMode: "gradient",
                showUnfilled: true,
                valueMode: "color",
                namePlacement: "left",
                minVizHeight: 16,
                minVizWidth: 8,
                maxVizHeight: 300,
                sizing: "auto",
            },
        },
        ...cells.map((c, i) => cellPanel(t.from, t.to, c, i)),
    ];
    return {
        uid: DASHBOARD_UIDS.scaling,
        title: `Scaling triggers: ${t.from} -> ${t.to}`,
        description:
            `The seed's trigger matrix for this stack's phase (${t.from}): every input against its threshold ` +
            `out of ${t.from}. Migrate when ${minTriggers} or more hold. Rendered from core/scaling/matrix.ts.`,
        tags: ["phase-stacks", "scaling"],
        editable: false,
        graphTooltip: 1,
        // The CPU input is a seven-day average: a week shows what it averages over.
        time: { from: "now-7d", to: "now" },
        timezone: "utc",
        refresh: "5m",
        schemaVersion: DASHBOARD_SCHEMA_VERSION,
        version: 1,
        links: [],
        annotations: { list: [] },
        templating: { list: [] },
        panels,
    };
}

/**
 * The dashboards a stack's Grafana loads: the static three, and the scaling triggers of the transition the
 * stack's alerts watch (dev watches phase 1's; phase 5, the last phase, has no trigger column and no such board).
 */
export function dashboardsFor(phase: Phase): DashboardFile[] {
    const watched = watchedPhase(phase);
    return [
        // dev has no agent pool: its board would be empty panels.
        ...STATIC_DASHBOARDS.filter((d) => phase !== "dev" || d.dashboard.uid !== DASHBOARD_UIDS.agents),
        ...(watched ? [{ file: SCALING_DASHBOARD_FILE, dashboard: buildScalingDashboard(watched) }] : []),
    ];
}

/** Compact JSON: the files travel in user data, under its 32 KiB cap (cloud-init gzips them when needed). */
export function renderDashboard(d: Dashboard): string {
    return `${JSON.stringify(d)}\n`;
}
