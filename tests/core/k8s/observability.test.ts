/**
 * Phase 5's observability releases: pinned charts, every workload on the system pool (the DaemonSets on every
 * node), Prometheus's retention, Retain volumes and cluster-wide selectors, the VM phases' Alertmanager routes
 * (checked by amtool), Grafana's admin Secret, datasources and dashboards, Loki's single binary, and Alloy's
 * pipeline into Loki.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { POOL_KIND_LABEL } from "../../../core/k8s/clusterPlan";
import type { HelmRelease } from "../../../core/k8s/helmRelease";
import {
    ALERTMANAGER_SECRETS_DIR,
    alertmanagerSecretPath,
    alloyConfig,
    dashboardConfigMaps,
    GRAFANA_DASHBOARD_LABEL,
    GRAFANA_FOLDER_ANNOTATION,
    LOKI_DATASOURCE,
    LOKI_SCHEMA_FROM,
    lokiUrl,
    observabilityObjects,
    observabilityReleases,
    observabilityVolumes,
    RELEASE_NAMES,
    type ObservabilityInput,
} from "../../../core/k8s/observability";
import { RETAIN_STORAGE_CLASS } from "../../../core/k8s/storage";
import { toYaml } from "../../../core/render/base/yaml";
import { buildAlertmanagerConfig, type AlertReceiver } from "../../../core/render/monitoring/alertmanager";
import { dashboardsFor, PROMETHEUS_DATASOURCE } from "../../../core/render/monitoring/dashboards";
import { kubeSchemaProblems } from "../../helpers/kubeSchemas";
import { runTool } from "../../helpers/tools";
import { removeDir, tempDir } from "../../render/fixtures";

type Json = Record<string, unknown>;

const WEBHOOK: AlertReceiver = {
    kind: "webhook",
    url: "https://hooks.example.com/alerts",
    tokenFile: alertmanagerSecretPath("alert-webhook", "token"),
};

const INPUT: ObservabilityInput = {
    stack: "phase5",
    grafanaAdmin: { secretName: "grafana-admin" },
    prometheus: { retentionDays: 30, storageGi: 50 },
    loki: { retentionDays: 14, storageGi: 40 },
    alertmanager: { receiver: WEBHOOK, secrets: ["alert-webhook"] },
};

const releases = observabilityReleases(INPUT);
const release = (name: string): HelmRelease => {
    const r = releases.find((x) => x.name === name);
    if (!r) throw new Error(`no release ${name}`);
    return r;
};
/** The values as Helm receives them: serialized to YAML and read back. */
const values = (name: string): Json => parse(toYaml(release(name).values)) as Json;

function at(obj: unknown, path: string): unknown {
    return path.split(".").reduce<unknown>((o, k) => (o as Json | undefined)?.[k], obj);
}

const dirs: string[] = [];
afterAll(() => dirs.forEach(removeDir));

const SYSTEM_TOLERATION = { key: POOL_KIND_LABEL, operator: "Equal", value: "system", effect: "NoSchedule" };

/**
 * Every Deployment and StatefulSet the charts render (as the charts' values.yaml name their placement blocks), and
 * the DaemonSets. A new workload in a chart upgrade belongs in this list.
 */
const POOL_WORKLOADS: Readonly<Record<string, readonly string[]>> = {
    [RELEASE_NAMES.prometheusStack]: [
        "prometheusOperator",
        "prometheusOperator.admissionWebhooks.patch",
        "prometheus.prometheusSpec",
        "alertmanager.alertmanagerSpec",
        "kube-state-metrics",
        "grafana",
    ],
    [RELEASE_NAMES.loki]: ["defaults", "singleBinary"],
    [RELEASE_NAMES.alloy]: [],
};
const DAEMONSETS: Readonly<Record<string, readonly string[]>> = {
    [RELEASE_NAMES.prometheusStack]: ["prometheus-node-exporter"],
    [RELEASE_NAMES.loki]: [],
    [RELEASE_NAMES.alloy]: ["controller"],
};

