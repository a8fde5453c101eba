/**
 * Postgres on CloudNativePG: every object validates against the upstream CRDs, the Cluster uses the synchronous
 * stanza and the Barman Cloud plugin (not the deprecated fields), the names each object gives another resolve,
 * backups keep the phase's retention and RPO in the VM phases' bucket layout, and bad inputs fail naming the key.
 */
import { describe, expect, it } from "vitest";
import { DEFAULT_SYSTEM_RESERVE_MB } from "../../../core/capacity/plan";
import { Kubernetes } from "../../../core/config/kubernetes";
import { backupRemoteDir, RCLONE_REMOTE } from "../../../core/render/data/backup";
import { clusterPlan, POOL_LABEL, type PoolPlan } from "../../../core/k8s/clusterPlan";
import type { KubeObject } from "../../../core/k8s/objects";
import {
    archiveTimeoutSeconds,
    BARMAN_CLOUD_PLUGIN,
    CNPG_CLUSTER_LABEL,
    CNPG_METRICS_PORT,
    CNPG_POD_ROLE_LABEL,
    POSTGRES_CLUSTER_NAME,
    POSTGRES_NAMES,
    POSTGRES_SERVICES,
    postgresObjects,
    S3_CREDENTIALS_SECRET,
    type PostgresInput,
    postgresOwnerSecret,
    s3CredentialsSecret,
} from "../../../core/k8s/postgres";
import { RETAIN_STORAGE_CLASS } from "../../../core/k8s/storage";
import { PHASE_SPECS } from "../../../core/phases";
import { kubeSchemaProblems } from "../../helpers/kubeSchemas";

type Json = Record<string, unknown>;
const copy = <T>(o: T): T => structuredClone<T>(o);

const plan = clusterPlan(
    Kubernetes.parse({
        version: "v1.33.13+k3s2",
        controlPlane: { type: "cx33", count: 3 },
        nodePools: [
            { name: "system", role: "system", type: "cx23", min: 2, max: 2 },
            { name: "app", type: "cx43", min: 3, max: 6 },
        ],
    }),
    undefined,
    "10.0.1.0/24",
    DEFAULT_SYSTEM_RESERVE_MB,
);
const poolNamed = (name: string): PoolPlan => {
    const p = plan.pools.find((x) => x.name === name);
    if (!p) throw new Error(`no pool ${name}`);
    return p;
};

const phase5 = PHASE_SPECS.phase5;
const INPUT: PostgresInput = {
    stack: "phase5",
    namespace: "app",
    instances: 3,
    storageGb: 40,
    walStorageGb: 10,
    resources: { cpuMillis: 2000, memoryMb: 4096 },
    database: "app",
    owner: "app",
    backup: {
        endpoint: "https://fsn1.your-objectstorage.com",
        bucket: "acme-backups",
        prefix: "backups",
        retentionDays: phase5.backups.retentionDays,
    },
    rpoMinutes: phase5.rpoMinutes ?? 0,
    backupSchedule: "0 15 3 * * *",
    pool: poolNamed("app"),
};

function only(objects: KubeObject[], kind: string, name?: string): Json {
    const found = objects.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
    if (found.length !== 1) throw new Error(`expected one ${kind} ${name ?? ""}, found ${found.length}`);
    return found[0] as Json;
}
const spec = (o: Json) => o["spec"] as Json;
const clusterSpec = (objects: KubeObject[]) => spec(only(objects, "Cluster"));

/** A label selector's matchLabels matching a pod's labels (the PodMonitors and Poolers use matchLabels only). */
const selects = (matchLabels: Record<string, string>, labels: Record<string, string>) =>
    Object.entries(matchLabels).every(([k, v]) => labels[k] === v);

/** The labels CNPG puts on an instance pod and on a pooler pod (pkg/specs/pods.go, pgbouncer/deployments.go). */
const INSTANCE_POD_LABELS = {
    [CNPG_CLUSTER_LABEL]: POSTGRES_CLUSTER_NAME,
    [CNPG_POD_ROLE_LABEL]: "instance",
    "cnpg.io/instanceName": `${POSTGRES_CLUSTER_NAME}-1`,
};
const POOLER_POD_LABELS = {
    [CNPG_CLUSTER_LABEL]: POSTGRES_CLUSTER_NAME,
    [CNPG_POD_ROLE_LABEL]: "pooler",
    "cnpg.io/poolerName": POSTGRES_NAMES.poolerRw,
};

