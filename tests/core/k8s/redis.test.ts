/**
 * Redis with Sentinel on k3s: schema-valid objects, restricted pod templates, values derived from the runtime table
 * and the VM phase's redis.conf, the Retain class under every volume, no secret in any object, a start script
 * shellcheck accepts (tests/integration/k8sRedisSentinel.test.ts runs it for real).
 */
import { describe, expect, it } from "vitest";
import { VOLUME_MIN_GB } from "../../../core/catalog/hetzner";
import type { KubeObject } from "../../../core/k8s/objects";
import {
    REDIS_NAMES,
    REDIS_PASSWORD_KEY,
    REDIS_PATHS,
    REDIS_REPLICAS,
    redisConfigData,
    redisEndpoints,
    redisObjects,
    redisStartScript,
    SENTINEL_MASTER,
    SENTINEL_PORT,
    type RedisObjectsInput,
} from "../../../core/k8s/redis";
import { RETAIN_STORAGE_CLASS, retainStorageClass } from "../../../core/k8s/storage";
import { renderRedisConfig } from "../../../core/render/app/redis";
import { renderRedisNodeConf } from "../../../core/render/data/sentinel";
import { RUNTIME } from "../../../core/workload/runtime";
import { MIB, parseQuantity } from "../../../policies/caps/quantity";
import { k8sResourceLimits } from "../../../policies/caps/pods";
import type { PolicyResource } from "../../../policies/evaluate";
import { runPolicy } from "../../../policies/lib/run";
import { k8sImagePinned, k8sPodSecurity, k8sReadOnlyRoot } from "../../../policies/sandbox/pods";
import { podSpecViolations } from "../../../policies/sandbox/pss/judge";
import { kubeSchemaProblems } from "../../helpers/kubeSchemas";
import { runTool } from "../../helpers/tools";
import { WORKLOAD } from "../../render/fixtures";
import { POD_SECURITY_FIXTURES } from "../../helpers/podSecurityFixtures";
import { containers, INPUT, only, PASSWORD, stsOf, type Container } from "../../helpers/redisObjects";

type Json = Record<string, unknown>;
const copy = <T>(o: T): T => structuredClone<T>(o);

const container = (objects: readonly KubeObject[], name: string) => {
    const c = containers(objects).find((x) => x.name === name);
    if (!c) throw new Error(`no container ${name}`);
    return c;
};
const volumes = (objects: readonly KubeObject[]) =>
    stsOf(objects).template.spec["volumes"] as unknown as (Json & { name: string })[];

function asResource(o: KubeObject): PolicyResource {
    const [group, version] = o.apiVersion.includes("/") ? o.apiVersion.split("/") : ["core", o.apiVersion];
    return {
        type: `kubernetes:${group}/${version}:${o.kind}`,
        name: `${o.metadata.namespace ?? ""}/${o.metadata.name}`,
        urn: `urn:pulumi:phase5::phase-stacks::kubernetes:${group}/${version}:${o.kind}::${o.metadata.name}`,
        props: copy(o),
    };
}

/** The directives of a redis.conf, last one winning, as Redis reads them. */
function directives(conf: string): Map<string, string> {
    const m = new Map<string, string>();
    for (const line of conf.split("\n")) {
        const t = line.trim();
        if (!t || t.startsWith("#")) continue;
        const [k, ...v] = t.split(/\s+/);
        m.set((k ?? "").toLowerCase(), v.join(" "));
    }
    return m;
}

