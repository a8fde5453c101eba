/**
 * Phase 5's alert rules as PrometheusRule objects (monitoring.coreos.com/v1), which the Prometheus of
 * observability.ts loads from any namespace: the seed's scaling alerts, as `buildAlertRules` makes them for the
 * phase, and the platform's own.
 *
 * Scaling: the trigger matrix ends at the Phase 4 -> 5 column, so phase 5 has no transition out and
 * `buildAlertRules("phase5")` has no groups; the scaling PrometheusRule appears once the matrix gains a column.
 *
 * Platform alerts, with the metric names of what the cluster runs:
 * - CloudNativePG's default monitoring queries (cloudnative-pg `config/manager/default-monitoring.yaml` at
 *   a95a534, 2026-08-21): `cnpg_pg_replication_lag`, seconds a standby's replay trails the primary (0 when it has
 *   replayed all it received, and on the primary). The threshold and hold default to CNPG's own sample rule
 *   (`docs/src/samples/monitoring/prometheusrule.yaml`: `cnpg_pg_replication_lag > 300` for 1m).
 * - The Barman Cloud plugin's `barman_cloud_cloudnative_pg_io_last_available_backup_timestamp` (plugin-barman-cloud
 *   `web/docs/observability.md` and `internal/cnpgi/instance/metrics.go` at 9967e2c): the plugin's backups
 *   supersede the in-core `cnpg_collector_last_available_backup_timestamp`, deprecated since CNPG 1.26 and left at 0
 *   for plugin backups (`docs/src/monitoring.md`). A cluster that never completed a backup reports 0 and fires.
 * - kube-state-metrics: `kube_node_status_condition{condition, status}`, `kube_node_spec_unschedulable` and
 *   `kube_resourcequota{resource, type}`
 *   (`type` is `hard` or `used`), read for the tenants' quota objects (tenants.ts).
 *
 * Every pod of a CNPG cluster reports the backup time; the rules take the newest per cluster, identified by the
 * scrape's `namespace` and `job` (the Prometheus Operator names a PodMonitor's job `<namespace>/<podmonitor>`, one
 * PodMonitor per cluster) unless `cnpgClusterLabels` says otherwise.
 *
 * Severities follow the VM phases' (alertmanager.ts): `critical` is an outage or lost data and inhibits the
 * stack's other alerts, `warning` needs action within the day, `info` is a fact for the weekly review. Nothing
 * here is an outage: replication lag is `warning` as on phase 4 (replicationRules.ts), a node under pressure
 * evicts pods but the scheduler moves them, a tenant at its quota cannot start more agents, and an old backup
 * widens the window of loss without losing anything yet. As there, annotations are static text.
 */
import { buildAlertRules } from "../render/monitoring/alertRules";
import type { Severity } from "../render/monitoring/alertmanager";
import type { KubeObject } from "./objects";
import { OBSERVABILITY_NAMESPACE } from "./observability";
import { TENANT_NAMESPACE_PREFIX, TENANT_OBJECT_NAMES } from "./tenants";
import { isDnsLabel } from "./names";

export const CLUSTER_ALERTS = {
    replicationLag: "CnpgReplicationLagHigh",
    backupTooOld: "CnpgBackupTooOld",
    nodePressure: "NodeUnderPressure",
    tenantQuota: "TenantQuotaNearlyFull",
} as const;

/** The series the platform rules read (see the module comment for their sources). */
export const CLUSTER_ALERT_METRICS = {
    replicationLag: "cnpg_pg_replication_lag",
    lastBackup: "barman_cloud_cloudnative_pg_io_last_available_backup_timestamp",
    nodeCondition: "kube_node_status_condition",
    nodeUnschedulable: "kube_node_spec_unschedulable",
    quota: "kube_resourcequota",
} as const;

/** The kubelet's pressure conditions (Kubernetes "Node status: Conditions"). */
export const PRESSURE_CONDITIONS = ["MemoryPressure", "DiskPressure", "PIDPressure"] as const;

export const PLATFORM_RULES_NAME = "platform-alerts";
export const SCALING_RULES_NAME = "scaling-alerts";

