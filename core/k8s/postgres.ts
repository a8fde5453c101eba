/**
 * Phase 5's Postgres on the cluster with CloudNativePG (research anchors §6.2, §6.5): a three-instance Cluster
 * with quorum synchronous replication, WAL archiving and base backups through the Barman Cloud plugin into the
 * stack's backup bucket, PgBouncer Poolers for writes and reads, a daily ScheduledBackup, and PodMonitors.
 * Pure: plain objects in, plain objects out; the shell applies them after operators.ts's releases.
 *
 * Choices:
 * - `synchronous: {method: any, number: 1, dataDurability: required}`: a commit waits for one of the two
 *   standbys, so losing a node loses no committed write, and one standby may be down without stopping writes.
 *   Not the legacy minSyncReplicas/maxSyncReplicas, which CNPG makes mutually exclusive with the stanza.
 * - Backups go through the plugin (`plugins[].isWALArchiver`), not the in-tree `backup.barmanObjectStore`,
 *   deprecated since CNPG 1.26. The ObjectStore leaves `serverName` empty, as the plugin demands; the Cluster
 *   names it as a plugin parameter, so the folder the archive lives in is written down in one place.
 * - The archive sits beside the VM phases' folder of the bucket (backup.ts): `<bucket>/<prefix>/<stack>/cnpg/`,
 *   under which Barman writes `<cluster>/wals` and `<cluster>/base`. Not inside `postgres/`: the VM dump job
 *   prunes that folder recursively by age, which would delete the base backup a 90-day window starts from while
 *   a VM phase of the stack still runs (a migration into phase 5).
 * - The plugin's sidecar sends S3 checksums only when required (AWS_REQUEST_CHECKSUM_CALCULATION and
 *   AWS_RESPONSE_CHECKSUM_VALIDATION `when_required`): botocore ≥ 1.36's default checksums are refused by
 *   Ceph-based stores such as Hetzner's (plugin-barman-cloud docs/object_stores.md, issue #393).
 * - `archive_timeout` is the RPO less a minute for the upload, so a quiet database still ships a segment inside
 *   the seed's 5 minutes; retention is the phase's days (`90d`), for base backups and WAL alike.
 * - Requests equal limits (Guaranteed QoS), for Postgres and for the plugin's sidecar in the same pods, so the
 *   kubelet evicts these pods last. Memory settings are the VM phases' (postgresConf.ts `memorySettings`).
 * - Instances are spread one per node with required anti-affinity (hcloud spread placement groups put the
 *   pool's servers on different hosts), on an `app` pool with at least as many kept servers as instances: the
 *   autoscaler's servers come and go, a database's should not.
 * - The image is pinned: CloudNativePG 1.30.0's default (pkg/versions/versions.go `DefaultImageName`). Left to
 *   the operator's default, an operator upgrade would roll every instance onto a new image unreviewed.
 * - Monitoring is two hand-made PodMonitors (the Cluster's `enablePodMonitor` is deprecated): one for the
 *   instances and one for the poolers, told apart by `cnpg.io/podRole` (pooler pods carry `cnpg.io/cluster` too).
 */
import { VOLUME_MIN_GB } from "../catalog/hetzner";
import { backupRemoteDir, RCLONE_REMOTE, type BackupTarget } from "../render/data/backup";
import { memorySettings } from "../render/data/postgresConf";
import { POOL_LABEL, type PoolPlan } from "./clusterPlan";
import type { KubeObject } from "./objects";
import { RETAIN_STORAGE_CLASS } from "./storage";
import { isDnsLabel } from "./names";

/** The Cluster's name: CNPG names its Services (`-rw`, `-ro`, `-r`), Secrets and PVCs after it. */
export const POSTGRES_CLUSTER_NAME = "app-db";

/** The Barman Cloud plugin's name, as the Cluster and the ScheduledBackup reference it. */
export const BARMAN_CLOUD_PLUGIN = "barman-cloud.cloudnative-pg.io";

