/**
 * Phase 5's PrometheusRules: schema-valid objects whose rules pass `promtool check rules`, and, per platform alert
 * (names taken from the objects), a `promtool test rules` case in which it fires and one in which it stays quiet.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
    CLUSTER_ALERT_METRICS,
    CLUSTER_ALERTS,
    clusterAlertObjects,
    PLATFORM_RULES_NAME,
    scalingRuleGroups,
    type AlertRule,
    type RuleGroup,
} from "../../../core/k8s/clusterAlerts";
import type { KubeObject } from "../../../core/k8s/objects";
import { tenantNamespace, TENANT_OBJECT_NAMES } from "../../../core/k8s/tenants";
import { toYaml } from "../../../core/render/base/yaml";
import { buildAlertRules } from "../../../core/render/monitoring/alertRules";
import { SEVERITIES } from "../../../core/render/monitoring/alertmanager";
import { isScalable } from "../../../core/scaling/matrix";
import { kubeSchemaProblems } from "../../helpers/kubeSchemas";
import { runTool } from "../../helpers/tools";
import { removeDir, tempDir } from "../../render/fixtures";

const OBJECTS = clusterAlertObjects();
const groupsOf = (objects: readonly KubeObject[]): RuleGroup[] =>
    objects.flatMap((o) => (o.spec as { groups: RuleGroup[] }).groups);
const RULES = groupsOf(OBJECTS).flatMap((g) => g.rules);
const rule = (alert: string): AlertRule => {
    const r = RULES.find((x) => x.alert === alert);
    if (!r) throw new Error(`no rule ${alert}`);
    return r;
};

const dirs: string[] = [];
afterAll(() => dirs.forEach(removeDir));

/** The rules file Prometheus builds from the PrometheusRules: their groups, side by side. */
function rulesDir(objects: readonly KubeObject[]): string {
    const dir = tempDir("k8s-rules");
    dirs.push(dir);
    writeFileSync(join(dir, "cluster.rules.yml"), toYaml({ groups: groupsOf(objects) }));
    return dir;
}

interface Series {
    readonly labels: Readonly<Record<string, string>>;
    readonly values: string;
}
interface Case {
    readonly interval: string;
    readonly series: readonly (Series & { readonly name: string })[];
    readonly evalTime: string;
    /** The labels of each expected alert besides the rule's own; empty: the alert stays quiet. */
    readonly fires: readonly Readonly<Record<string, string>>[];
}

const sel = (s: Series & { name: string }) =>
    `${s.name}{${Object.entries(s.labels)
        .map(([k, v]) => `${k}="${v}"`)
        .join(",")}}`;

function promtoolTest(alert: string, cases: readonly Case[], objects: readonly KubeObject[] = OBJECTS) {
    const dir = rulesDir(objects);
    const r = groupsOf(objects)
        .flatMap((g) => g.rules)
        .find((x) => x.alert === alert)!;
    writeFileSync(
        join(dir, "cluster.test.yml"),
        toYaml({
            rule_files: ["cluster.rules.yml"],
            evaluation_interval: "1m",
            tests: cases.map((c) => ({
                interval: c.interval,
                input_series: c.series.map((s) => ({ series: sel(s), values: s.values })),
                alert_rule_test: [
                    {
                        eval_time: c.evalTime,
                        alertname: alert,
                        exp_alerts: c.fires.map((labels) => ({
                            exp_labels: { ...labels, ...r.labels },
                            exp_annotations: r.annotations,
                        })),
                    },
                ],
            })),
        }),
    );
    return runTool("promtool", ["test", "rules", join(dir, "cluster.test.yml")]);
}

const ACME = tenantNamespace("acme");
const KSM = { job: "kube-state-metrics", instance: "10.42.0.9:8080" };
const quota = (
    namespace: string,
    resource: string,
    type: "used" | "hard",
    value: number,
    name: string = TENANT_OBJECT_NAMES.quota,
) => ({
    name: CLUSTER_ALERT_METRICS.quota,
    labels: { ...KSM, namespace, resourcequota: name, resource, type },
    values: `${value}x30`,
});
const quotaAlert = (namespace: string, resource: string) => ({
    ...KSM,
    namespace,
    resourcequota: TENANT_OBJECT_NAMES.quota,
    resource,
});
const node = (condition: string, status: string, values: string, name = "agents-1") => ({
    name: CLUSTER_ALERT_METRICS.nodeCondition,
    labels: { ...KSM, node: name, condition, status },
    values,
});
const cordoned = (name: string, value: 0 | 1) => ({
    name: CLUSTER_ALERT_METRICS.nodeUnschedulable,
    labels: { ...KSM, node: name },
    values: `${value}x20`,
});
const CNPG = { namespace: "app", job: "app/app-db" };
const lag = (pod: string, values: string) => ({
    name: CLUSTER_ALERT_METRICS.replicationLag,
    labels: { ...CNPG, pod, instance: `${pod}:9187` },
    values,
});
const backup = (pod: string, values: string) => ({
    name: CLUSTER_ALERT_METRICS.lastBackup,
    labels: { ...CNPG, pod, instance: `${pod}:9187` },
    values,
});
/**
 * Daily backups at midnight, sampled every minute for three days (a sparser series would vanish between samples
 * past Prometheus's 5-minute lookback and reset the alert's `for`).
 */