describe("postgresObjects", () => {
    const objects = postgresObjects(INPUT);

    it("renders only objects the CRDs accept", () => {
        expect(objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
            `ObjectStore/${POSTGRES_NAMES.objectStore}`,
            `Cluster/${POSTGRES_CLUSTER_NAME}`,
            `Pooler/${POSTGRES_NAMES.poolerRw}`,
            `Pooler/${POSTGRES_NAMES.poolerRo}`,
            `ScheduledBackup/${POSTGRES_NAMES.scheduledBackup}`,
            `PodMonitor/${POSTGRES_NAMES.podMonitor}`,
            `PodMonitor/${POSTGRES_NAMES.poolerPodMonitor}`,
        ]);
        for (const o of objects) {
            expect(kubeSchemaProblems(o)).toEqual([]);
            expect(o.metadata.namespace).toBe("app");
        }
        // Without the walStorage too.
        const { walStorageGb: _, ...noWal } = INPUT;
        for (const o of postgresObjects(noWal)) expect(kubeSchemaProblems(o)).toEqual([]);
    });

    it("the schema check catches a broken object", () => {
        const bad = copy(only(objects, "Cluster"));
        (spec(bad)["postgresql"] as Json)["synchronous"] = { method: "all", number: 1 };
        expect(kubeSchemaProblems(bad as KubeObject).join("\n")).toMatch(/synchronous\/method/);
        const store = copy(only(objects, "ObjectStore"));
        spec(store)["retentionPolicy"] = "90 days";
        expect(kubeSchemaProblems(store as KubeObject)).not.toEqual([]);
    });

    it("replicates synchronously through the synchronous stanza, not the legacy fields", () => {
        const c = clusterSpec(objects);
        expect(c["instances"]).toBe(3);
        expect((c["postgresql"] as Json)["synchronous"]).toEqual({
            method: "any",
            number: 1,
            dataDurability: "required",
        });
        expect(c).not.toHaveProperty("minSyncReplicas");
        expect(c).not.toHaveProperty("maxSyncReplicas");
        expect(JSON.stringify(objects)).not.toMatch(/(min|max)SyncReplicas/);
        expect(c["primaryUpdateStrategy"]).toBe("unsupervised");
    });

    it("a single instance has no synchronous stanza: it would wait for a standby that never comes", () => {
        const c = clusterSpec(postgresObjects({ ...INPUT, instances: 1 }));
        expect(c["instances"]).toBe(1);
        expect(c["postgresql"]).not.toHaveProperty("synchronous");
    });

    it("archives through the Barman Cloud plugin to an ObjectStore that exists, never the in-tree backup", () => {
        const c = clusterSpec(objects);
        expect(c).not.toHaveProperty("backup");
        expect(JSON.stringify(objects)).not.toContain("barmanObjectStore");
        const plugins = c["plugins"] as { name: string; isWALArchiver?: boolean; parameters: Json }[];
        expect(plugins).toHaveLength(1);
        const [plugin] = plugins;
        expect(plugin).toMatchObject({ name: BARMAN_CLOUD_PLUGIN, isWALArchiver: true });
        const store = only(objects, "ObjectStore", String(plugin?.parameters["barmanObjectName"]));
        expect((store["metadata"] as Json)["namespace"]).toBe(INPUT.namespace);
        // serverName belongs to the plugin's parameters; the ObjectStore's must stay empty.
        expect((spec(store)["configuration"] as Json)["serverName"]).toBeUndefined();
        expect(plugin?.parameters["serverName"]).toBe(POSTGRES_CLUSTER_NAME);
    });

    it("keeps the seed's 90 days and writes beside the VM phases' folder, which their dump job prunes", () => {
        const store = spec(only(objects, "ObjectStore"));
        expect(phase5.backups.retentionDays).toBe(90);
        expect(store["retentionPolicy"]).toBe("90d");
        const conf = store["configuration"] as Json;
        const vmDir = backupRemoteDir({ ...INPUT.backup, stack: INPUT.stack }).slice(
            `${RCLONE_REMOTE}:`.length,
        );
        expect(vmDir).toBe("acme-backups/backups/phase5/postgres");
        expect(conf["destinationPath"]).toBe("s3://acme-backups/backups/phase5/cnpg/");
        expect(conf["destinationPath"]).not.toContain(vmDir);
        // Hetzner's Ceph-based store refuses botocore's default checksums.
        expect((store["instanceSidecarConfiguration"] as Json)["env"]).toEqual([
            { name: "AWS_REQUEST_CHECKSUM_CALCULATION", value: "when_required" },
            { name: "AWS_RESPONSE_CHECKSUM_VALIDATION", value: "when_required" },
        ]);
        expect(conf["endpointURL"]).toBe(INPUT.backup.endpoint);
        expect(conf["wal"]).toEqual({ compression: "gzip" });
    });

    it("follows the retention input", () => {
        const store = spec(
            only(
                postgresObjects({ ...INPUT, backup: { ...INPUT.backup, retentionDays: 30 } }),
                "ObjectStore",
            ),
        );
        expect(store["retentionPolicy"]).toBe("30d");
    });

    it("reads the S3 credentials from the exported Secret name and keys", () => {
        const creds = (spec(only(objects, "ObjectStore"))["configuration"] as Json)[
            "s3Credentials"
        ] as Record<string, { name: string; key: string }>;
        expect(creds).toEqual({
            accessKeyId: { name: S3_CREDENTIALS_SECRET.name, key: S3_CREDENTIALS_SECRET.keys.accessKeyId },
            secretAccessKey: {
                name: S3_CREDENTIALS_SECRET.name,
                key: S3_CREDENTIALS_SECRET.keys.secretAccessKey,
            },
            region: { name: S3_CREDENTIALS_SECRET.name, key: S3_CREDENTIALS_SECRET.keys.region },
        });
    });

    it("archives a partly filled WAL segment within the seed's 5-minute RPO", () => {
        expect(phase5.rpoMinutes).toBe(5);
        const params = (clusterSpec(objects)["postgresql"] as Json)["parameters"] as Record<string, string>;
        const m = /^(\d+)(s|min)$/.exec(params["archive_timeout"] ?? "");
        expect(m).not.toBeNull();
        const seconds = Number(m?.[1]) * (m?.[2] === "min" ? 60 : 1);
        expect(seconds).toBeGreaterThan(0);
        expect(seconds).toBeLessThanOrEqual(5 * 60);
        expect(seconds).toBe(archiveTimeoutSeconds(5));
        // A longer RPO stretches it, never past the RPO.
        for (const rpo of [2, 15, 60]) expect(archiveTimeoutSeconds(rpo)).toBeLessThanOrEqual(rpo * 60);
    });

    it("puts data and WAL on the Retain StorageClass at the input sizes", () => {
        const c = clusterSpec(objects);
        expect(c["storage"]).toEqual({ storageClass: RETAIN_STORAGE_CLASS, size: "40Gi" });
        expect(c["walStorage"]).toEqual({ storageClass: RETAIN_STORAGE_CLASS, size: "10Gi" });
        const { walStorageGb: _, ...noWal } = INPUT;
        expect(clusterSpec(postgresObjects(noWal))).not.toHaveProperty("walStorage");
    });

    it("gives Postgres and the plugin's sidecar requests equal to limits", () => {
        const r = clusterSpec(objects)["resources"] as Json;
        expect(r).toEqual({
            requests: { cpu: "2000m", memory: "4096Mi" },
            limits: { cpu: "2000m", memory: "4096Mi" },
        });
        const params = (clusterSpec(objects)["postgresql"] as Json)["parameters"] as Record<string, string>;
        expect(params["shared_buffers"]).toBe("1024MB");
        const sidecar = (spec(only(objects, "ObjectStore"))["instanceSidecarConfiguration"] as Json)[
            "resources"
        ] as Json;
        expect(sidecar["requests"]).toEqual(sidecar["limits"]);
    });

    it("spreads instances over the app pool's nodes", () => {
        const a = clusterSpec(objects)["affinity"] as Json;
        expect(a).toMatchObject({
            enablePodAntiAffinity: true,
            podAntiAffinityType: "required",
            topologyKey: "kubernetes.io/hostname",
            nodeSelector: { [POOL_LABEL]: "app" },
        });
        expect(poolNamed("app").labels[POOL_LABEL]).toBe("app");
    });

    it("bootstraps the database and owner the VM phases name", () => {
        const initdb = (clusterSpec(objects)["bootstrap"] as Json)["initdb"] as Json;
        expect(initdb).toMatchObject({ database: "app", owner: "app" });
        // initdb takes the owner's password from the stack's Secret, so CNPG makes no `<cluster>-app` of its own.
        expect(initdb["secret"]).toEqual({ name: POSTGRES_NAMES.ownerSecret });
    });

    it("monitors through hand-made PodMonitors, the instances' one selecting instance pods only", () => {
        expect(clusterSpec(objects)).not.toHaveProperty("monitoring");
        const pm = spec(only(objects, "PodMonitor", POSTGRES_NAMES.podMonitor));
        const sel = (pm["selector"] as { matchLabels: Record<string, string> }).matchLabels;
        expect(sel[CNPG_CLUSTER_LABEL]).toBe(POSTGRES_CLUSTER_NAME);
        expect(selects(sel, INSTANCE_POD_LABELS)).toBe(true);
        expect(selects(sel, POOLER_POD_LABELS)).toBe(false);
        expect(pm["podMetricsEndpoints"]).toEqual([{ port: CNPG_METRICS_PORT }]);
        const pooler = spec(only(objects, "PodMonitor", POSTGRES_NAMES.poolerPodMonitor));
        const psel = (pooler["selector"] as { matchLabels: Record<string, string> }).matchLabels;
        expect(selects(psel, POOLER_POD_LABELS)).toBe(true);
        expect(selects(psel, INSTANCE_POD_LABELS)).toBe(false);
    });

    it("pools writes and reads through PgBouncer in transaction mode, pointed at the Cluster", () => {
        const clusterName = (only(objects, "Cluster")["metadata"] as Json)["name"];
        expect(POSTGRES_SERVICES).toEqual({ rw: POSTGRES_NAMES.poolerRw, ro: POSTGRES_NAMES.poolerRo });
        for (const [type, name] of Object.entries(POSTGRES_SERVICES)) {
            const p = spec(only(objects, "Pooler", name));
            expect(p["type"]).toBe(type);
            expect((p["cluster"] as Json)["name"]).toBe(clusterName);
            expect(p["instances"]).toBe(2);
            const bouncer = p["pgbouncer"] as { poolMode: string; parameters: Record<string, string> };
            expect(bouncer.poolMode).toBe("transaction");
            // dataNode.ts's PgBouncer: 1000 clients, 20 server connections per database and user.
            expect(bouncer.parameters).toMatchObject({ max_client_conn: "1000", default_pool_size: "20" });
            const pod = (p["template"] as Json)["spec"] as Json;
            expect(pod["nodeSelector"]).toEqual({ [POOL_LABEL]: "app" });
        }
        // CNPG's own Services of the Cluster are `<cluster>-rw/-ro/-r`: the Poolers' must not collide.
        const names = Object.values(POSTGRES_SERVICES);
        for (const suffix of ["rw", "ro", "r"])
            expect(names).not.toContain(`${POSTGRES_CLUSTER_NAME}-${suffix}`);
    });

    it("backs up daily through the plugin", () => {
        const b = spec(only(objects, "ScheduledBackup"));
        expect(b).toMatchObject({
            schedule: "0 15 3 * * *",
            cluster: { name: POSTGRES_CLUSTER_NAME },
            method: "plugin",
            pluginConfiguration: { name: BARMAN_CLOUD_PLUGIN },
        });
        // Six fields, seconds first: the day-of-month, month and weekday fields are all `*`.
        expect(String(b["schedule"]).split(" ").slice(3)).toEqual(["*", "*", "*"]);
    });

    it("tolerates the taints of the pool it is placed on", () => {
        const tainted: PoolPlan = {
            ...poolNamed("app"),
            taints: [{ key: "phase-stacks/data", value: "true", effect: "NoSchedule" }],
        };
        const out = postgresObjects({ ...INPUT, pool: tainted });
        const want = [{ key: "phase-stacks/data", operator: "Equal", value: "true", effect: "NoSchedule" }];
        expect((clusterSpec(out)["affinity"] as Json)["tolerations"]).toEqual(want);
        const pod = (spec(only(out, "Pooler", POSTGRES_NAMES.poolerRw))["template"] as Json)["spec"] as Json;
        expect(pod["tolerations"]).toEqual(want);
        for (const o of out) expect(kubeSchemaProblems(o)).toEqual([]);
    });
});