/** CloudNativePG 1.30.0's default image (pkg/versions/versions.go @v1.30.0): PostgreSQL 18.4 on Debian trixie. */
export const POSTGRES_IMAGE = "ghcr.io/cloudnative-pg/postgresql:18.4-system-trixie";

/** The names of every object this module renders, and of the ones CNPG creates that other code reaches. */
export const POSTGRES_NAMES = {
    cluster: POSTGRES_CLUSTER_NAME,
    objectStore: `${POSTGRES_CLUSTER_NAME}-store`,
    scheduledBackup: `${POSTGRES_CLUSTER_NAME}-daily`,
    /** Pooler names; CNPG creates a Service of the same name in front of each. */
    poolerRw: `${POSTGRES_CLUSTER_NAME}-pooler-rw`,
    poolerRo: `${POSTGRES_CLUSTER_NAME}-pooler-ro`,
    podMonitor: POSTGRES_CLUSTER_NAME,
    poolerPodMonitor: `${POSTGRES_CLUSTER_NAME}-pooler`,
    /**
     * The owner's credentials the shell creates (kubernetes.io/basic-auth: `username`, `password`) from the stack's
     * generated password, which initdb gives the owner: the application's Secret is built from the same value.
     */
    ownerSecret: `${POSTGRES_CLUSTER_NAME}-owner`,
} as const;

/** The Services the application connects to: PgBouncer for writes (the primary) and for reads (the standbys). */
export const POSTGRES_SERVICES = { rw: POSTGRES_NAMES.poolerRw, ro: POSTGRES_NAMES.poolerRo } as const;
/** PgBouncer's port on the Pooler Services (CNPG's pgbouncer port, as on the VM phases' PgBouncer). */
export const POOLER_PORT = 5432;

/**
 * The Secret the shell creates beside the Cluster with the backup bucket's S3 credentials (the VM phases' access
 * key), read by the ObjectStore. `region` is the bucket's region (the config's `backup.region`).
 */
export const S3_CREDENTIALS_SECRET = {
    name: "backup-s3",
    keys: { accessKeyId: "ACCESS_KEY_ID", secretAccessKey: "ACCESS_SECRET_KEY", region: "REGION" },
} as const;

/** Labels CNPG puts on its pods (pkg/utils/labels_annotations.go): the cluster, and the pod's role. */
export const CNPG_CLUSTER_LABEL = "cnpg.io/cluster";
export const CNPG_POD_ROLE_LABEL = "cnpg.io/podRole";
/** The metrics port name on instance and pooler pods. */
export const CNPG_METRICS_PORT = "metrics";

/** The VM phases' PgBouncer (dataNode.ts): clients per pooler, and server connections per database and user. */
export const POOLER_DEFAULTS = { instances: 2, maxClientConn: 1000, poolSize: 20 } as const;
/** The VM phases' Postgres (dataNode.ts, haPostgres.ts). */
export const POSTGRES_MAX_CONNECTIONS = 200;
/** Every hcloud volume is billed at least 10 GiB, and smaller ones cannot be created. */
/** The plugin's sidecar in each instance pod (WAL uploads, backups): requests = limits. */
export const SIDECAR_DEFAULTS = { cpuMillis: 250, memoryMb: 256 } as const;

export interface PostgresInput {
    /** The stack's name, a folder of the backup bucket as in the VM phases. */
    readonly stack: string;
    /** Where the Cluster, its Poolers and the S3 Secret live (the app's Secret is created here too). */
    readonly namespace: string;
    /** 3 (a primary and two synchronous-quorum standbys), 5, 7 or 9; or 1 for a throwaway cluster. */
    readonly instances: number;
    /** Each instance's data volume. */
    readonly storageGb: number;
    /** Each instance's WAL volume; absent, WAL shares the data volume. */
    readonly walStorageGb?: number;
    /** Postgres's container per instance: requests = limits. */
    readonly resources: { readonly cpuMillis: number; readonly memoryMb: number };
    /** The config's `postgres.database` and `postgres.user`, the names the VM phases create. */
    readonly database: string;
    readonly owner: string;
    /** The config's `backup` section (the bucket the VM phases back up to). */
    readonly backup: Pick<BackupTarget, "endpoint" | "bucket" | "prefix" | "retentionDays">;
    /** The phase's recovery point objective in minutes (PHASE_SPECS.phase5.rpoMinutes: 5). */
    readonly rpoMinutes: number;
    /** When the daily base backup runs: CNPG's six-field cron, seconds first, UTC, e.g. "0 15 3 * * *". */
    readonly backupSchedule: string;
    /** The node pool the instances run on (clusterPlan's). */
    readonly pool: Pick<PoolPlan, "name" | "kind" | "nodes" | "taints">;
    readonly pooler?: {
        readonly instances: number;
        readonly maxClientConn: number;
        readonly poolSize: number;
    };
    readonly sidecar?: { readonly cpuMillis: number; readonly memoryMb: number };
    /** Defaults to POSTGRES_IMAGE. */
    readonly imageName?: string;
}