export interface ClusterAlertsSpec {
    /** Where the PrometheusRules live; default the observability namespace. */
    readonly namespace?: string;
    /** Default 300 s (CNPG's sample rule). */
    readonly replicationLagSeconds?: number;
    /** Default 1m. */
    readonly replicationLagFor?: string;
    /**
     * Default 26 h: a daily ScheduledBackup plus two hours for a slow run. The seed's phase 5 RPO (5 minutes) is
     * WAL archiving's, between base backups.
     */
    readonly backupMaxAgeHours?: number;
    /** Default 15m. */
    readonly backupFor?: string;
    /** Default 5m: a pressure condition that clears within minutes is the kubelet's eviction doing its job. */
    readonly nodePressureFor?: string;
    /** Share of a quota's hard limit at which a tenant alerts; default 0.9. */
    readonly quotaRatio?: number;
    /** Default 15m: agents that start and stop in a burst do not alert. */
    readonly quotaFor?: string;
    /** The labels that tell one CNPG cluster from another; default namespace and job. */
    readonly cnpgClusterLabels?: readonly string[];
}

export interface AlertRule {
    readonly alert: string;
    readonly expr: string;
    readonly for?: string;
    readonly labels: Readonly<Record<string, string>> & { readonly severity: Severity };
    readonly annotations: Readonly<Record<string, string>>;
}

export interface RuleGroup {
    readonly name: string;
    readonly rules: readonly AlertRule[];
}

const DURATION = /^([0-9]+(ms|s|m|h|d|w|y))+$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

type Resolved = Required<ClusterAlertsSpec>;

function resolved(spec: ClusterAlertsSpec): Resolved {
    const s: Resolved = {
        namespace: OBSERVABILITY_NAMESPACE,
        replicationLagSeconds: 300,
        replicationLagFor: "1m",
        backupMaxAgeHours: 26,
        backupFor: "15m",
        nodePressureFor: "5m",
        quotaRatio: 0.9,
        quotaFor: "15m",
        cnpgClusterLabels: ["namespace", "job"],
        ...spec,
    };
    const problems: string[] = [];
    if (!isDnsLabel(s.namespace)) problems.push(`namespace '${s.namespace}' is not a namespace name`);
    if (!(Number.isFinite(s.replicationLagSeconds) && s.replicationLagSeconds > 0))
        problems.push(`replicationLagSeconds ${s.replicationLagSeconds} is not a positive number`);
    if (!(Number.isFinite(s.backupMaxAgeHours) && s.backupMaxAgeHours > 0))
        problems.push(`backupMaxAgeHours ${s.backupMaxAgeHours} is not a positive number`);
    if (!(s.quotaRatio > 0 && s.quotaRatio <= 1))
        problems.push(`quotaRatio ${s.quotaRatio} is not in (0, 1]`);
    for (const k of ["replicationLagFor", "backupFor", "nodePressureFor", "quotaFor"] as const)
        if (!DURATION.test(s[k])) problems.push(`${k} '${s[k]}' is not a Prometheus duration`);
    if (s.cnpgClusterLabels.length === 0 || !s.cnpgClusterLabels.every((l) => LABEL_NAME.test(l)))
        problems.push(`cnpgClusterLabels [${s.cnpgClusterLabels.join(", ")}] are not label names`);
    if (problems.length > 0) throw new Error(`clusterAlerts: ${problems.join("; ")}`);
    return s;
}

/** The tenant namespaces, as a PromQL regex (RE2 metacharacters of the prefix escaped, in a PromQL string). */
const TENANT_NAMESPACE_RE = `${TENANT_NAMESPACE_PREFIX.replace(/[.*+?^${}()|[\]\\]/g, "\\\\$&")}.+`;

function replicationLagRule(s: Resolved): AlertRule {
    return {
        alert: CLUSTER_ALERTS.replicationLag,
        expr: `${CLUSTER_ALERT_METRICS.replicationLag} > ${s.replicationLagSeconds}`,
        for: s.replicationLagFor,
        labels: { severity: "warning" },
        annotations: {
            summary: `A CloudNativePG standby replays more than ${s.replicationLagSeconds} s behind its primary`,
            description:
                "The standby in the alert's pod label trails the primary: check its node, its volume's I/O and the " +
                "cluster's status (kubectl cnpg status). A lagging standby is a slow failover target.",
        },
    };
}

