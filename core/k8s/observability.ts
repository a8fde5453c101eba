/**
 * Phase 5's observability as Helm releases and objects: the Prometheus stack (Prometheus Operator, Prometheus,
 * Alertmanager, Grafana, kube-state-metrics, node exporter), Loki in one binary on a Retain volume, and Grafana
 * Alloy as the DaemonSet that ships every container's log to Loki. Pure data; the shell installs the releases in
 * `after` order and applies the dashboard ConfigMaps.
 *
 * Choices:
 * - One stack, one config with the VM phases: Alertmanager's routes are `buildAlertmanagerConfig`'s, Grafana's
 *   dashboards are `dashboardsFor("phase5")`'s JSON, and the Prometheus datasource keeps the uid (`prometheus`)
 *   every panel names. Prometheus labels every series `stack`, as the VM phases' `external_labels` do, so the
 *   routes' grouping and inhibition by stack hold here too.
 * - Every Deployment and StatefulSet selects and tolerates the system pool (clusterPlan.ts taints it so only
 *   add-ons land there). The two DaemonSets (node exporter, Alloy) tolerate every taint and select no pool: a
 *   node's metrics and logs are only readable on that node, agent and enterprise pools included.
 * - Prometheus picks up PrometheusRules, ServiceMonitors, PodMonitors, Probes and ScrapeConfigs from every
 *   namespace without a `release` label (the chart's `*SelectorNilUsesHelmValues: false`): CloudNativePG's
 *   PodMonitors and this program's rules need no chart-specific label.
 * - k3s runs the scheduler, controller manager, kube-proxy and etcd inside its own process with metrics on
 *   127.0.0.1, where the chart's Services find no pod: their scrapes and rules are off, or they would fire
 *   `*Down` alerts forever. The chart's `Watchdog` and `InfoInhibitor` alerts (severity `none`) are off too:
 *   the VM phases' routes have no dead-man's-switch receiver and would send them as ordinary messages.
 * - Log agent: Grafana Alloy, not promtail. The promtail chart is marked `deprecated: true`
 *   (grafana/helm-charts `charts/promtail/Chart.yaml` 6.17.1 at 7a0ab96) and Grafana points promtail users to
 *   Alloy; Alloy's chart is maintained beside Alloy itself. It tails `/var/log/pods` on its own node (the kubelet's
 *   CRI log files), parses the CRI format and pushes to Loki's Service.
 * - Loki runs single-tenant (`auth_enabled: false`): the only writer is Alloy and the only reader Grafana, both
 *   the platform's; tenants never reach it (their namespaces deny all traffic but DNS and ingress).
 * - Volumes: each Hetzner volume bills at least 10 GiB, so no claim asks for less. Prometheus keeps its TSDB
 *   under 85 % of its volume (`retentionSize`) besides the time retention, so a busy week cannot fill the disk.
 *   Grafana keeps no volume: its dashboards and datasources come from this file, and its admin from a Secret.
 */
import { VOLUME_MIN_GB } from "../catalog/hetzner";
import type { KubeObject } from "./objects";
import type { HelmRelease } from "./helmRelease";
import { POOL_KIND_LABEL } from "./clusterPlan";
import { RETAIN_STORAGE_CLASS } from "./storage";
import type { Toleration } from "./tenants";
import { buildAlertmanagerConfig, type AlertReceiver } from "../render/monitoring/alertmanager";
import { dashboardsFor, PROMETHEUS_DATASOURCE, renderDashboard } from "../render/monitoring/dashboards";
import { DNS_LABEL, isDnsLabel } from "./names";
import { renderAlloy, type AlloyBlock, type AlloyValue } from "../render/monitoring/alloy";
import {
    LOKI_DATASOURCE,
    LOKI_HTTP_PORT,
    LOKI_PUSH_PATH,
    lokiStoreSettings,
} from "../render/monitoring/lokiStorage";

// Loki's settings are the VM phases' too; re-exported for the callers that read them here.
export { LOKI_DATASOURCE, LOKI_HTTP_PORT, LOKI_SCHEMA_FROM } from "../render/monitoring/lokiStorage";