const SQL_IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;
/** Roles CNPG creates itself: the owner must be none of them. */
const CNPG_ROLES = ["postgres", "streaming_replica", "cnpg_pooler_pgbouncer"] as const;
const IMAGE_REF = /^[a-z0-9][a-z0-9._/:@-]*$/;
/** Six fields (seconds first), each of digits, `*`, `/`, `,`, `-`, `?`. */
const CRON6 = /^[0-9*/,?-]+( [0-9*/,?-]+){5}$/;

function fail(key: string, problem: string, fix: string): never {
    throw new Error(`CloudNativePG ${key}: ${problem}; ${fix}`);
}

function wholeAtLeast(key: string, n: number, min: number, fix: string): void {
    if (!Number.isInteger(n) || n < min) fail(key, `is ${n}`, fix);
}

function validate(input: PostgresInput): void {
    const { instances } = input;
    if (!Number.isInteger(instances) || instances < 1 || instances > 9)
        fail("instances", `is ${instances}`, "use 3 (a primary and two standbys), 5, 7 or 9, or 1");
    if (instances === 2)
        fail(
            "instances",
            "is 2: with one standby and dataDurability required, every write stops while that standby restarts",
            "use 3, so one standby may be down while commits wait for the other (or 1 for a throwaway cluster)",
        );
    if (instances > 1 && instances % 2 === 0)
        fail(
            "instances",
            `is ${instances}: the program runs odd counts, a primary and standbys in pairs`,
            `use ${instances - 1} or ${instances + 1}`,
        );
    if (!isDnsLabel(input.namespace))
        fail("namespace", `"${input.namespace}" is not a namespace name`, "use a DNS label such as app");
    wholeAtLeast(
        "storageGb",
        input.storageGb,
        VOLUME_MIN_GB,
        `give whole GiB of at least ${VOLUME_MIN_GB} (the smallest hcloud volume)`,
    );
    if (input.walStorageGb !== undefined)
        wholeAtLeast(
            "walStorageGb",
            input.walStorageGb,
            VOLUME_MIN_GB,
            `give whole GiB of at least ${VOLUME_MIN_GB} (the smallest hcloud volume), or leave it out`,
        );
    wholeAtLeast(
        "resources.cpuMillis",
        input.resources.cpuMillis,
        100,
        "give whole millicores, at least 100",
    );
    wholeAtLeast("resources.memoryMb", input.resources.memoryMb, 512, "give whole MiB, at least 512");
    for (const key of ["database", "owner"] as const)
        if (!SQL_IDENTIFIER.test(input[key]))
            fail(key, `"${input[key]}" is not a lower-case SQL identifier`, "use e.g. app");
    if ((CNPG_ROLES as readonly string[]).includes(input.owner) || input.owner.startsWith("pg_"))
        fail(
            "owner",
            `"${input.owner}" is a role CloudNativePG owns`,
            "use the application's role, e.g. app",
        );
    wholeAtLeast("backup.retentionDays", input.backup.retentionDays, 1, "give whole days, at least 1");
    if (!/^https:\/\/\S+$/.test(input.backup.endpoint))
        fail(
            "backup.endpoint",
            `"${input.backup.endpoint}" is not an https:// URL`,
            "give the store's base URL",
        );
    if (!Number.isInteger(input.rpoMinutes) || input.rpoMinutes < 2 || input.rpoMinutes > 60)
        fail("rpoMinutes", `is ${input.rpoMinutes}`, "give whole minutes from 2 to 60");
    if (!CRON6.test(input.backupSchedule))
        fail(
            "backupSchedule",
            `"${input.backupSchedule}" is not a six-field cron schedule`,
            'give seconds first, e.g. "0 15 3 * * *" for 03:15:00 UTC',
        );
    if (input.pool.kind !== "app")
        fail(
            "pool",
            `"${input.pool.name}" is a ${input.pool.kind} pool`,
            "place the database on an app pool (kubernetes.nodePools role app)",
        );
    if (instances > 1 && input.pool.nodes < instances)
        fail(
            `pool (kubernetes.nodePools "${input.pool.name}".min)`,
            `keeps ${input.pool.nodes} servers, fewer than the ${instances} instances, each of which needs its own`,
            `set min to at least ${instances}`,
        );
    const pooler = input.pooler ?? POOLER_DEFAULTS;
    wholeAtLeast("pooler.instances", pooler.instances, 1, "give at least 1 (2 survives a node)");
    wholeAtLeast("pooler.maxClientConn", pooler.maxClientConn, 1, "give a whole number of clients");
    wholeAtLeast("pooler.poolSize", pooler.poolSize, 1, "give a whole number of server connections");
    // Both poolers' instances each open up to poolSize connections; Postgres keeps a few for itself.
    const serverConnections = 2 * pooler.instances * pooler.poolSize;
    if (serverConnections > POSTGRES_MAX_CONNECTIONS - 20)
        fail(
            "pooler.poolSize",
            `2 poolers x ${pooler.instances} instances x ${pooler.poolSize} is ${serverConnections} server connections`,
            `keep it within ${POSTGRES_MAX_CONNECTIONS - 20} (max_connections ${POSTGRES_MAX_CONNECTIONS} less a reserve)`,
        );
    const sidecar = input.sidecar ?? SIDECAR_DEFAULTS;
    wholeAtLeast("sidecar.cpuMillis", sidecar.cpuMillis, 50, "give whole millicores, at least 50");
    wholeAtLeast("sidecar.memoryMb", sidecar.memoryMb, 128, "give whole MiB, at least 128");
    if (input.imageName !== undefined && !IMAGE_REF.test(input.imageName))
        fail("imageName", `"${input.imageName}" is not an image reference`, "give registry/name:tag");
}