/** What is wrong with one workload's placement block; empty when it runs where it should. */
function placementProblems(vals: Json, path: string, daemonSet: boolean): string[] {
    const block = at(vals, path) as Json | undefined;
    if (!block) return [`${path}: missing`];
    const tolerations = (block.tolerations ?? []) as Json[];
    const problems: string[] = [];
    if (daemonSet) {
        if (
            !tolerations.some((t) => t.operator === "Exists" && t.key === undefined && t.effect === undefined)
        )
            problems.push(`${path}: a DaemonSet must tolerate every taint`);
        if (block.nodeSelector && Object.keys(block.nodeSelector).length > 0)
            problems.push(`${path}: a DaemonSet must not select a pool`);
        return problems;
    }
    if (!tolerations.some((t) => JSON.stringify(t) === JSON.stringify(SYSTEM_TOLERATION)))
        problems.push(`${path}: does not tolerate the system pool's taint`);
    if ((block.nodeSelector as Json | undefined)?.[POOL_KIND_LABEL] !== "system")
        problems.push(`${path}: does not select the system pool`);
    return problems;
}

describe("observability releases", () => {
    it("pin every chart to an exact version, in install order", () => {
        expect(releases.map((r) => [r.name, r.chart, r.version, r.repo])).toEqual([
            [
                "kube-prometheus-stack",
                "kube-prometheus-stack",
                "88.5.3",
                "https://prometheus-community.github.io/helm-charts",
            ],
            ["loki", "loki", "18.11.0", "https://grafana-community.github.io/helm-charts"],
            ["alloy", "alloy", "1.11.1", "https://grafana.github.io/helm-charts"],
        ]);
        for (const r of releases) {
            expect(r.version).toMatch(/^\d+\.\d+\.\d+$/);
            expect(r.namespace).toBe("monitoring");
        }
        expect(release("loki").after).toEqual(["kube-prometheus-stack"]);
        expect(release("alloy").after).toEqual(["loki"]);
    });

    it("put every workload on the system pool and every DaemonSet on every node", () => {
        for (const r of releases) {
            const v = values(r.name);
            const problems = [
                ...(POOL_WORKLOADS[r.name] ?? []).map((p) => placementProblems(v, p, false)),
                ...(DAEMONSETS[r.name] ?? []).map((p) => placementProblems(v, p, true)),
            ].flat();
            expect(problems, r.name).toEqual([]);
        }
        // The check can fail: a block without the toleration, or a DaemonSet pinned to a pool.
        const broken = values(RELEASE_NAMES.prometheusStack);
        (broken.grafana as Json).tolerations = [];
        expect(placementProblems(broken, "grafana", false)).toEqual([
            "grafana: does not tolerate the system pool's taint",
        ]);
        expect(placementProblems(broken, "grafana", true)).not.toEqual([]);
    });

    it("keep Prometheus for the input's days on a Retain volume, under 85 % of it, labelled with the stack", () => {
        const spec = at(values(RELEASE_NAMES.prometheusStack), "prometheus.prometheusSpec") as Json;
        expect(spec.retention).toBe("30d");
        expect(spec.retentionSize).toBe("42GB");
        expect(spec.externalLabels).toEqual({ stack: "phase5" });
        expect(at(spec, "storageSpec.volumeClaimTemplate.spec")).toEqual({
            storageClassName: RETAIN_STORAGE_CLASS,
            accessModes: ["ReadWriteOnce"],
            resources: { requests: { storage: "50Gi" } },
        });
        const other = observabilityReleases({ ...INPUT, prometheus: { retentionDays: 90, storageGi: 100 } });
        expect(at(other[0]!.values, "prometheus.prometheusSpec.retention")).toBe("90d");
    });

    it("pick up rules, service and pod monitors from every namespace without the chart's release label", () => {
        const spec = at(values(RELEASE_NAMES.prometheusStack), "prometheus.prometheusSpec") as Json;
        for (const kind of ["rule", "serviceMonitor", "podMonitor", "probe", "scrapeConfig"])
            expect(spec[`${kind}SelectorNilUsesHelmValues`], kind).toBe(false);
        for (const kind of ["rule", "serviceMonitor", "podMonitor"]) {
            expect(spec[`${kind}Selector`], kind).toEqual({});
            expect(spec[`${kind}NamespaceSelector`], kind).toEqual({});
        }
    });

    it("route alerts with the VM phases' Alertmanager config, which amtool accepts, reading the mounted Secret", () => {
        const am = at(values(RELEASE_NAMES.prometheusStack), "alertmanager") as Json;
        expect(am.config).toEqual(buildAlertmanagerConfig(WEBHOOK));
        expect(at(am, "alertmanagerSpec.secrets")).toEqual(["alert-webhook"]);
        expect(at(am, "alertmanagerSpec.storage.volumeClaimTemplate.spec.storageClassName")).toBe(
            RETAIN_STORAGE_CLASS,
        );
        expect(WEBHOOK.tokenFile).toBe(`${ALERTMANAGER_SECRETS_DIR}/alert-webhook/token`);
        const dir = tempDir("k8s-am");
        dirs.push(dir);
        writeFileSync(join(dir, "alertmanager.yml"), toYaml(am.config));
        const r = runTool("amtool", ["check-config", join(dir, "alertmanager.yml")]);
        expect(r.status, r.output).toBe(0);
    });

    it("refuse a receiver whose secret file is not in a mounted Secret", () => {
        expect(() => observabilityReleases({ ...INPUT, alertmanager: { receiver: WEBHOOK } })).toThrow(
            /alertmanager.receiver: '\/etc\/alertmanager\/secrets\/alert-webhook\/token' is not a key of a mounted Secret/,
        );
        expect(() =>
            observabilityReleases({
                ...INPUT,
                alertmanager: {
                    receiver: { ...WEBHOOK, tokenFile: "/run/secrets/token" },
                    secrets: ["alert-webhook"],
                },
            }),
        ).toThrow(/is not a key of a mounted Secret/);
    });

    it("turn off what k3s does not expose and the chart's always-firing alerts", () => {
        const v = values(RELEASE_NAMES.prometheusStack);
        for (const c of ["kubeControllerManager", "kubeScheduler", "kubeProxy", "kubeEtcd"])
            expect(at(v, `${c}.enabled`), c).toBe(false);
        expect(at(v, "defaultRules.disabled")).toEqual({
            Watchdog: true,
            InfoInhibitor: true,
            KubeNodePressure: true,
        });
    });

    it("give Grafana its admin from the Secret, Prometheus under the dashboards' uid, and Loki", () => {
        const g = at(values(RELEASE_NAMES.prometheusStack), "grafana") as Json;
        expect(g.admin).toEqual({
            existingSecret: "grafana-admin",
            userKey: "admin-user",
            passwordKey: "admin-password",
        });
        expect(JSON.stringify(g)).not.toMatch(/adminPassword/);
        expect(at(g, "sidecar.datasources.uid")).toBe(PROMETHEUS_DATASOURCE.uid);
        expect(g.additionalDataSources).toEqual([
            expect.objectContaining({ type: LOKI_DATASOURCE.type, uid: LOKI_DATASOURCE.uid, url: lokiUrl() }),
        ]);
        expect(lokiUrl()).toBe("http://loki.monitoring.svc.cluster.local:3100");
        const keys = observabilityReleases({
            ...INPUT,
            grafanaAdmin: { secretName: "ga", userKey: "user", passwordKey: "pass" },
        });
        expect(at(keys[0]!.values, "grafana.admin")).toEqual({
            existingSecret: "ga",
            userKey: "user",
            passwordKey: "pass",
        });
    });

    it("run Loki as one binary on a Retain volume, keeping logs for the input's days", () => {
        const v = values(RELEASE_NAMES.loki);
        expect(v.deploymentMode).toBe("Monolithic");
        expect(at(v, "loki.storage.type")).toBe("filesystem");
        expect(at(v, "loki.auth_enabled")).toBe(false);
        expect(at(v, "loki.schemaConfig.configs")).toEqual([
            expect.objectContaining({
                from: LOKI_SCHEMA_FROM,
                store: "tsdb",
                object_store: "filesystem",
                schema: "v13",
            }),
        ]);
        expect(at(v, "loki.limits_config.retention_period")).toBe("336h");
        expect(at(v, "loki.compactor.retention_enabled")).toBe(true);
        expect(at(v, "singleBinary.replicas")).toBe(1);
        expect(at(v, "singleBinary.persistence")).toMatchObject({
            enabled: true,
            size: "40Gi",
            storageClass: RETAIN_STORAGE_CLASS,
            enableStatefulSetAutoDeletePVC: false,
        });
        // The chart's validate.yaml refuses monolithic replicas beside simple-scalable ones (read/write/backend
        // default to 3).
        for (const target of ["read", "write", "backend"])
            expect(at(v, `${target}.replicas`), target).toBe(0);
        for (const off of ["gateway", "lokiCanary", "test", "chunksCache", "resultsCache", "minio"])
            expect(at(v, `${off}.enabled`), off).toBe(false);
    });

    it("ship every node's container logs to Loki's push endpoint with Alloy", () => {
        const v = values(RELEASE_NAMES.alloy);
        expect(at(v, "controller.type")).toBe("daemonset");
        expect(at(v, "alloy.mounts.varlog")).toBe(true);
        const config = at(v, "alloy.configMap.content") as string;
        expect(config).toBe(alloyConfig());
        expect(config).toContain(`url = "${lokiUrl()}/loki/api/v1/push"`);
        expect(config).toContain('field = "spec.nodeName=" + sys.env("HOSTNAME")');
        expect(config).toContain('replacement = "/var/log/pods/*$1/*.log"');
        expect(config).toMatch(
            /loki\.process "pods" \{\n {2}forward_to = \[loki\.write\.loki\.receiver\]\n {2}stage\.cri \{\}\n\}/,
        );
        // Every component that is referenced is declared, and braces balance.
        for (const ref of config.matchAll(
            /\b(discovery\.kubernetes|discovery\.relabel|local\.file_match|loki\.process|loki\.write)\.(\w+)\.(targets|output|receiver)\b/g,
        ))
            expect(config, ref[0]).toContain(`${ref[1]} "${ref[2]}" {`);
        expect(config.split("{").length).toBe(config.split("}").length);
        expect(alloyConfig("observability")).toContain("http://loki.observability.svc.cluster.local:3100");
    });

    it("reject volumes under Hetzner's 10 GiB, fractional retention and bad names, listing every problem", () => {
        const e = (() => {
            try {
                observabilityReleases({
                    ...INPUT,
                    prometheus: { retentionDays: 0, storageGi: 5 },
                    loki: { retentionDays: 1.5, storageGi: 10 },
                    grafanaAdmin: { secretName: "A" },
                });
            } catch (err) {
                return (err as Error).message;
            }
            return "";
        })();
        expect(e).toContain("grafanaAdmin.secretName 'A'");
        expect(e).toContain("prometheus.storageGi is 5");
        expect(e).toContain("prometheus.retentionDays is 0");
        expect(e).toContain("loki.retentionDays is 1.5");
        expect(e).not.toContain("loki.storageGi");
        expect(observabilityVolumes(INPUT)).toEqual([
            { name: "prometheus", storageGi: 50 },
            { name: "alertmanager", storageGi: 10 },
            { name: "loki", storageGi: 40 },
        ]);
    });
});