/**
 * kube-prometheus-stack 88.5.3 (app: Prometheus Operator v0.93.1; Grafana chart 12.11.1, kube-state-metrics 8.4.0,
 * prometheus-node-exporter 4.56.1). Source: github.com/prometheus-community/helm-charts at cf408a2 (2026-08-22),
 * `charts/kube-prometheus-stack/Chart.yaml` and `values.yaml`.
 */
export const KUBE_PROMETHEUS_STACK_CHART = {
    chart: "kube-prometheus-stack",
    version: "88.5.3",
    repo: "https://prometheus-community.github.io/helm-charts",
} as const;

/**
 * Loki 18.11.0 (app 3.7.6). Grafana moved the OSS Loki chart to grafana-community/helm-charts on 2026-03-16
 * (grafana/helm-charts `charts/loki/README.md`); source: github.com/grafana-community/helm-charts at 3386a11
 * (2026-08-20), `charts/loki/Chart.yaml` and `values.yaml`. `deploymentMode: Monolithic` is the chart's name for
 * the single binary since 12.0.0 (`SingleBinary` is the deprecated alias).
 */
export const LOKI_CHART = {
    chart: "loki",
    version: "18.11.0",
    repo: "https://grafana-community.github.io/helm-charts",
} as const;

/**
 * Grafana Alloy chart 1.11.1 (app v1.18.1). Source: github.com/grafana/alloy at 66ebea8 (2026-08-21),
 * `operations/helm/charts/alloy/Chart.yaml` and `values.yaml`; published to grafana.github.io/helm-charts.
 */
export const ALLOY_CHART = {
    chart: "alloy",
    version: "1.11.1",
    repo: "https://grafana.github.io/helm-charts",
} as const;

export const OBSERVABILITY_NAMESPACE = "monitoring";
export const RELEASE_NAMES = {
    prometheusStack: "kube-prometheus-stack",
    loki: "loki",
    alloy: "alloy",
} as const;

/** Hetzner bills every volume as at least 10 GiB. */

/** The Grafana chart's sidecar collects ConfigMaps with this label (kube-prometheus-stack's default). */
export const GRAFANA_DASHBOARD_LABEL = { key: "grafana_dashboard", value: "1" } as const;
/** The folder the sidecar files a dashboard under (the VM phases' provider folder). */
export const GRAFANA_FOLDER_ANNOTATION = "grafana_folder";
export const GRAFANA_DASHBOARD_FOLDER = "phase-stacks";

/** Where the Prometheus Operator mounts `alertmanagerSpec.secrets` (the chart's values.yaml). */
export const ALERTMANAGER_SECRETS_DIR = "/etc/alertmanager/secrets";

/** The path of one key of a Secret mounted into Alertmanager: what an AlertReceiver's `*File` names. */
export function alertmanagerSecretPath(secret: string, key: string): string {
    return `${ALERTMANAGER_SECRETS_DIR}/${secret}/${key}`;
}

export interface ObservabilityInput {
    /** The stack's name: every series carries it as `stack`, as on the VM phases. */
    readonly stack: string;
    /** Default `monitoring`. */
    readonly namespace?: string;
    /** A Secret in the namespace with Grafana's admin user and password (keys default to the chart's). */
    readonly grafanaAdmin: {
        readonly secretName: string;
        readonly userKey?: string;
        readonly passwordKey?: string;
    };
    readonly prometheus: { readonly retentionDays: number; readonly storageGi: number };
    readonly loki: { readonly retentionDays: number; readonly storageGi: number };
    readonly alertmanager?: {
        /** Where alerts go; undefined keeps them in Alertmanager's UI (as the dev stack does). */
        readonly receiver?: AlertReceiver;
        /** Secrets mounted into Alertmanager; the receiver's password or token file must be in one of them. */
        readonly secrets?: readonly string[];
        /** Default 10 GiB: silences and the notification log survive a restart. */
        readonly storageGi?: number;
    };
}

/** Node selector and toleration of the system pool, as clusterPlan.ts labels and taints it. */
export const SYSTEM_POOL_PLACEMENT: {
    readonly nodeSelector: Readonly<Record<string, string>>;
    readonly tolerations: readonly Toleration[];
} = {
    nodeSelector: { [POOL_KIND_LABEL]: "system" },
    tolerations: [{ key: POOL_KIND_LABEL, operator: "Equal", value: "system", effect: "NoSchedule" }],
};