/** `s3://<bucket>/<prefix>/<stack>/cnpg/`: beside the VM phases' `postgres/` (backup.ts `backupRemoteDir`). */
export function backupDestinationPath(input: Pick<PostgresInput, "stack" | "backup">): string {
    const vmDir = backupRemoteDir({ ...input.backup, stack: input.stack }).slice(`${RCLONE_REMOTE}:`.length);
    return `s3://${vmDir.replace(/\/postgres$/, "/cnpg")}/`;
}

/** botocore's checksums only where the API requires them: Ceph-based S3 stores reject its defaults. */
export const S3_CHECKSUM_ENV = [
    { name: "AWS_REQUEST_CHECKSUM_CALCULATION", value: "when_required" },
    { name: "AWS_RESPONSE_CHECKSUM_VALIDATION", value: "when_required" },
] as const;

/** The RPO less a minute for the upload: a partly filled segment is archived this often at the latest. */
export function archiveTimeoutSeconds(rpoMinutes: number): number {
    return Math.max(60, (rpoMinutes - 1) * 60);
}

const quantities = (r: { cpuMillis: number; memoryMb: number }) => {
    const q = { cpu: `${r.cpuMillis}m`, memory: `${r.memoryMb}Mi` };
    return { requests: { ...q }, limits: { ...q } };
};

/** The pool's placement: its name label, and a toleration of each of its taints. */
function poolPlacement(pool: PostgresInput["pool"]) {
    return {
        nodeSelector: { [POOL_LABEL]: pool.name },
        tolerations: pool.taints.map((t) => ({
            key: t.key,
            operator: "Equal",
            value: t.value,
            effect: t.effect,
        })),
    };
}

