import { randomBytes, randomInt } from "node:crypto";
import { afterEach, describe, expect, it, vi } from "vitest";
import { parse, parseAllDocuments } from "yaml";
import { LOCATION_NAMES } from "../../../core/catalog/hetzner";
import {
    AUTO_DEPLOY_DIR,
    type AutoDeployInput,
    autoDeployManifests,
    autoDeployObjects,
    autoDeployPath,
    CHART_STORAGE_CLASS,
    HCLOUD_CCM_CHART,
    HCLOUD_CHARTS_REPO,
    HCLOUD_CSI_CHART,
    hcloudCcmChart,
    hcloudCsiChart,
    hcloudSecret,
} from "../../../core/k8s/autoDeploy";
import { HCLOUD_SECRET, type KubeObject } from "../../../core/k8s/objects";
import { kubeSchemaProblems } from "../../helpers/kubeSchemas";

/** A fresh token per run (the shape of an hcloud token: 64 alphanumerics), so nothing can match it by chance. */
const token = () => randomBytes(48).toString("base64").replace(/[+/]/g, "x").slice(0, 64);

function input(over: Partial<AutoDeployInput> = {}): AutoDeployInput {
    return {
        hcloudToken: token(),
        networkId: String(randomInt(1, 2 ** 31)),
        clusterCidr: `10.${randomInt(40, 250)}.0.0/16`,
        location: LOCATION_NAMES[randomInt(LOCATION_NAMES.length)]!,
        ...over,
    };
}

const spec = (o: KubeObject) => o.spec as Record<string, unknown>;
const values = (o: KubeObject) => parse(spec(o).valuesContent as string) as Record<string, unknown>;
/** A copy of an object with one spec field replaced. */
const withSpec = (o: KubeObject, field: string, value: unknown): KubeObject => ({
    ...o,
    spec: { ...spec(o), [field]: value },
});

afterEach(() => vi.restoreAllMocks());

describe("auto-deploy objects", () => {
    it("pass the Kubernetes and CRD schemas, for every location", () => {
        for (const location of LOCATION_NAMES) {
            const objects = autoDeployObjects(input({ location }));
            expect(objects.map((o) => o.kind)).toEqual(["Secret", "HelmChart", "HelmChart"]);
            expect(objects.flatMap(kubeSchemaProblems)).toEqual([]);
        }
    });

    it("fail the schemas when a field has the wrong type", () => {
        const i = input();
        const ccm = hcloudCcmChart(i);
        expect(kubeSchemaProblems(withSpec(ccm, "bootstrap", "true"))).not.toEqual([]);
        expect(
            kubeSchemaProblems(withSpec(ccm, "valuesContent", { networking: { enabled: true } })),
        ).not.toEqual([]);
        expect(kubeSchemaProblems(withSpec(hcloudCsiChart(i), "version", 2.22))).not.toEqual([]);
        const secret = hcloudSecret(i);
        expect(kubeSchemaProblems({ ...secret, stringData: { token: 1234 } })).not.toEqual([]);
        expect(kubeSchemaProblems({ ...secret, type: 7 })).not.toEqual([]);
    });

    it("make the Secret kube-system/hcloud, Opaque, with the token and the network id", () => {
        const i = input({ networkId: randomInt(1, 2 ** 31) });
        const secret = hcloudSecret(i);
        expect(secret.metadata).toEqual({ name: HCLOUD_SECRET.name, namespace: HCLOUD_SECRET.namespace });
        expect(secret.type).toBe("Opaque");
        expect(secret.stringData).toEqual({ token: i.hcloudToken, network: String(i.networkId) });
    });

    it("pin both charts to the exported versions from Hetzner's repository", () => {
        const [, ccm, csi] = autoDeployObjects(input());
        for (const [chart, pinned] of [
            [ccm!, HCLOUD_CCM_CHART],
            [csi!, HCLOUD_CSI_CHART],
        ] as const) {
            expect(spec(chart)).toMatchObject({
                repo: HCLOUD_CHARTS_REPO,
                chart: pinned.chart,
                version: pinned.version,
                targetNamespace: "kube-system",
            });
            expect(pinned.version).toMatch(/^\d+\.\d+\.\d+$/);
            expect(pinned.source).toContain(`v${pinned.version}`);
        }
        expect(HCLOUD_CCM_CHART.version).toBe("1.35.0");
        expect(HCLOUD_CSI_CHART.version).toBe("2.22.1");
    });

    it("bootstrap the CCM only: the CSI driver waits for initialised nodes", () => {
        const i = input();
        expect(spec(hcloudCcmChart(i)).bootstrap).toBe(true);
        expect(spec(hcloudCsiChart(i)).bootstrap).not.toBe(true);
    });

    it("run the CCM in networking mode on the input's CIDR and location, without routes", () => {
        for (const location of LOCATION_NAMES) {
            const i = input({ location });
            const v = values(hcloudCcmChart(i));
            expect(v.networking).toEqual({ enabled: true, clusterCIDR: i.clusterCidr });
            expect(v.env).toEqual({
                HCLOUD_LOAD_BALANCERS_LOCATION: { value: location },
                HCLOUD_LOAD_BALANCERS_USE_PRIVATE_IP: { value: "true" },
                HCLOUD_NETWORK_ROUTES_ENABLED: { value: "false" },
                // The metadata service is closed to the CCM's non-root user on the nodes.
                HCLOUD_NETWORK_DISABLE_ATTACHED_CHECK: { value: "true" },
            });
        }
    });

    it("give the CSI driver the Secret's token and keep its own class from being the default", () => {
        const i = input();
        const v = values(hcloudCsiChart(i));
        expect(v.controller).toEqual({
            hcloudToken: { existingSecret: { name: HCLOUD_SECRET.name, key: "token" } },
            hcloudVolumeDefaultLocation: i.location,
        });
        // The node plugin asks the metadata service, which only root host processes reach.
        expect(v.node).toEqual({ hostNetwork: true });
        const classes = v.storageClasses as { name: string; defaultStorageClass: unknown }[];
        expect(classes.map((c) => c.name)).toEqual([CHART_STORAGE_CLASS]);
        expect(classes.every((c) => c.defaultStorageClass === false)).toBe(true);
    });

    it("refuse a bad network id, CIDR or location", () => {
        expect(() => hcloudSecret(input({ networkId: "my-net" }))).toThrow(/networkId/);
        expect(() => hcloudSecret(input({ networkId: 0 }))).toThrow(/networkId/);
        expect(() => hcloudCcmChart(input({ clusterCidr: "10.42.0.1/16" }))).toThrow(/host bits/);
        expect(() => hcloudCcmChart(input({ clusterCidr: "fd00:42::/56" }))).toThrow(/IPv4/);
        expect(() => hcloudCsiChart(input({ location: "fra1" as never }))).toThrow(/location/);
    });
});