/** A DaemonSet that must run on every node tolerates every taint. */
export const EVERY_NODE_TOLERATIONS: readonly { readonly operator: "Exists" }[] = [{ operator: "Exists" }];

const SECRET_KEY = /^[-._a-zA-Z0-9]+$/;
const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;

function placement(): { nodeSelector: Record<string, string>; tolerations: Toleration[] } {
    return {
        nodeSelector: { ...SYSTEM_POOL_PLACEMENT.nodeSelector },
        tolerations: SYSTEM_POOL_PLACEMENT.tolerations.map((t) => ({ ...t })),
    };
}

function everyNode(): { tolerations: { operator: "Exists" }[] } {
    return { tolerations: EVERY_NODE_TOLERATIONS.map((t) => ({ ...t })) };
}

function claim(storageGi: number): object {
    return {
        volumeClaimTemplate: {
            spec: {
                storageClassName: RETAIN_STORAGE_CLASS,
                accessModes: ["ReadWriteOnce"],
                resources: { requests: { storage: `${storageGi}Gi` } },
            },
        },
    };
}

interface Resolved {
    readonly namespace: string;
    readonly alertmanagerStorageGi: number;
}

function checked(input: ObservabilityInput): Resolved {
    const problems: string[] = [];
    const namespace = input.namespace ?? OBSERVABILITY_NAMESPACE;
    if (!isDnsLabel(namespace)) problems.push(`namespace '${namespace}' is not a namespace name`);
    if (!LABEL_VALUE.test(input.stack) || input.stack === "")
        problems.push(`stack '${input.stack}' is not a label value`);
    const admin = input.grafanaAdmin;
    if (!DNS_LABEL.test(admin.secretName) || admin.secretName.length > 253)
        problems.push(`grafanaAdmin.secretName '${admin.secretName}' is not a Secret name`);
    for (const k of ["userKey", "passwordKey"] as const) {
        const v = admin[k];
        if (v !== undefined && !SECRET_KEY.test(v))
            problems.push(`grafanaAdmin.${k} '${v}' is not a Secret key`);
    }
    const alertmanagerStorageGi = input.alertmanager?.storageGi ?? VOLUME_MIN_GB;
    const sizes: [string, number][] = [
        ["prometheus.storageGi", input.prometheus.storageGi],
        ["loki.storageGi", input.loki.storageGi],
        ["alertmanager.storageGi", alertmanagerStorageGi],
    ];
    for (const [k, v] of sizes)
        if (!Number.isInteger(v) || v < VOLUME_MIN_GB)
            problems.push(
                `${k} is ${v}: give whole GiB, at least ${VOLUME_MIN_GB} (Hetzner's smallest volume)`,
            );
    for (const [k, v] of [
        ["prometheus.retentionDays", input.prometheus.retentionDays],
        ["loki.retentionDays", input.loki.retentionDays],
    ] as const)
        if (!Number.isInteger(v) || v < 1) problems.push(`${k} is ${v}: give whole days, at least 1`);
    const secrets = input.alertmanager?.secrets ?? [];
    for (const s of secrets)
        if (!DNS_LABEL.test(s)) problems.push(`alertmanager.secrets: '${s}' is not a Secret name`);
    const receiver = input.alertmanager?.receiver;
    if (receiver) {
        const file = receiver.kind === "email" ? receiver.passwordFile : receiver.tokenFile;
        const mounted = secrets.some((s) => {
            const dir = `${ALERTMANAGER_SECRETS_DIR}/${s}/`;
            return file.startsWith(dir) && SECRET_KEY.test(file.slice(dir.length));
        });
        if (!mounted)
            problems.push(
                `alertmanager.receiver: '${file}' is not a key of a mounted Secret: name the Secret in ` +
                    `alertmanager.secrets and the file as alertmanagerSecretPath(secret, key)`,
            );
    }
    if (problems.length > 0) throw new Error(`observability: ${problems.join("; ")}`);
    return { namespace, alertmanagerStorageGi };
}