function pooler(input: PostgresInput, name: string, type: "rw" | "ro"): KubeObject {
    const p = input.pooler ?? POOLER_DEFAULTS;
    const placement = poolPlacement(input.pool);
    return {
        apiVersion: "postgresql.cnpg.io/v1",
        kind: "Pooler",
        metadata: { name, namespace: input.namespace },
        spec: {
            cluster: { name: POSTGRES_CLUSTER_NAME },
            instances: p.instances,
            type,
            pgbouncer: {
                poolMode: "transaction",
                // CNPG adds ignore_startup_parameters extra_float_digits,options, as the VM phases' PgBouncer has.
                parameters: {
                    max_client_conn: String(p.maxClientConn),
                    default_pool_size: String(p.poolSize),
                },
            },
            template: {
                spec: {
                    // CNPG fills in the pgbouncer container; the pod template only places it.
                    containers: [],
                    nodeSelector: placement.nodeSelector,
                    tolerations: placement.tolerations,
                    affinity: {
                        podAntiAffinity: {
                            preferredDuringSchedulingIgnoredDuringExecution: [
                                {
                                    weight: 100,
                                    podAffinityTerm: {
                                        topologyKey: "kubernetes.io/hostname",
                                        labelSelector: { matchLabels: { "cnpg.io/poolerName": name } },
                                    },
                                },
                            ],
                        },
                    },
                },
            },
        },
    };
}

/**
 * The Postgres objects, in apply order: ObjectStore, Cluster, the rw and ro Poolers, the daily ScheduledBackup,
 * and the PodMonitors of the instances and of the poolers. The S3 Secret (S3_CREDENTIALS_SECRET) must exist in
 * `namespace` first; the PodMonitors need the Prometheus Operator's CRDs.
 */