const DAILY = "0x1439 86400x1439 172800x1439";

/** Per platform alert: a case where it fires and one where it stays quiet (at or under the threshold). */
const CASES: Readonly<Record<string, { fire: Case; quiet: Case }>> = {
    [CLUSTER_ALERTS.replicationLag]: {
        fire: {
            interval: "1m",
            series: [lag("app-db-2", "0x5 301x20"), lag("app-db-1", "0x25")],
            evalTime: "10m",
            fires: [{ ...CNPG, pod: "app-db-2", instance: "app-db-2:9187" }],
        },
        quiet: {
            interval: "1m",
            // At the threshold (the rule is strictly greater), and over it for less than `for`.
            series: [lag("app-db-2", "0x5 300x20"), lag("app-db-3", "0x8 900 0x16")],
            evalTime: "10m",
            fires: [],
        },
    },
    [CLUSTER_ALERTS.backupTooOld]: {
        fire: {
            interval: "1m",
            // The last backup finished on day 1 (86400); at 52 h it is 28 h old. A cluster that never backed up
            // reports 0 and fires too.
            series: [backup("app-db-1", "86400x4400"), backup("app-db-2", "86400x4400")],
            evalTime: "52h",
            fires: [CNPG],
        },
        quiet: {
            interval: "1m",
            // One instance reports a stale time, the other the daily backups: the newest counts (22 h old at 70 h).
            series: [backup("app-db-1", "86400x4400"), backup("app-db-2", DAILY)],
            evalTime: "70h",
            fires: [],
        },
    },
    [CLUSTER_ALERTS.nodePressure]: {
        fire: {
            interval: "1m",
            series: [
                node("MemoryPressure", "true", "1x20"),
                node("MemoryPressure", "false", "0x20"),
                cordoned("agents-1", 0),
            ],
            evalTime: "10m",
            fires: [{ ...KSM, node: "agents-1", condition: "MemoryPressure", status: "true" }],
        },
        quiet: {
            interval: "1m",
            series: [
                node("MemoryPressure", "true", "0x20"),
                node("MemoryPressure", "false", "1x20"),
                node("Ready", "true", "1x20"),
                // Pressure for three minutes, under `for`.
                node("DiskPressure", "true", "0x5 1x3 0x12"),
                cordoned("agents-1", 0),
                // A cordoned node under pressure is being drained already.
                node("MemoryPressure", "true", "1x20", "agents-2"),
                cordoned("agents-2", 1),
            ],
            evalTime: "10m",
            fires: [],
        },
    },
    [CLUSTER_ALERTS.tenantQuota]: {
        fire: {
            interval: "1m",
            series: [quota(ACME, "pods", "used", 10), quota(ACME, "pods", "hard", 10)],
            evalTime: "20m",
            fires: [quotaAlert(ACME, "pods")],
        },
        quiet: {
            interval: "1m",
            series: [
                // 90 % exactly, zero-sized limits, a full quota outside the tenants, and another quota object.
                quota(ACME, "pods", "used", 9),
                quota(ACME, "pods", "hard", 10),
                quota(ACME, "persistentvolumeclaims", "used", 0),
                quota(ACME, "persistentvolumeclaims", "hard", 0),
                quota("cnpg-system", "pods", "used", 5),
                quota("cnpg-system", "pods", "hard", 5),
                quota(ACME, "pods", "used", 3, "other-quota"),
                quota(ACME, "pods", "hard", 3, "other-quota"),
            ],
            evalTime: "20m",
            fires: [],
        },
    },
};

