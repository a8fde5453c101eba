/**
 * Meilisearch on k3s: schema-valid objects, a restricted pod template, the compose service's environment, user and
 * scratch paths (read from the compose translation and the runtime table, not repeated here), the data volume on
 * the Retain class, the master key only as a Secret reference, and probes on the health path.
 */
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import {
    MEILI_MASTER_KEY_KEY,
    MEILISEARCH_NAMES,
    meilisearchDataPath,
    meilisearchEndpoint,
    meilisearchObjects,
    type MeilisearchObjectsInput,
} from "../../../core/k8s/meilisearch";
import type { KubeObject } from "../../../core/k8s/objects";
import { RETAIN_STORAGE_CLASS, retainStorageClass } from "../../../core/k8s/storage";
import { renderCompose } from "../../../core/render/app/compose";
import { ALL_LOCAL } from "../../../core/topology/placement";
import { RUNTIME } from "../../../core/workload/runtime";
import { MIB, parseQuantity } from "../../../policies/caps/quantity";
import { k8sResourceLimits } from "../../../policies/caps/pods";
import type { PolicyResource } from "../../../policies/evaluate";
import { runPolicy } from "../../../policies/lib/run";
import { k8sImagePinned, k8sPodSecurity, k8sReadOnlyRoot } from "../../../policies/sandbox/pods";
import { podSpecViolations } from "../../../policies/sandbox/pss/judge";
import type { PodMetadata, PodSpec } from "../../../policies/sandbox/pss/types";
import { kubeSchemaProblems } from "../../helpers/kubeSchemas";
import { distinctiveSecrets, RESERVATIONS, WORKLOAD } from "../../render/fixtures";
import { POD_SECURITY_FIXTURES } from "../../helpers/podSecurityFixtures";

type Json = Record<string, unknown>;
const copy = <T>(o: T): T => structuredClone<T>(o);

const INPUT: MeilisearchObjectsInput = {
    namespace: "data",
    meilisearch: WORKLOAD.meilisearch,
    masterKeySecret: "meilisearch-master-key",
    storageGi: 10,
};

interface Container {
    name: string;
    image: string;
    workingDir: string;
    env: { name: string; value?: string; valueFrom?: Json }[];
    ports: { name: string; containerPort: number }[];
    resources: { requests: Record<string, string>; limits: Record<string, string> };
    volumeMounts: { name: string; mountPath: string }[];
    securityContext: Json;
    startupProbe: { httpGet: Json };
    readinessProbe: { httpGet: Json };
    livenessProbe: { httpGet: Json };
}
interface StatefulSetSpec {
    replicas: number;
    serviceName: string;
    selector: { matchLabels: Record<string, string> };
    template: { metadata: PodMetadata & { labels: Record<string, string> }; spec: PodSpec & Json };
    volumeClaimTemplates: { metadata: { name: string }; spec: Json }[];
    persistentVolumeClaimRetentionPolicy: Json;
}

function only(objects: readonly KubeObject[], kind: string): Json {
    const found = objects.filter((o) => o.kind === kind);
    if (found.length !== 1) throw new Error(`expected one ${kind}, found ${found.length}`);
    return found[0] as Json;
}
const stsOf = (objects: readonly KubeObject[]) => only(objects, "StatefulSet")["spec"] as StatefulSetSpec;
const containerOf = (objects: readonly KubeObject[]) =>
    (stsOf(objects).template.spec["containers"] as unknown as Container[])[0] as Container;
const plainEnv = (c: Container) =>
    Object.fromEntries(c.env.filter((e) => e.value !== undefined).map((e) => [e.name, e.value]));

function asResource(o: KubeObject): PolicyResource {
    const [group, version] = o.apiVersion.split("/");
    return {
        type: `kubernetes:${group}/${version}:${o.kind}`,
        name: `${o.metadata.namespace ?? ""}/${o.metadata.name}`,
        urn: `urn:pulumi:phase5::phase-stacks::kubernetes:${group}/${version}:${o.kind}::${o.metadata.name}`,
        props: copy(o),
    };
}