describe("dashboard ConfigMaps", () => {
    const maps = observabilityObjects(INPUT);

    it("pass the Kubernetes schema, and fail it with a wrongly typed field", () => {
        expect(maps.flatMap(kubeSchemaProblems)).toEqual([]);
        expect(kubeSchemaProblems({ ...maps[0]!, data: { "x.json": 1 } })).not.toEqual([]);
    });

    it("carry the VM phases' dashboards, one each, labelled for the sidecar the chart configures", () => {
        const sidecar = at(values(RELEASE_NAMES.prometheusStack), "grafana.sidecar.dashboards") as Json;
        expect(sidecar).toMatchObject({
            enabled: true,
            label: GRAFANA_DASHBOARD_LABEL.key,
            labelValue: GRAFANA_DASHBOARD_LABEL.value,
            folderAnnotation: GRAFANA_FOLDER_ANNOTATION,
        });
        const expected = dashboardsFor("phase5");
        expect(maps).toHaveLength(expected.length);
        expected.forEach((d, i) => {
            const cm = maps[i]!;
            expect(cm.metadata.namespace).toBe("monitoring");
            expect(cm.metadata.labels).toEqual({ [String(sidecar.label)]: String(sidecar.labelValue) });
            const data = cm.data as Record<string, string>;
            expect(Object.keys(data)).toEqual([d.file]);
            expect(JSON.parse(data[d.file]!)).toEqual(d.dashboard);
            expect(Buffer.byteLength(data[d.file]!)).toBeLessThan(1024 * 1024);
        });
        expect(new Set(maps.map((m) => m.metadata.name)).size).toBe(maps.length);
        expect(
            dashboardConfigMaps("observability").every((m) => m.metadata.namespace === "observability"),
        ).toBe(true);
    });
});
