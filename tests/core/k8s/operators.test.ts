/**
 * The operator releases: exact versions, the Barman Cloud plugin in the operator's namespace after cert-manager,
 * every pod on the system pool tolerating its taint, and a PodMonitor that selects the operator's pods.
 */
import { describe, expect, it } from "vitest";
import { DEFAULT_SYSTEM_RESERVE_MB } from "../../../core/capacity/plan";
import { Kubernetes } from "../../../core/config/kubernetes";
import { clusterPlan, POOL_KIND_LABEL } from "../../../core/k8s/clusterPlan";
import type { HelmRelease } from "../../../core/k8s/helmRelease";
import {
    CNPG_NAMESPACE,
    CNPG_OPERATOR_METRICS_PORT,
    CNPG_OPERATOR_SELECTOR,
    OPERATOR_RELEASES,
    operatorObjects,
    operatorReleases,
    systemPlacement,
} from "../../../core/k8s/operators";
import { kubeSchemaProblems } from "../../helpers/kubeSchemas";

const pools = (withSystem: boolean) =>
    clusterPlan(
        Kubernetes.parse({
            version: "v1.33.13+k3s2",
            controlPlane: { type: "cx33", count: 3 },
            nodePools: [
                ...(withSystem ? [{ name: "system", role: "system", type: "cx23", min: 2, max: 2 }] : []),
                { name: "app", type: "cx43", min: 3, max: 6 },
            ],
        }),
        undefined,
        "10.0.1.0/24",
        DEFAULT_SYSTEM_RESERVE_MB,
    ).pools;

const releases = operatorReleases(pools(true));
const byName = (name: string): HelmRelease => {
    const r = releases.find((x) => x.name === name);
    if (!r) throw new Error(`no release ${name}`);
    return r;
};

/** An exact SemVer 2.0 version, optionally with the `v` the jetstack chart uses: no range, no wildcard. */
const EXACT = /^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$/;

describe("operatorReleases", () => {
    it("installs cert-manager, the CNPG operator and the Barman Cloud plugin from their chart repositories", () => {
        expect(releases.map((r) => [r.name, r.repo, r.chart])).toEqual([
            ["cert-manager", "https://charts.jetstack.io", "cert-manager"],
            ["cnpg", "https://cloudnative-pg.github.io/charts", "cloudnative-pg"],
            ["barman-cloud", "https://cloudnative-pg.github.io/charts", "plugin-barman-cloud"],
        ]);
        expect(byName(OPERATOR_RELEASES.cnpg).version).toBe("0.29.0");
    });

    it("pins every chart to one exact version", () => {
        for (const r of releases) expect(r.version, r.name).toMatch(EXACT);
        for (const range of ["^0.29.0", "~0.29", "0.29.x", ">=0.29.0", "0.29", "*", "latest"])
            expect(range).not.toMatch(EXACT);
    });

    it("installs the plugin into the operator's namespace, after cert-manager and the operator", () => {
        const cnpg = byName(OPERATOR_RELEASES.cnpg);
        const plugin = byName(OPERATOR_RELEASES.barmanCloud);
        expect(cnpg.namespace).toBe(CNPG_NAMESPACE);
        expect(plugin.namespace).toBe(cnpg.namespace);
        expect(plugin.after).toEqual(expect.arrayContaining([OPERATOR_RELEASES.certManager, cnpg.name]));
        // Every `after` names a release that exists and comes earlier: the order is acyclic.
        releases.forEach((r, i) => {
            for (const dep of r.after ?? []) {
                const at = releases.findIndex((x) => x.name === dep);
                expect(at, `${r.name} after ${dep}`).toBeGreaterThanOrEqual(0);
                expect(at, `${r.name} after ${dep}`).toBeLessThan(i);
            }
        });
        expect(byName(OPERATOR_RELEASES.certManager).after ?? []).toEqual([]);
    });

    it("has each chart install its CRDs, cert-manager with crds.enabled rather than the deprecated installCRDs", () => {
        const cm = byName(OPERATOR_RELEASES.certManager).values;
        expect(cm["crds"]).toMatchObject({ enabled: true });
        expect(cm).not.toHaveProperty("installCRDs");
        expect(byName(OPERATOR_RELEASES.cnpg).values["crds"]).toEqual({ create: true });
        expect(byName(OPERATOR_RELEASES.barmanCloud).values["crds"]).toEqual({ create: true });
    });

    it("puts every pod on the system pool and tolerates its taint", () => {
        const [system] = pools(true);
        expect(system?.kind).toBe("system");
        const taint = system?.taints[0];
        expect(taint).toEqual({ key: POOL_KIND_LABEL, value: "system", effect: "NoSchedule" });
        const want = {
            nodeSelector: { [POOL_KIND_LABEL]: "system" },
            tolerations: [{ ...taint, operator: "Equal" }],
        };
        expect(system?.labels[POOL_KIND_LABEL]).toBe("system");
        const placed = (values: Readonly<Record<string, unknown>>) => ({
            nodeSelector: values["nodeSelector"],
            tolerations: values["tolerations"],
        });
        for (const r of releases) expect(placed(r.values), r.name).toEqual(want);
        const cm = byName(OPERATOR_RELEASES.certManager).values as Record<string, Record<string, unknown>>;
        for (const part of ["webhook", "cainjector", "startupapicheck"] as const)
            expect(placed(cm[part] ?? {}), part).toEqual(want);
    });

    it("leaves the operators unconstrained on a cluster without a system pool", () => {
        expect(systemPlacement(pools(false))).toEqual({ tolerations: [] });
        for (const r of operatorReleases(pools(false))) expect(r.values).not.toHaveProperty("nodeSelector");
    });

    it("keeps the charts' own PodMonitors off (they need the Prometheus Operator's CRDs at install)", () => {
        expect(byName(OPERATOR_RELEASES.cnpg).values["monitoring"]).toEqual({ podMonitorEnabled: false });
    });
});

describe("operatorObjects", () => {
    it("monitors the operator's pods through a PodMonitor the CRD accepts", () => {
        const [pm, ...rest] = operatorObjects();
        expect(rest).toEqual([]);
        if (!pm) throw new Error("no PodMonitor");
        expect(kubeSchemaProblems(pm)).toEqual([]);
        expect(pm.metadata.namespace).toBe(CNPG_NAMESPACE);
        const spec = pm["spec"] as {
            selector: { matchLabels: Record<string, string> };
            podMetricsEndpoints: { port: string }[];
        };
        // The chart's pod labels: app.kubernetes.io/name is the chart's name, instance the release's.
        expect(spec.selector.matchLabels).toEqual({
            "app.kubernetes.io/name": byName(OPERATOR_RELEASES.cnpg).chart,
            "app.kubernetes.io/instance": OPERATOR_RELEASES.cnpg,
        });
        expect(spec.selector.matchLabels).toEqual(CNPG_OPERATOR_SELECTOR);
        expect(spec.podMetricsEndpoints).toEqual([{ port: CNPG_OPERATOR_METRICS_PORT }]);
    });
});