describe("redisObjects", () => {
    const objects = redisObjects(INPUT);

    it("builds schema-valid objects in apply order, all in the namespace", () => {
        expect(objects.flatMap(kubeSchemaProblems)).toEqual([]);
        expect(objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
            `ConfigMap/${REDIS_NAMES.configMap}`,
            `Service/${REDIS_NAMES.headlessService}`,
            `Service/${REDIS_NAMES.sentinelService}`,
            `PodDisruptionBudget/${REDIS_NAMES.disruptionBudget}`,
            `StatefulSet/${REDIS_NAMES.statefulSet}`,
        ]);
        for (const o of objects) expect(o.metadata.namespace).toBe(INPUT.namespace);
    });

    it("fails the schema check when an object is broken", () => {
        const sts = copy(only(objects, "StatefulSet"));
        (sts["spec"] as Json)["replicas"] = "three";
        expect(kubeSchemaProblems(sts as unknown as KubeObject)).not.toEqual([]);
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

        const restricted = POD_SECURITY_FIXTURES.filter((f) => f.level === "restricted");
        const bad = restricted.filter((f) => f.expect === "fail");
        expect(bad.length).toBeGreaterThan(0);
        expect(
            bad.filter((f) => podSpecViolations(f.object.spec, "restricted", f.object.metadata).length === 0),
        ).toEqual([]);
        const broken = copy(spec);
        const sentinel = (broken.containers ?? []).find((c) => c.name === "sentinel");
        if (sentinel?.securityContext) delete sentinel.securityContext.capabilities;
        expect(podSpecViolations(broken, "restricted").map((v) => v.check)).toContain(
            "capabilities_restricted",
        );
    });

    it("runs three pods as the runtime table's user, with requests = limits from workload.redis", () => {
        for (const workload of [
            WORKLOAD.redis,
            { ...WORKLOAD.redis, memoryMb: 1536, cpus: 1.25, port: 6380 },
        ]) {
            const objs = redisObjects({ ...INPUT, redis: workload });
            const sts = stsOf(objs);
            expect(sts.replicas).toBe(REDIS_REPLICAS);
            const ctx = sts.template.spec.securityContext as Json;
            expect(ctx["runAsUser"]).toBe(RUNTIME.redis.user.uid);
            expect(ctx["runAsGroup"]).toBe(RUNTIME.redis.user.gid);
            expect(ctx["fsGroup"]).toBe(RUNTIME.redis.user.gid);
            const redis = container(objs, "redis");
            expect(redis.image).toBe(workload.image);
            for (const kind of ["requests", "limits"] as const) {
                expect(parseQuantity(redis.resources[kind]["memory"])).toBe(workload.memoryMb * MIB);
                expect(parseQuantity(redis.resources[kind]["cpu"])).toBeCloseTo(workload.cpus, 9);
            }
            const sentinel = container(objs, "sentinel");
            expect(sentinel.image).toBe(workload.image);
            expect(sentinel.resources.requests).toEqual(sentinel.resources.limits);
            const ports = (c: Container) => (c as unknown as { ports: { containerPort: number }[] }).ports;
            expect(ports(redis).map((p) => p.containerPort)).toEqual([workload.port]);
            expect(ports(sentinel).map((p) => p.containerPort)).toEqual([SENTINEL_PORT]);
            expect(
                directives(redisConfigData({ ...INPUT, redis: workload })["redis.conf"] ?? "").get(
                    "maxmemory",
                ),
            ).toBe(directives(renderRedisConfig(workload.memoryMb)).get("maxmemory"));
        }
    });

    it("puts the durable path on the volume and every scratch path of the runtime table in memory", () => {
        const redis = container(objects, "redis");
        const vols = volumes(objects);
        for (const w of RUNTIME.redis.writable) {
            const mount = redis.volumeMounts.find((m) => m.mountPath === w.path);
            expect(mount, w.path).toBeDefined();
            if (w.durable) {
                expect(mount?.name).toBe("data");
                expect(vols.some((v) => v.name === "data")).toBe(false);
            } else {
                const vol = vols.find((v) => v.name === mount?.name);
                expect(vol?.["emptyDir"]).toEqual({ medium: "Memory", sizeLimit: `${w.memoryMb}Mi` });
            }
        }
        // Every other writable place is an emptyDir: the root is read-only.
        for (const c of containers(objects)) expect(c.securityContext["readOnlyRootFilesystem"]).toBe(true);
    });

    it("keeps each pod's data on a Retain volume of the given size, and keeps the claims when scaled or deleted", () => {
        const sts = stsOf(objects);
        expect(retainStorageClass().reclaimPolicy).toBe("Retain");
        expect(sts.volumeClaimTemplates).toHaveLength(1);
        const claim = sts.volumeClaimTemplates[0]?.spec as Json & {
            resources: { requests: { storage: string } };
        };
        expect(claim["storageClassName"]).toBe(RETAIN_STORAGE_CLASS);
        expect(claim["accessModes"]).toEqual(["ReadWriteOnce"]);
        expect(parseQuantity(claim.resources.requests.storage)).toBe(INPUT.storageGi * 1024 * MIB);
        expect(sts.persistentVolumeClaimRetentionPolicy).toEqual({
            whenDeleted: "Retain",
            whenScaled: "Retain",
        });
    });

    it("takes the password only as a reference to the shell's Secret, never as a value", () => {
        const text = JSON.stringify(objects);
        expect(text).not.toContain(PASSWORD);
        expect(objects.some((o) => o.kind === "Secret")).toBe(false);
        const secretVolumes = volumes(objects).filter((v) => v["secret"] !== undefined);
        expect(secretVolumes.map((v) => v["secret"])).toEqual([
            {
                secretName: INPUT.passwordSecret,
                items: [{ key: REDIS_PASSWORD_KEY, path: REDIS_PASSWORD_KEY }],
                defaultMode: 0o440,
            },
        ]);
        for (const c of containers(objects)) {
            expect(c.volumeMounts).toContainEqual({
                name: "password",
                mountPath: REDIS_PATHS.secret,
                readOnly: true,
            });
            // No environment variable carries or references the password: the script reads the file.
            for (const e of c.env) expect(`${e.name} ${JSON.stringify(e)}`).not.toMatch(/pass|secret/i);
        }
        // The VM renderer's placeholder password, rendered only to read the shared directives, is not taken.
        expect(redisConfigData(INPUT)["redis.conf"]).not.toMatch(/requirepass|masterauth|unused/);
    });

    it("spreads the pods over nodes, lets one go at a time, and publishes the pods' names before they are ready", () => {
        const sts = stsOf(objects);
        const labels = sts.template.metadata.labels;
        expect(sts.selector.matchLabels).toEqual(labels);
        const anti = (sts.template.spec["affinity"] as Json)["podAntiAffinity"] as Json;
        expect(anti["requiredDuringSchedulingIgnoredDuringExecution"]).toEqual([
            { labelSelector: { matchLabels: labels }, topologyKey: "kubernetes.io/hostname" },
        ]);
        const pdb = only(objects, "PodDisruptionBudget")["spec"] as Json;
        expect(pdb).toEqual({ maxUnavailable: 1, selector: { matchLabels: labels } });
        const headless = only(objects, "Service", REDIS_NAMES.headlessService)["spec"] as Json;
        expect(sts.serviceName).toBe(REDIS_NAMES.headlessService);
        expect(headless["clusterIP"]).toBe("None");
        expect(headless["publishNotReadyAddresses"]).toBe(true);
        expect(headless["selector"]).toEqual(labels);
        const sentinels = only(objects, "Service", REDIS_NAMES.sentinelService)["spec"] as Json;
        expect(sentinels["selector"]).toEqual(labels);
        expect(sentinels["ports"]).toEqual([
            { name: "sentinel", port: SENTINEL_PORT, targetPort: "sentinel", protocol: "TCP" },
        ]);
        expect(redisEndpoints(INPUT.namespace)).toEqual({
            sentinels: [
                { host: `${REDIS_NAMES.sentinelService}.data.svc.cluster.local`, port: SENTINEL_PORT },
            ],
            masterName: SENTINEL_MASTER,
        });
    });

    it("rolls the pods when the config changes", () => {
        const annotation = (objs: KubeObject[]) => stsOf(objs).template.metadata.annotations;
        expect(annotation(redisObjects({ ...INPUT, redis: { ...INPUT.redis, memoryMb: 1024 } }))).not.toEqual(
            annotation(objects),
        );
        expect(annotation(redisObjects(INPUT))).toEqual(annotation(objects));
    });
});