/** Loki's Service inside the cluster (the chart names the single binary's Service after the release). */
export function lokiUrl(namespace = OBSERVABILITY_NAMESPACE): string {
    return `http://${RELEASE_NAMES.loki}.${namespace}.svc.cluster.local:${LOKI_HTTP_PORT}`;
}

/** The dashboard ConfigMap's name for a dashboard file (`overview.json` -> `grafana-dashboard-overview`). */
export function dashboardConfigMapName(file: string): string {
    return `grafana-dashboard-${file.replace(/\.json$/, "")}`;
}

/** The kube-prometheus-stack chart's values (see the module comment for each choice). */
export function prometheusStackValues(input: ObservabilityInput): Record<string, unknown> {
    const { namespace, alertmanagerStorageGi } = checked(input);
    const admin = input.grafanaAdmin;
    return {
        defaultRules: {
            rules: {
                etcd: false,
                kubeControllerManager: false,
                kubeSchedulerAlerting: false,
                kubeSchedulerRecording: false,
                kubeProxy: false,
                windows: false,
            },
            // KubeNodePressure: clusterAlerts.ts's NodeUnderPressure replaces it, at the VM phases' warning.
            disabled: { Watchdog: true, InfoInhibitor: true, KubeNodePressure: true },
        },
        kubeControllerManager: { enabled: false },
        kubeScheduler: { enabled: false },
        kubeProxy: { enabled: false },
        kubeEtcd: { enabled: false },
        prometheusOperator: {
            ...placement(),
            admissionWebhooks: { patch: placement() },
        },
        prometheus: {
            prometheusSpec: {
                ...placement(),
                replicas: 1,
                externalLabels: { stack: input.stack },
                retention: `${input.prometheus.retentionDays}d`,
                // Prometheus reads GB as 2^30 bytes (units.Base2Bytes), so this is 85 % of the GiB volume.
                retentionSize: `${Math.floor(input.prometheus.storageGi * 0.85)}GB`,
                storageSpec: claim(input.prometheus.storageGi),
                ruleSelectorNilUsesHelmValues: false,
                serviceMonitorSelectorNilUsesHelmValues: false,
                podMonitorSelectorNilUsesHelmValues: false,
                probeSelectorNilUsesHelmValues: false,
                scrapeConfigSelectorNilUsesHelmValues: false,
                ruleSelector: {},
                ruleNamespaceSelector: {},
                serviceMonitorSelector: {},
                serviceMonitorNamespaceSelector: {},
                podMonitorSelector: {},
                podMonitorNamespaceSelector: {},
            },
        },
        alertmanager: {
            // Helm merges this map into the chart's: every list (routes, inhibit_rules, receivers) is replaced.
            config: buildAlertmanagerConfig(input.alertmanager?.receiver),
            alertmanagerSpec: {
                ...placement(),
                secrets: [...(input.alertmanager?.secrets ?? [])],
                storage: claim(alertmanagerStorageGi),
            },
        },
        "kube-state-metrics": placement(),
        "prometheus-node-exporter": everyNode(),
        grafana: {
            ...placement(),
            admin: {
                existingSecret: admin.secretName,
                userKey: admin.userKey ?? "admin-user",
                passwordKey: admin.passwordKey ?? "admin-password",
            },
            // The chart's helm-test pod would land on any node and is not part of the running stack.
            testFramework: { enabled: false },
            persistence: { enabled: false },
            sidecar: {
                dashboards: {
                    enabled: true,
                    label: GRAFANA_DASHBOARD_LABEL.key,
                    labelValue: GRAFANA_DASHBOARD_LABEL.value,
                    folderAnnotation: GRAFANA_FOLDER_ANNOTATION,
                    provider: { allowUiUpdates: false, foldersFromFilesStructure: true },
                },
                datasources: {
                    enabled: true,
                    defaultDatasourceEnabled: true,
                    isDefaultDatasource: true,
                    name: "Prometheus",
                    uid: PROMETHEUS_DATASOURCE.uid,
                },
            },
            additionalDataSources: [
                {
                    name: "Loki",
                    uid: LOKI_DATASOURCE.uid,
                    type: LOKI_DATASOURCE.type,
                    access: "proxy",
                    url: lokiUrl(namespace),
                    isDefault: false,
                    editable: false,
                },
            ],
        },
    };
}

