/**
 * Prometheus alert rules for the scaling triggers of a phase: one alert per cell of the transition out of
 * the phase (the seed's trigger matrix, with the advisor's own PromQL), and one that fires when enough of
 * them fire at once to migrate (the seed's three-or-more rule).
 */
import type { Phase } from "../../phases";
import {
    DEFAULT_MIN_TRIGGERS,
    INPUT_UNITS,
    METRIC_TITLES,
    TRIGGER_MATRIX,
    isScalable,
} from "../../scaling/matrix";
import type { MetricName, ScalablePhase, TriggerCell, Transition } from "../../scaling/matrix";
import { HOLD_FOR, PROMQL } from "../../scaling/promql";
import { SERVICE_CONFIG_DIR } from "../base/paths";
import { toYaml } from "../base/yaml";

export const MIGRATION_ALERT = "ScalingMigrationRecommended";

/**
 * Rule files live in a directory that compose mounts whole into Prometheus and prometheus.yml globs: a host
 * that ships no rules file then gets an empty directory, where a missing single-file bind mount would become
 * a directory Prometheus cannot load.
 */
export const RULES_DIRS = {
    host: `${SERVICE_CONFIG_DIR}/prometheus-rules`,
    container: "/etc/prometheus/rules",
} as const;
export const SCALING_RULES_FILE = "scaling.rules.yml";
export const RULE_FILES_GLOB = `${RULES_DIRS.container}/*.rules.yml`;

const ALERT_NAMES: Readonly<Record<MetricName, string>> = {
    cpu: "ScalingTriggerCpu",
    memory: "ScalingTriggerMemory",
    activeUsers: "ScalingTriggerActiveUsers",
    concurrentScrapes: "ScalingTriggerConcurrentScrapes",
    databaseSize: "ScalingTriggerDatabaseSize",
    apiRequests: "ScalingTriggerApiRequests",
    revenue: "ScalingTriggerRevenue",
    p95ResponseTime: "ScalingTriggerP95ResponseTime",
    errorRate: "ScalingTriggerErrorRate",
};

export function triggerAlertName(metric: MetricName): string {
    return ALERT_NAMES[metric];
}

export function transitionLabel(t: Pick<Transition, "from" | "to">): string {
    return `${t.from}-to-${t.to}`;
}

/** The transition a stack's monitoring watches: dev runs phase 1's services, so it watches phase 1's. */
export function watchedPhase(phase: Phase): ScalablePhase | undefined {
    const p = phase === "dev" ? "phase1" : phase;
    return isScalable(p) ? p : undefined;
}

interface AlertRule {
    readonly alert: string;
    readonly expr: string;
    readonly for?: string;
    readonly labels: Readonly<Record<string, string>>;
    readonly annotations: Readonly<Record<string, string>>;
}

function triggerRule(t: Transition, c: TriggerCell, minTriggers: number): AlertRule {
    const unit = INPUT_UNITS[c.input];
    return {
        alert: triggerAlertName(c.metric),
        expr: `(${PROMQL[c.input]}) > ${c.threshold}`,
        for: HOLD_FOR[c.input],
        labels: {
            severity: "info",
            transition: transitionLabel(t),
            metric: c.input,
            threshold: String(c.threshold),
        },
        annotations: {
            // Static text (no $value): Alertmanager shows the value, and promtool's unit tests can match it.
            summary: `${METRIC_TITLES[c.metric]} is over the ${t.from} -> ${t.to} trigger of ${c.threshold} ${unit}`,
            description: `One of the scaling triggers out of ${t.from} holds. Migration is recommended when ${minTriggers} or more hold: run npm run advise.`,
        },
    };
}

function migrationRule(t: Transition, minTriggers: number): AlertRule {
    const names = t.cells.map((c) => triggerAlertName(c.metric)).join("|");
    return {
        alert: MIGRATION_ALERT,
        expr: `count(ALERTS{alertstate="firing", transition="${transitionLabel(t)}", alertname=~"${names}"}) >= ${minTriggers}`,
        labels: { severity: "warning", transition: transitionLabel(t) },
        annotations: {
            summary: `${minTriggers} or more scaling triggers out of ${t.from} hold: plan the move to ${t.to}`,
            description: `Run npm run advise -- --prometheus <url> --phase ${t.from} for the runbook and the cost before and after.`,
        },
    };
}

export function buildAlertRules(phase: Phase, minTriggers = DEFAULT_MIN_TRIGGERS): object {
    const watched = watchedPhase(phase);
    if (!watched) return { groups: [] };
    const t = TRIGGER_MATRIX[watched];
    return {
        groups: [
            {
                name: `scaling-${transitionLabel(t)}`,
                rules: [...t.cells.map((c) => triggerRule(t, c, minTriggers)), migrationRule(t, minTriggers)],
            },
        ],
    };
}

export function renderAlertRules(phase: Phase, minTriggers = DEFAULT_MIN_TRIGGERS): string {
    return toYaml(buildAlertRules(phase, minTriggers));
}