describe("postgresObjects input checks", () => {
    const bad: [string, Partial<PostgresInput>, RegExp][] = [
        ["instances 2", { instances: 2 }, /instances: is 2: with one standby .* every write stops/],
        ["instances 4", { instances: 4 }, /instances: is 4: .*odd.*use 3 or 5/],
        ["instances 0", { instances: 0 }, /instances: is 0/],
        ["instances 2.5", { instances: 2.5 }, /instances: is 2.5/],
        ["storage below an hcloud volume", { storageGb: 5 }, /storageGb: is 5; .*at least 10/],
        ["WAL below an hcloud volume", { walStorageGb: 1 }, /walStorageGb: is 1/],
        ["fractional memory", { resources: { cpuMillis: 1000, memoryMb: 1000.5 } }, /resources\.memoryMb/],
        ["no CPU", { resources: { cpuMillis: 0, memoryMb: 1024 } }, /resources\.cpuMillis: is 0/],
        ["a bad namespace", { namespace: "App_1" }, /namespace: "App_1"/],
        ["a bad database", { database: "my-db" }, /database: "my-db" is not a lower-case SQL identifier/],
        ["an operator-owned role", { owner: "streaming_replica" }, /owner: "streaming_replica" is a role/],
        [
            "a zero retention",
            { backup: { ...INPUT.backup, retentionDays: 0 } },
            /backup\.retentionDays: is 0/,
        ],
        ["an http endpoint", { backup: { ...INPUT.backup, endpoint: "http://s3" } }, /backup\.endpoint/],
        ["an RPO of 1 minute", { rpoMinutes: 1 }, /rpoMinutes: is 1/],
        ["a five-field cron", { backupSchedule: "15 3 * * *" }, /backupSchedule: .*six-field/],
        ["the system pool", { pool: poolNamed("system") }, /pool: "system" is a system pool/],
        [
            "a pool with too few kept servers",
            { pool: { ...poolNamed("app"), nodes: 2 } },
            /kubernetes\.nodePools "app"\.min\): keeps 2 servers, fewer than the 3 instances.*at least 3/,
        ],
        [
            "pools past max_connections",
            { pooler: { instances: 3, maxClientConn: 1000, poolSize: 40 } },
            /pooler\.poolSize: 2 poolers x 3 instances x 40 is 240/,
        ],
        ["a bad image", { imageName: "Not An Image" }, /imageName/],
    ];
    it.each(bad)("rejects %s, naming the key", (_, over, message) => {
        expect(() => postgresObjects({ ...INPUT, ...over })).toThrow(message);
    });

    it("accepts 1, 3 and 5 instances, and one instance on a one-server pool", () => {
        expect(() =>
            postgresObjects({ ...INPUT, instances: 5, pool: { ...INPUT.pool, nodes: 5 } }),
        ).not.toThrow();
        expect(() =>
            postgresObjects({ ...INPUT, instances: 1, pool: { ...INPUT.pool, nodes: 1 } }),
        ).not.toThrow();
        expect(() => postgresObjects({ ...INPUT, instances: 5 })).toThrow(/fewer than the 5 instances/);
    });
});