export function postgresObjects(input: PostgresInput): KubeObject[] {
    validate(input);
    const { namespace } = input;
    const meta = (name: string) => ({ name, namespace });
    const placement = poolPlacement(input.pool);
    const secretKey = (key: string) => ({ name: S3_CREDENTIALS_SECRET.name, key });
    const sync = input.instances > 1;

    const objectStore: KubeObject = {
        apiVersion: "barmancloud.cnpg.io/v1",
        kind: "ObjectStore",
        metadata: meta(POSTGRES_NAMES.objectStore),
        spec: {
            configuration: {
                destinationPath: backupDestinationPath(input),
                endpointURL: input.backup.endpoint,
                s3Credentials: {
                    accessKeyId: secretKey(S3_CREDENTIALS_SECRET.keys.accessKeyId),
                    secretAccessKey: secretKey(S3_CREDENTIALS_SECRET.keys.secretAccessKey),
                    region: secretKey(S3_CREDENTIALS_SECRET.keys.region),
                },
                wal: { compression: "gzip" },
                data: { compression: "gzip" },
            },
            retentionPolicy: `${input.backup.retentionDays}d`,
            instanceSidecarConfiguration: {
                env: S3_CHECKSUM_ENV.map((e) => ({ ...e })),
                resources: quantities(input.sidecar ?? SIDECAR_DEFAULTS),
            },
        },
    };

    const volume = (gb: number) => ({ storageClass: RETAIN_STORAGE_CLASS, size: `${gb}Gi` });
    const cluster: KubeObject = {
        apiVersion: "postgresql.cnpg.io/v1",
        kind: "Cluster",
        metadata: meta(POSTGRES_CLUSTER_NAME),
        spec: {
            instances: input.instances,
            imageName: input.imageName ?? POSTGRES_IMAGE,
            primaryUpdateStrategy: "unsupervised",
            primaryUpdateMethod: "switchover",
            postgresql: {
                parameters: {
                    archive_timeout: `${archiveTimeoutSeconds(input.rpoMinutes)}s`,
                    max_connections: String(POSTGRES_MAX_CONNECTIONS),
                    ...Object.fromEntries(memorySettings(input.resources.memoryMb, POSTGRES_MAX_CONNECTIONS)),
                },
                ...(sync ? { synchronous: { method: "any", number: 1, dataDurability: "required" } } : {}),
            },
            bootstrap: {
                initdb: {
                    database: input.database,
                    owner: input.owner,
                    secret: { name: POSTGRES_NAMES.ownerSecret },
                    dataChecksums: true,
                },
            },
            storage: volume(input.storageGb),
            ...(input.walStorageGb !== undefined ? { walStorage: volume(input.walStorageGb) } : {}),
            resources: quantities(input.resources),
            affinity: {
                enablePodAntiAffinity: true,
                podAntiAffinityType: "required",
                topologyKey: "kubernetes.io/hostname",
                nodeSelector: placement.nodeSelector,
                tolerations: placement.tolerations,
            },
            plugins: [
                {
                    name: BARMAN_CLOUD_PLUGIN,
                    isWALArchiver: true,
                    parameters: {
                        barmanObjectName: POSTGRES_NAMES.objectStore,
                        serverName: POSTGRES_CLUSTER_NAME,
                    },
                },
            ],
        },
    };

    const scheduledBackup: KubeObject = {
        apiVersion: "postgresql.cnpg.io/v1",
        kind: "ScheduledBackup",
        metadata: meta(POSTGRES_NAMES.scheduledBackup),
        spec: {
            schedule: input.backupSchedule,
            cluster: { name: POSTGRES_CLUSTER_NAME },
            method: "plugin",
            pluginConfiguration: { name: BARMAN_CLOUD_PLUGIN },
            // Each Backup object (a record; the data is in the bucket, pruned by retentionPolicy) belongs to this
            // ScheduledBackup and goes with it.
            backupOwnerReference: "self",
            // The first base backup at once: archived WAL is useless for recovery until one exists.
            immediate: true,
        },
    };

    const podMonitor = (name: string, role: "instance" | "pooler"): KubeObject => ({
        apiVersion: "monitoring.coreos.com/v1",
        kind: "PodMonitor",
        metadata: meta(name),
        spec: {
            selector: {
                matchLabels: { [CNPG_CLUSTER_LABEL]: POSTGRES_CLUSTER_NAME, [CNPG_POD_ROLE_LABEL]: role },
            },
            podMetricsEndpoints: [{ port: CNPG_METRICS_PORT }],
        },
    });

    return [
        objectStore,
        cluster,
        pooler(input, POSTGRES_NAMES.poolerRw, "rw"),
        pooler(input, POSTGRES_NAMES.poolerRo, "ro"),
        scheduledBackup,
        podMonitor(POSTGRES_NAMES.podMonitor, "instance"),
        podMonitor(POSTGRES_NAMES.poolerPodMonitor, "pooler"),
    ];
}

/** The owner's credentials initdb reads (POSTGRES_NAMES.ownerSecret): the stack's generated password. */
export function postgresOwnerSecret(
    input: Pick<PostgresInput, "namespace" | "owner">,
    password: string,
): KubeObject {
    if (password.length === 0) fail("owner password", "is empty", "generate it");
    return {
        apiVersion: "v1",
        kind: "Secret",
        metadata: { name: POSTGRES_NAMES.ownerSecret, namespace: input.namespace },
        type: "kubernetes.io/basic-auth",
        stringData: { username: input.owner, password },
    };
}

/** The Barman Cloud plugin's S3 credentials (S3_CREDENTIALS_SECRET), from the stack's backup keys. */
export function s3CredentialsSecret(
    input: Pick<PostgresInput, "namespace">,
    keys: { readonly accessKeyId: string; readonly secretAccessKey: string; readonly region: string },
): KubeObject {
    const k = S3_CREDENTIALS_SECRET.keys;
    return {
        apiVersion: "v1",
        kind: "Secret",
        metadata: { name: S3_CREDENTIALS_SECRET.name, namespace: input.namespace },
        type: "Opaque",
        stringData: {
            [k.accessKeyId]: keys.accessKeyId,
            [k.secretAccessKey]: keys.secretAccessKey,
            [k.region]: keys.region,
        },
    };
}