function backupTooOldRule(s: Resolved): AlertRule {
    const by = s.cnpgClusterLabels.join(", ");
    return {
        alert: CLUSTER_ALERTS.backupTooOld,
        expr: `time() - max by (${by}) (${CLUSTER_ALERT_METRICS.lastBackup}) > ${Math.round(s.backupMaxAgeHours * 3600)}`,
        for: s.backupFor,
        labels: { severity: "warning" },
        annotations: {
            summary: `A CloudNativePG cluster's last completed backup is older than ${s.backupMaxAgeHours} h`,
            description:
                "Its ScheduledBackup did not complete (or never has): check the Backup objects in its namespace and " +
                "the Barman Cloud plugin's logs. WAL archiving alone cannot restore without a base backup.",
        },
    };
}

function nodePressureRule(s: Resolved): AlertRule {
    return {
        alert: CLUSTER_ALERTS.nodePressure,
        // A cordoned node (one the autoscaler or an upgrade drains) is already being emptied, as the chart's own
        // KubeNodePressure judges it (kubernetes-mixin); this rule replaces that one, at warning.
        expr:
            `${CLUSTER_ALERT_METRICS.nodeCondition}{condition=~"${PRESSURE_CONDITIONS.join("|")}",status="true"} == 1` +
            ` and on (node) ${CLUSTER_ALERT_METRICS.nodeUnschedulable} == 0`,
        for: s.nodePressureFor,
        labels: { severity: "warning" },
        annotations: {
            summary: "A node reports memory, disk or PID pressure",
            description:
                "The kubelet is evicting pods from it. Its pool is short of room: check the autoscaler's status, or " +
                "raise the pool's size.",
        },
    };
}

function tenantQuotaRule(s: Resolved): AlertRule {
    const sel = (type: "used" | "hard") =>
        `${CLUSTER_ALERT_METRICS.quota}{namespace=~"${TENANT_NAMESPACE_RE}",resourcequota="${TENANT_OBJECT_NAMES.quota}",type="${type}"}`;
    return {
        alert: CLUSTER_ALERTS.tenantQuota,
        // Limits of 0 (storage, load balancers, node ports) are outside the ratio: 0 / 0 would be NaN anyway.
        expr: `${sel("used")} / ignoring(type) (${sel("hard")} > 0) > ${s.quotaRatio}`,
        for: s.quotaFor,
        labels: { severity: "warning" },
        annotations: {
            summary: `A tenant uses more than ${Math.round(s.quotaRatio * 100)} % of a resource in its quota`,
            description:
                "Once it reaches the quota, the tenant's next agent is refused. Raise its containers (or move it up a " +
                "tier) if the use is expected.",
        },
    };
}

/** The platform's rule group, for promtool and for the PrometheusRule. */
export function platformRuleGroups(spec: ClusterAlertsSpec = {}): RuleGroup[] {
    const s = resolved(spec);
    return [
        {
            name: "platform",
            rules: [replicationLagRule(s), backupTooOldRule(s), nodePressureRule(s), tenantQuotaRule(s)],
        },
    ];
}

/** The seed's scaling groups for phase 5, exactly as the VM phases' rule file carries them. */
export function scalingRuleGroups(): readonly object[] {
    return (buildAlertRules("phase5") as { groups: readonly object[] }).groups;
}

function prometheusRule(name: string, namespace: string, groups: readonly object[]): KubeObject {
    return {
        apiVersion: "monitoring.coreos.com/v1",
        kind: "PrometheusRule",
        metadata: { name, namespace, labels: { "app.kubernetes.io/part-of": "phase-stacks" } },
        spec: { groups: [...groups] },
    };
}

/** The PrometheusRules: the platform's, and the scaling alerts when the phase has any. */
export function clusterAlertObjects(spec: ClusterAlertsSpec = {}): KubeObject[] {
    const s = resolved(spec);
    const scaling = scalingRuleGroups();
    return [
        prometheusRule(PLATFORM_RULES_NAME, s.namespace, platformRuleGroups(s)),
        ...(scaling.length > 0 ? [prometheusRule(SCALING_RULES_NAME, s.namespace, scaling)] : []),
    ];
}