describe("the redis.conf and sentinel.conf templates", () => {
    const data = redisConfigData(INPUT);
    const conf = directives(data["redis.conf"] ?? "");

    it("carry the VM phases' memory policy and persistence: maxmemory 75 % with volatile-lru, AOF and RDB", () => {
        const app = directives(renderRedisConfig(INPUT.redis.memoryMb));
        for (const k of ["maxmemory", "maxmemory-policy", "appendonly", "appendfsync"])
            expect(conf.get(k), k).toBe(app.get(k));
        const dataTier = directives(
            renderRedisNodeConf({
                bind: ["127.0.0.1"],
                port: 6379,
                announceIp: "10.0.0.2",
                dir: "/data",
                maxmemoryMb: INPUT.redis.memoryMb,
                password: "x",
            }),
        );
        for (const k of ["save", "dbfilename", "replica-read-only"])
            expect(conf.get(k), k).toBe(dataTier.get(k));
        expect(conf.get("maxmemory")).toBe(`${Math.floor(INPUT.redis.memoryMb * 0.75)}mb`);
    });

    it("resolve and announce host names in Sentinel before any monitor line", () => {
        const sentinel = data["sentinel.conf"] ?? "";
        expect(sentinel).toContain("sentinel resolve-hostnames yes");
        expect(sentinel).toContain("sentinel announce-hostnames yes");
        expect(sentinel).not.toContain("monitor");
    });

    it("ship a start script shellcheck accepts as POSIX sh, and shellcheck would reject a careless one", () => {
        const script = redisStartScript(INPUT);
        expect(data["redis.sh"]).toBe(script);
        const ok = runTool("shellcheck", ["-s", "sh", "-"], { input: script });
        expect(ok.output).toBe("");
        expect(ok.status).toBe(0);
        const careless = script.replace('exec redis-server "$conf"', "exec redis-server $conf");
        expect(runTool("shellcheck", ["-s", "sh", "-"], { input: careless }).status).not.toBe(0);
    });
});

describe("input validation", () => {
    it.each([
        ["a bad namespace", { namespace: "Data" }, /redis: namespace "Data"/],
        [
            "a small volume",
            { storageGi: VOLUME_MIN_GB - 1 },
            /storageGi is 9; give a whole number of at least 10/,
        ],
        ["half a GiB", { storageGi: 10.5 }, /storageGi is 10.5/],
        ["a bad Secret name", { passwordSecret: "Redis Auth" }, /passwordSecret "Redis Auth"/],
        [
            "a command",
            { redis: { ...WORKLOAD.redis, command: ["redis-server"] } },
            /workload.redis.command is set/,
        ],
    ] as [string, Partial<RedisObjectsInput>, RegExp][])("rejects %s", (_, patch, message) => {
        expect(() => redisObjects({ ...INPUT, ...patch })).toThrow(message);
    });
});

/** Distinct free loopback ports, all held until every one is chosen. */
