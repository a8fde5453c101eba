/**
 * The operators phase 5's Postgres needs, as Helm releases (research anchors §6.1, §7.1): cert-manager, the
 * CloudNativePG operator, and the Barman Cloud plugin that archives WAL and takes base backups for it. Pure data;
 * components/k8s/helmReleases applies it, in the order `after` gives.
 *
 * Choices:
 * - Every version is an exact chart version with the snapshot it was read from; an upgrade is a reviewed edit of
 *   that line. The research advises a CNPG patch release past 1.30.0 (cnpg #11495, wrong-instance failover, is
 *   fixed after it); the charts repository's newest snapshot (b21ad2d, 2026-07-20) has no chart past 0.29.0, so
 *   this pins 0.29.0 and a later chart is the first upgrade to make once it exists.
 * - The Barman Cloud plugin installs into the operator's namespace (its docs: it "must be installed in the same
 *   namespace as the CloudNativePG operator") and after cert-manager, whose Issuer and Certificates its chart
 *   creates, and after the operator, which discovers it through its Service in that namespace.
 * - The plugin's chart (0.7.0) carries plugin v0.13.0 and lags the plugin (v0.14.0): the chart's image and CRD
 *   are kept together rather than overriding the image past the CRD the chart installs.
 * - The operators run on the system pool (clusterPlan.ts labels it and taints it NoSchedule) when the cluster has
 *   one, tolerating its taint; without one they run wherever the scheduler puts them.
 * - The charts' own PodMonitor switches stay off: they need the Prometheus Operator's CRDs at install time. The
 *   operator's PodMonitor is a plain object here (`operatorObjects`), applied once those CRDs exist.
 */
import { POOL_KIND_LABEL, type PoolPlan, type Taint } from "./clusterPlan";
import type { HelmRelease } from "./helmRelease";
import type { KubeObject } from "./objects";

/** The namespace of the CloudNativePG operator and, as the plugin requires, of the Barman Cloud plugin. */
export const CNPG_NAMESPACE = "cnpg-system";
export const CERT_MANAGER_NAMESPACE = "cert-manager";

/** Release names; the operator's pods carry `app.kubernetes.io/instance: <release>`. */
export const OPERATOR_RELEASES = {
    certManager: "cert-manager",
    cnpg: "cnpg",
    barmanCloud: "barman-cloud",
} as const;

/**
 * cert-manager v1.21.0: the release the Barman Cloud plugin's own end-to-end tests install
 * (cloudnative-pg/plugin-barman-cloud @9967e2c, test/e2e/internal/certmanager/certmanager.go `DefaultVersion`).
 * The jetstack chart's versions carry the `v`.
 */
export const CERT_MANAGER_CHART = {
    repo: "https://charts.jetstack.io",
    chart: "cert-manager",
    version: "v1.21.0",
} as const;

/**
 * cloudnative-pg chart 0.29.0 = operator 1.30.0 (cloudnative-pg/charts @b21ad2d, charts/cloudnative-pg/Chart.yaml
 * `version`/`appVersion`; research anchors §6.1).
 */
export const CNPG_CHART = {
    repo: "https://cloudnative-pg.github.io/charts",
    chart: "cloudnative-pg",
    version: "0.29.0",
    appVersion: "1.30.0",
} as const;

/**
 * plugin-barman-cloud chart 0.7.0 = plugin v0.13.0 (cloudnative-pg/charts @b21ad2d,
 * charts/plugin-barman-cloud/Chart.yaml; research anchors §6.1).
 */
export const BARMAN_CLOUD_CHART = {
    repo: "https://cloudnative-pg.github.io/charts",
    chart: "plugin-barman-cloud",
    version: "0.7.0",
    appVersion: "v0.13.0",
} as const;

/** The operator's pod labels (chart `cloudnative-pg.selectorLabels`) and its metrics port (8080, `metrics`). */
export const CNPG_OPERATOR_SELECTOR = {
    "app.kubernetes.io/name": "cloudnative-pg",
    "app.kubernetes.io/instance": OPERATOR_RELEASES.cnpg,
} as const;
export const CNPG_OPERATOR_METRICS_PORT = "metrics";