describe("the Secrets the shell fills", () => {
    const cluster = () => postgresObjects(INPUT).find((o) => o.kind === "Cluster") as KubeObject;
    const initdb = () =>
        (cluster()["spec"] as { bootstrap: { initdb: { owner: string; secret: { name: string } } } })
            .bootstrap.initdb;

    it("gives initdb the owner's password from a basic-auth Secret the Cluster names", () => {
        const secret = postgresOwnerSecret(INPUT, "s3cret-owner");
        expect(kubeSchemaProblems(secret)).toEqual([]);
        expect(secret.metadata).toMatchObject({ name: initdb().secret.name, namespace: INPUT.namespace });
        expect(secret["type"]).toBe("kubernetes.io/basic-auth");
        expect(secret["stringData"]).toEqual({ username: initdb().owner, password: "s3cret-owner" });
        expect(() => postgresOwnerSecret(INPUT, "")).toThrow(/owner password: is empty/);
    });

    it("holds the backup keys under the names the ObjectStore reads", () => {
        const secret = s3CredentialsSecret(INPUT, {
            accessKeyId: "id",
            secretAccessKey: "key",
            region: "eu-central",
        });
        expect(kubeSchemaProblems(secret)).toEqual([]);
        const store = postgresObjects(INPUT).find((o) => o.kind === "ObjectStore") as KubeObject;
        const creds = (
            store["spec"] as {
                configuration: { s3Credentials: Record<string, { name: string; key: string }> };
            }
        ).configuration.s3Credentials;
        expect(secret.metadata.name).toBe(creds["accessKeyId"]?.name);
        const data = secret["stringData"] as Record<string, string>;
        expect(data[creds["accessKeyId"]?.key ?? ""]).toBe("id");
        expect(data[creds["secretAccessKey"]?.key ?? ""]).toBe("key");
    });
});