describe("cluster PrometheusRules", () => {
    it("pass the PrometheusRule CRD's schema, and fail it with a wrongly typed field", () => {
        expect(OBJECTS.flatMap(kubeSchemaProblems)).toEqual([]);
        const o = OBJECTS[0]!;
        expect(o.metadata).toMatchObject({ name: PLATFORM_RULES_NAME, namespace: "monitoring" });
        expect(
            kubeSchemaProblems({ ...o, spec: { groups: [{ name: "x", rules: [{ alert: "A" }] }] } }),
        ).not.toEqual([]);
        expect(kubeSchemaProblems({ ...o, spec: { groups: "platform" } })).not.toEqual([]);
    });

    it("carry the seed's scaling groups for phase 5 as alertRules.ts builds them: none, as the matrix ends at 4 -> 5", () => {
        expect(scalingRuleGroups()).toEqual((buildAlertRules("phase5") as { groups: unknown[] }).groups);
        expect(isScalable("phase5")).toBe(false);
        expect(scalingRuleGroups()).toEqual([]);
        expect(OBJECTS.map((o) => o.metadata.name)).toEqual([PLATFORM_RULES_NAME]);
    });

    it("pass `promtool check rules`, and a broken expression does not", () => {
        const ok = runTool("promtool", ["check", "rules", join(rulesDir(OBJECTS), "cluster.rules.yml")]);
        expect(ok.status, ok.output).toBe(0);
        const broken = OBJECTS.map(
            (o) => JSON.parse(JSON.stringify(o).replace("> 300", "> > 300")) as KubeObject,
        );
        const bad = runTool("promtool", ["check", "rules", join(rulesDir(broken), "cluster.rules.yml")]);
        expect(bad.status).not.toBe(0);
    });

    it("label every alert with one of the VM phases' severities", () => {
        for (const r of RULES) expect(SEVERITIES, r.alert).toContain(r.labels.severity);
        expect(new Set(RULES.map((r) => r.alert)).size).toBe(RULES.length);
    });

    it("have a firing and a quiet case for every platform alert", () => {
        expect(Object.keys(CASES).sort()).toEqual(RULES.map((r) => r.alert).sort());
    });

    for (const r of RULES) {
        it(`${r.alert}: fires on its condition and stays quiet otherwise (promtool test rules)`, () => {
            const c = CASES[r.alert];
            expect(c, `no promtool case for ${r.alert}`).toBeDefined();
            const fire = promtoolTest(r.alert, [c!.fire]);
            expect(fire.status, fire.output).toBe(0);
            const quiet = promtoolTest(r.alert, [c!.quiet]);
            expect(quiet.status, quiet.output).toBe(0);
            // The cases can fail: the firing series expected quiet, and the quiet ones expected to fire.
            expect(promtoolTest(r.alert, [{ ...c!.fire, fires: [] }]).status).not.toBe(0);
            expect(promtoolTest(r.alert, [{ ...c!.quiet, fires: c!.fire.fires }]).status).not.toBe(0);
        });
    }

    it("move with the spec: a higher lag threshold keeps the firing case quiet", () => {
        const objects = clusterAlertObjects({ replicationLagSeconds: 600 });
        expect(rule(CLUSTER_ALERTS.replicationLag).expr).toContain("> 300");
        const r = promtoolTest(
            CLUSTER_ALERTS.replicationLag,
            [{ ...CASES[CLUSTER_ALERTS.replicationLag]!.fire, fires: [] }],
            objects,
        );
        expect(r.status, r.output).toBe(0);
    });

    it("read only the tenants' own quota objects, and group backups by the configured cluster labels", () => {
        expect(rule(CLUSTER_ALERTS.tenantQuota).expr).toContain(
            `namespace=~"tenant-.+",resourcequota="${TENANT_OBJECT_NAMES.quota}"`,
        );
        expect(rule(CLUSTER_ALERTS.backupTooOld).expr).toContain("max by (namespace, job)");
        const custom = groupsOf(clusterAlertObjects({ cnpgClusterLabels: ["namespace", "cluster"] })).flatMap(
            (g) => g.rules,
        );
        expect(custom.find((x) => x.alert === CLUSTER_ALERTS.backupTooOld)!.expr).toContain(
            "max by (namespace, cluster)",
        );
    });

    it("reject an invalid spec, naming every problem", () => {
        expect(() =>
            clusterAlertObjects({
                quotaRatio: 1.5,
                replicationLagFor: "a minute",
                cnpgClusterLabels: ["a-b"],
            }),
        ).toThrow(
            /quotaRatio 1.5 is not in \(0, 1\].*replicationLagFor 'a minute'.*cnpgClusterLabels \[a-b\]/,
        );
    });
});