describe("auto-deploy manifests", () => {
    it("parse back to the objects, one file each, named as RFC-1123 labels", () => {
        const i = input();
        const manifests = autoDeployManifests(i);
        const parsed = manifests.flatMap((m) => parseAllDocuments(m.content).map((d) => d.toJS() as unknown));
        expect(parsed).toEqual(autoDeployObjects(i));
        for (const m of manifests) {
            expect(m.name).toMatch(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/);
            expect(autoDeployPath(m)).toBe(`${AUTO_DEPLOY_DIR}/${m.name}.yaml`);
        }
        expect(new Set(manifests.map((m) => m.name)).size).toBe(manifests.length);
    });

    it("are the same for the same input: every server writes identical files", () => {
        const i = input();
        expect(autoDeployManifests(i)).toEqual(autoDeployManifests({ ...i }));
    });

    it("put the token in the hcloud Secret's file only", () => {
        const i = input();
        const manifests = autoDeployManifests(i);
        const holding = manifests.filter((m) => m.content.includes(i.hcloudToken));
        expect(holding).toHaveLength(1);
        const docs = parseAllDocuments(holding[0]!.content).map((d) => d.toJS() as KubeObject);
        expect(docs.map((d) => `${d.kind} ${d.metadata.namespace}/${d.metadata.name}`)).toEqual([
            `Secret ${HCLOUD_SECRET.namespace}/${HCLOUD_SECRET.name}`,
        ]);
    });

    it("never log the token, nor quote it when refusing it", () => {
        const spies = (["log", "info", "warn", "error", "debug"] as const).map((m) =>
            vi.spyOn(console, m).mockImplementation(() => undefined),
        );
        const i = input();
        autoDeployManifests(i);
        const bad = `${token()} \n`;
        let message = "";
        try {
            autoDeployManifests(input({ hcloudToken: bad }));
        } catch (e) {
            message = (e as Error).message;
        }
        expect(message).toMatch(/hcloudToken/);
        expect(message).not.toContain(bad.trim());
        expect(() => autoDeployManifests(input({ hcloudToken: "" }))).toThrow(/hcloudToken/);
        for (const spy of spies) expect(spy).not.toHaveBeenCalled();
    });

    it("stay small beside the rest of a 32 KiB user data", () => {
        const bytes = autoDeployManifests(input()).reduce((n, m) => n + Buffer.byteLength(m.content), 0);
        expect(bytes).toBeGreaterThan(0);
        expect(bytes).toBeLessThan(2048);
    });
});