/** The shared store settings under the chart's names (its `schemaConfig` becomes Loki's `schema_config`). */
function chartStoreSettings(retentionDays: number): Record<string, unknown> {
    const { schema_config, ...rest } = lokiStoreSettings(retentionDays);
    return { schemaConfig: schema_config, ...rest };
}

/** The Loki chart's values: one binary, filesystem chunks and TSDB index on a Retain volume, compactor retention. */
export function lokiValues(input: ObservabilityInput): Record<string, unknown> {
    checked(input);
    const pod = placement();
    return {
        deploymentMode: "Monolithic",
        defaults: placement(),
        loki: {
            auth_enabled: false,
            commonConfig: { replication_factor: 1 },
            storage: { type: "filesystem" },
            ...chartStoreSettings(input.loki.retentionDays),
        },
        singleBinary: {
            ...pod,
            replicas: 1,
            persistence: {
                enabled: true,
                // Deleting or scaling down the StatefulSet keeps the claim (and the Retain class the volume).
                enableStatefulSetAutoDeletePVC: false,
                accessModes: ["ReadWriteOnce"],
                size: `${input.loki.storageGi}Gi`,
                storageClass: RETAIN_STORAGE_CLASS,
            },
        },
        // The other deployment modes' workloads, as the chart's own monolithic example zeroes them.
        read: { replicas: 0 },
        write: { replicas: 0 },
        backend: { replicas: 0 },
        // Alloy pushes to the single binary's Service directly; no nginx gateway, canary, caches or test pod.
        gateway: { enabled: false },
        lokiCanary: { enabled: false },
        test: { enabled: false },
        chunksCache: { enabled: false },
        resultsCache: { enabled: false },
        minio: { enabled: false },
        monitoring: { serviceMonitor: { enabled: true } },
    };
}

const relabel = (
    source: readonly string[],
    target: string,
    extra: [string, AlloyValue][] = [],
): AlloyBlock => ({
    name: "rule",
    attrs: [["source_labels", [...source]], ...extra, ["target_label", target]],
});

/**
 * The env var Alloy reads its node's name from: the chart sets HOSTNAME from the pod's `spec.nodeName`
 * (`templates/containers/_agent.yaml`), as Alloy's "Collect Kubernetes logs" guide expects.
 */
export const ALLOY_NODE_ENV = "HOSTNAME";

/**
 * Alloy's pipeline: the pods of its own node, labelled namespace/pod/container/node, their CRI log files under
 * /var/log/pods/<namespace>_<pod>_<uid>/<container>/, parsed from the CRI format and pushed to Loki.
 */
export function alloyConfig(namespace = OBSERVABILITY_NAMESPACE): string {
    const blocks: AlloyBlock[] = [
        {
            name: "discovery.kubernetes",
            label: "pods",
            attrs: [["role", "pod"]],
            blocks: [
                {
                    name: "selectors",
                    attrs: [
                        ["role", "pod"],
                        ["field", { ref: `"spec.nodeName=" + sys.env(${JSON.stringify(ALLOY_NODE_ENV)})` }],
                    ],
                },
            ],
        },
        {
            name: "discovery.relabel",
            label: "pods",
            attrs: [["targets", { ref: "discovery.kubernetes.pods.targets" }]],
            blocks: [
                relabel(["__meta_kubernetes_namespace"], "namespace"),
                relabel(["__meta_kubernetes_pod_name"], "pod"),
                relabel(["__meta_kubernetes_pod_container_name"], "container"),
                relabel(["__meta_kubernetes_pod_node_name"], "node"),
                relabel(["__meta_kubernetes_pod_uid", "__meta_kubernetes_pod_container_name"], "__path__", [
                    ["separator", "/"],
                    ["replacement", "/var/log/pods/*$1/*.log"],
                ]),
            ],
        },
        {
            name: "local.file_match",
            label: "pods",
            attrs: [["path_targets", { ref: "discovery.relabel.pods.output" }]],
        },
        {
            name: "loki.source.file",
            label: "pods",
            attrs: [
                ["targets", { ref: "local.file_match.pods.targets" }],
                ["forward_to", [{ ref: "loki.process.pods.receiver" }]],
            ],
        },
        {
            name: "loki.process",
            label: "pods",
            attrs: [["forward_to", [{ ref: "loki.write.loki.receiver" }]]],
            blocks: [{ name: "stage.cri" }],
        },
        {
            name: "loki.write",
            label: "loki",
            blocks: [{ name: "endpoint", attrs: [["url", `${lokiUrl(namespace)}${LOKI_PUSH_PATH}`]] }],
        },
    ];
    return renderAlloy(blocks);
}