export interface Placement {
    readonly nodeSelector?: Readonly<Record<string, string>>;
    readonly tolerations: readonly {
        key: string;
        operator: "Equal";
        value: string;
        effect: Taint["effect"];
    }[];
}

/** On the system pool when there is one (selected by its kind label, its taint tolerated), else unconstrained. */
export function systemPlacement(pools: readonly Pick<PoolPlan, "kind" | "taints">[]): Placement {
    const system = pools.filter((p) => p.kind === "system");
    if (system.length === 0) return { tolerations: [] };
    const taints = system.flatMap((p) => p.taints);
    const unique = taints.filter(
        (t, i) =>
            taints.findIndex((u) => u.key === t.key && u.value === t.value && u.effect === t.effect) === i,
    );
    return {
        nodeSelector: { [POOL_KIND_LABEL]: "system" },
        tolerations: unique.map((t) => ({ key: t.key, operator: "Equal", value: t.value, effect: t.effect })),
    };
}

/** `nodeSelector` and `tolerations` as chart values (both charts take them at these keys). */
function placementValues(p: Placement): Record<string, unknown> {
    return {
        ...(p.nodeSelector ? { nodeSelector: { ...p.nodeSelector } } : {}),
        tolerations: p.tolerations.map((t) => ({ ...t })),
    };
}

/**
 * The three releases, in install order: cert-manager, the CNPG operator, then the Barman Cloud plugin (after
 * both). `pools` is the cluster plan's pools, for the system pool's placement.
 */
export function operatorReleases(pools: readonly Pick<PoolPlan, "kind" | "taints">[]): HelmRelease[] {
    const placement = placementValues(systemPlacement(pools));
    return [
        {
            name: OPERATOR_RELEASES.certManager,
            namespace: CERT_MANAGER_NAMESPACE,
            chart: CERT_MANAGER_CHART.chart,
            version: CERT_MANAGER_CHART.version,
            repo: CERT_MANAGER_CHART.repo,
            values: {
                // `installCRDs` is deprecated for these two; `keep` leaves the CRDs (and every Certificate) in
                // place if the release is ever uninstalled.
                crds: { enabled: true, keep: true },
                // The controller, webhook, cainjector and the startup check are four pods with their own keys.
                ...placement,
                webhook: { ...placement },
                cainjector: { ...placement },
                startupapicheck: { ...placement },
            },
        },
        {
            name: OPERATOR_RELEASES.cnpg,
            namespace: CNPG_NAMESPACE,
            chart: CNPG_CHART.chart,
            version: CNPG_CHART.version,
            repo: CNPG_CHART.repo,
            values: {
                crds: { create: true },
                monitoring: { podMonitorEnabled: false },
                ...placement,
            },
        },
        {
            name: OPERATOR_RELEASES.barmanCloud,
            namespace: CNPG_NAMESPACE,
            chart: BARMAN_CLOUD_CHART.chart,
            version: BARMAN_CLOUD_CHART.version,
            repo: BARMAN_CLOUD_CHART.repo,
            values: { crds: { create: true }, ...placement },
            after: [OPERATOR_RELEASES.certManager, OPERATOR_RELEASES.cnpg],
        },
    ];
}

/** The operator's PodMonitor (monitoring.coreos.com/v1): needs the Prometheus Operator's CRDs first. */
export function operatorObjects(): KubeObject[] {
    return [
        {
            apiVersion: "monitoring.coreos.com/v1",
            kind: "PodMonitor",
            metadata: { name: "cnpg-operator", namespace: CNPG_NAMESPACE },
            spec: {
                selector: { matchLabels: { ...CNPG_OPERATOR_SELECTOR } },
                podMetricsEndpoints: [{ port: CNPG_OPERATOR_METRICS_PORT }],
            },
        },
    ];
}