/** The compose translation of the same service: what phase 1-4 hosts run. */
function composeMeilisearch(): Json {
    const compose = parse(
        renderCompose({
            workload: WORKLOAD,
            reservationsMb: RESERVATIONS,
            placement: ALL_LOCAL,
            hostnames: { app: "app.example.com", api: "api.example.com" },
            postgres: { database: "chrono", user: "chrono_app", dataDir: "/mnt/postgres" },
        }),
    ) as { services: Record<string, Json> };
    const s = compose.services["meilisearch"];
    if (!s) throw new Error("no meilisearch in the compose project");
    return s;
}

describe("meilisearchObjects", () => {
    const objects = meilisearchObjects(INPUT);

    it("builds a schema-valid Service and StatefulSet of one", () => {
        expect(objects.flatMap(kubeSchemaProblems)).toEqual([]);
        expect(objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
            `Service/${MEILISEARCH_NAMES.service}`,
            `StatefulSet/${MEILISEARCH_NAMES.statefulSet}`,
        ]);
        for (const o of objects) expect(o.metadata.namespace).toBe(INPUT.namespace);
        // Community Meilisearch has no replication: never more than one pod on one database.
        expect(stsOf(objects).replicas).toBe(1);
        const broken = copy(only(objects, "Service"));
        (broken["spec"] as Json)["ports"] = [{ port: "http" }];
        expect(kubeSchemaProblems(broken as unknown as KubeObject)).not.toEqual([]);
    });

    it("meets Pod Security restricted and the pack's pod policies, with a judge that can fail", () => {
        const { spec, metadata } = stsOf(objects).template;
        expect(podSpecViolations(spec, "restricted", metadata)).toEqual([]);
        const sts = asResource(only(objects, "StatefulSet") as unknown as KubeObject);
        for (const p of [k8sPodSecurity, k8sReadOnlyRoot, k8sResourceLimits, k8sImagePinned])
            expect(
                runPolicy(p, [sts]).map((v) => v.message),
                p.name,
            ).toEqual([]);
        const bad = POD_SECURITY_FIXTURES.filter((f) => f.level === "restricted" && f.expect === "fail");
        expect(bad.length).toBeGreaterThan(0);
        expect(
            bad.filter((f) => podSpecViolations(f.object.spec, "restricted", f.object.metadata).length === 0),
        ).toEqual([]);
        const broken = copy(spec);
        if (broken.securityContext) broken.securityContext.runAsNonRoot = false;
        for (const c of broken.containers ?? []) delete c.securityContext?.runAsNonRoot;
        expect(podSpecViolations(broken, "restricted").map((v) => v.check)).toContain("runAsNonRoot");
    });

    it("has the compose service's environment, user and in-memory scratch paths", () => {
        const compose = composeMeilisearch();
        const c = containerOf(objects);
        const { MEILI_HTTP_ADDR, ...env } = plainEnv(c);
        expect(env).toEqual(compose["environment"]);
        expect(MEILI_HTTP_ADDR).toBe(`0.0.0.0:${WORKLOAD.meilisearch.port}`);
        expect(env["MEILI_ENV"]).toBe("production");
        expect(env["TMPDIR"]).toBe(meilisearchDataPath());
        expect(env["MEILI_DB_PATH"]?.startsWith(`${meilisearchDataPath()}/`)).toBe(true);
        const ctx = stsOf(objects).template.spec.securityContext as Json;
        expect(`${String(ctx["runAsUser"])}:${String(ctx["runAsGroup"])}`).toBe(compose["user"]);
        expect(ctx["fsGroup"]).toBe(RUNTIME.meilisearch.user.gid);
        const vols = stsOf(objects).template.spec["volumes"] as unknown as (Json & { name: string })[];
        for (const w of RUNTIME.meilisearch.writable) {
            const mount = c.volumeMounts.find((m) => m.mountPath === w.path);
            expect(mount, w.path).toBeDefined();
            if (w.keeps === "state") expect(mount?.name).toBe("data");
            else
                expect(vols.find((v) => v.name === mount?.name)?.["emptyDir"]).toEqual({
                    medium: "Memory",
                    sizeLimit: `${w.memoryMb}Mi`,
                });
        }
        expect(c.workingDir).toBe(meilisearchDataPath());
        expect(c.securityContext["readOnlyRootFilesystem"]).toBe(true);
    });

    it("requests and limits workload.meilisearch's memory and CPU, and follows them", () => {
        for (const spec of [
            WORKLOAD.meilisearch,
            { ...WORKLOAD.meilisearch, memoryMb: 3072, cpus: 1.5, port: 7701 },
        ]) {
            const objs = meilisearchObjects({ ...INPUT, meilisearch: spec });
            const c = containerOf(objs);
            expect(c.image).toBe(spec.image);
            for (const kind of ["requests", "limits"] as const) {
                expect(parseQuantity(c.resources[kind]["memory"])).toBe(spec.memoryMb * MIB);
                expect(parseQuantity(c.resources[kind]["cpu"])).toBeCloseTo(spec.cpus, 9);
            }
            expect(Number(plainEnv(c)["MEILI_MAX_INDEXING_MEMORY"])).toBe((spec.memoryMb / 2) * MIB);
            expect(c.ports).toEqual([{ name: "http", containerPort: spec.port, protocol: "TCP" }]);
            const svc = only(objs, "Service")["spec"] as { ports: Json[]; selector: Json };
            expect(svc.ports).toEqual([
                { name: "http", port: spec.port, targetPort: "http", protocol: "TCP" },
            ]);
            expect(svc.selector).toEqual(stsOf(objs).template.metadata.labels);
        }
    });

    it("probes the health path over HTTP on the container's port", () => {
        const c = containerOf(objects);
        for (const p of [c.startupProbe, c.readinessProbe, c.livenessProbe])
            expect(p.httpGet).toEqual({
                path: WORKLOAD.meilisearch.healthPath,
                port: "http",
                scheme: "HTTP",
            });
    });

    it("keeps the database on a Retain volume of the given size", () => {
        const sts = stsOf(objects);
        expect(retainStorageClass().reclaimPolicy).toBe("Retain");
        expect(sts.volumeClaimTemplates.map((t) => t.metadata.name)).toEqual(["data"]);
        const claim = sts.volumeClaimTemplates[0]?.spec as Json & {
            resources: { requests: { storage: string } };
        };
        expect(claim["storageClassName"]).toBe(RETAIN_STORAGE_CLASS);
        expect(parseQuantity(claim.resources.requests.storage)).toBe(INPUT.storageGi * 1024 * MIB);
        expect(sts.persistentVolumeClaimRetentionPolicy).toEqual({
            whenDeleted: "Retain",
            whenScaled: "Retain",
        });
    });

    it("takes the master key only from the shell's Secret", () => {
        expect(JSON.stringify(objects)).not.toContain(distinctiveSecrets().meiliMasterKey);
        expect(objects.some((o) => o.kind === "Secret")).toBe(false);
        const c = containerOf(objects);
        expect(c.env.filter((e) => /KEY/.test(e.name))).toEqual([
            {
                name: "MEILI_MASTER_KEY",
                valueFrom: { secretKeyRef: { name: INPUT.masterKeySecret, key: MEILI_MASTER_KEY_KEY } },
            },
        ]);
    });

    it("names the endpoint the app's MEILISEARCH_URL points at", () => {
        expect(meilisearchEndpoint("data", WORKLOAD.meilisearch.port)).toEqual({
            host: "meilisearch.data.svc.cluster.local",
            port: WORKLOAD.meilisearch.port,
        });
    });
});

describe("input validation", () => {
    it.each([
        ["a bad namespace", { namespace: "Data" }, /meilisearch: namespace "Data"/],
        ["a small volume", { storageGi: 5 }, /storageGi is 5; give a whole number of at least 10/],
        ["a bad Secret name", { masterKeySecret: "Master Key" }, /masterKeySecret "Master Key"/],
        [
            "no health path",
            { meilisearch: { ...WORKLOAD.meilisearch, healthPath: undefined } },
            /healthPath is not set/,
        ],
    ] as const)("rejects %s", (_, patch, message) => {
        expect(() => meilisearchObjects({ ...INPUT, ...patch })).toThrow(message);
    });
});