/** The Alloy chart's values: a DaemonSet on every node reading the host's /var/log. */
export function alloyValues(input: ObservabilityInput): Record<string, unknown> {
    const { namespace } = checked(input);
    return {
        // The PodLogs CRD is for Alloy's operator mode, which this pipeline does not use.
        crds: { create: false },
        alloy: {
            configMap: { create: true, content: alloyConfig(namespace) },
            mounts: { varlog: true },
            enableReporting: false,
        },
        controller: { type: "daemonset", ...everyNode() },
        serviceMonitor: { enabled: true },
    };
}

/**
 * The releases, in install order: the Prometheus stack first (its CRDs carry the ServiceMonitors the other two
 * charts create), then Loki, then the agent that writes to it.
 */
export function observabilityReleases(input: ObservabilityInput): HelmRelease[] {
    const { namespace } = checked(input);
    return [
        {
            name: RELEASE_NAMES.prometheusStack,
            namespace,
            chart: KUBE_PROMETHEUS_STACK_CHART.chart,
            version: KUBE_PROMETHEUS_STACK_CHART.version,
            repo: KUBE_PROMETHEUS_STACK_CHART.repo,
            values: prometheusStackValues(input),
        },
        {
            name: RELEASE_NAMES.loki,
            namespace,
            chart: LOKI_CHART.chart,
            version: LOKI_CHART.version,
            repo: LOKI_CHART.repo,
            values: lokiValues(input),
            after: [RELEASE_NAMES.prometheusStack],
        },
        {
            name: RELEASE_NAMES.alloy,
            namespace,
            chart: ALLOY_CHART.chart,
            version: ALLOY_CHART.version,
            repo: ALLOY_CHART.repo,
            values: alloyValues(input),
            after: [RELEASE_NAMES.loki],
        },
    ];
}

/**
 * One ConfigMap per dashboard of phase 5 (the VM phases' JSON, `dashboardsFor`), labelled for Grafana's sidecar
 * and filed in the phase-stacks folder. Compact JSON keeps each far under a ConfigMap's 1 MiB.
 */
export function dashboardConfigMaps(namespace = OBSERVABILITY_NAMESPACE): KubeObject[] {
    return dashboardsFor("phase5").map((d) => ({
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: {
            name: dashboardConfigMapName(d.file),
            namespace,
            labels: { [GRAFANA_DASHBOARD_LABEL.key]: GRAFANA_DASHBOARD_LABEL.value },
            annotations: { [GRAFANA_FOLDER_ANNOTATION]: GRAFANA_DASHBOARD_FOLDER },
        },
        data: { [d.file]: renderDashboard(d.dashboard) },
    }));
}

/** The objects the shell applies beside the releases (after the Prometheus stack, whose Grafana reads them). */
export function observabilityObjects(input: ObservabilityInput): KubeObject[] {
    const { namespace } = checked(input);
    return dashboardConfigMaps(namespace);
}

/** The volumes the releases claim, for the cost model: one per StatefulSet replica, all on the Retain class. */
export function observabilityVolumes(input: ObservabilityInput): { name: string; storageGi: number }[] {
    const { alertmanagerStorageGi } = checked(input);
    return [
        { name: "prometheus", storageGi: input.prometheus.storageGi },
        { name: "alertmanager", storageGi: alertmanagerStorageGi },
        { name: "loki", storageGi: input.loki.storageGi },
    ];
}
