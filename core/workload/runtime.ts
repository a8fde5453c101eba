/**
 * How each service runs, independent of what runs it: the app host's compose project, the dev stack's
 * containers and (phase 5) Kubernetes workloads are translations of this table. Nothing here is shaped like a
 * compose key or a Docker flag; the translations decide those.
 */
import type { ServiceName } from "./services";

/**
 * `edge` reaches the internet (the proxy's published ports, egress for workers, the crawler and Grafana);
 * `data` and `monitoring` are internal: no route out, nothing published.
 */
export const NETWORKS = {
    edge: { internal: false },
    data: { internal: true },
    monitoring: { internal: true },
} as const;
export type NetworkName = keyof typeof NETWORKS;

/** Secrets a service reads from a file itself (not through an environment file read by the runtime). */
export type SecretName =
    | "postgresPassword"
    | "redisAuth"
    | "redisExporterPasswords"
    | "grafanaAdminPassword"
    | "originCert"
    | "originKey"
    | "alertReceiverCredential";

/** A path the service writes. `scratch` holds nothing worth keeping; `state` is the service's own data. */
export interface WritablePath {
    readonly path: string;
    readonly keeps: "scratch" | "state";
    /** Size when the runtime keeps it in memory, MiB. */
    readonly memoryMb: number;
    /** State that must outlive the container (a runtime never keeps it in memory). */
    readonly durable?: boolean;
}

/**
 * How the runtime tells the service is healthy; `http` uses the workload's port and `healthPath`. `none`: the image
 * has no program to probe with (a scratch image), so the runtime only sees whether the process runs.
 */
export type Probe = "http" | "caddy-admin" | "postgres-ready" | "redis-ping" | "none";

export interface ServiceRuntime {
    /**
     * The unprivileged user the process runs as from the start (the image's own user where it has one); every
     * service runs on a read-only root and writes only `writable`, owned by this user.
     */
    readonly user: { readonly uid: number; readonly gid: number };
    /** Capabilities kept after dropping all. */
    readonly capabilities: readonly string[];
    readonly writable: readonly WritablePath[];
    readonly networks: readonly NetworkName[];
    /** Who it talks to: start order, and egress when the target runs elsewhere. */
    readonly reaches: readonly ServiceName[];
    /** Secret files it reads, as `user`. */
    readonly secrets: readonly SecretName[];
    readonly probe: Probe;
    readonly pidsLimit: number;
    /** Seconds it gets to stop cleanly before it is killed, when more than the runtime's default. */
    readonly stopGraceSeconds?: number;
}

const APP_USER = { uid: 10001, gid: 10001 };
const tmp = (memoryMb: number): WritablePath => ({ path: "/tmp", keeps: "scratch", memoryMb });
const state = (path: string, memoryMb: number, durable = false): WritablePath => ({
    path,
    keeps: "state",
    memoryMb,
    ...(durable ? { durable } : {}),
});

export const RUNTIME: Readonly<Record<ServiceName, ServiceRuntime>> = {
    // The caddy binary carries the cap_net_bind_service file capability: exec fails unless it stays in the bounding
    // set. No-new-privileges keeps the capability from taking effect; Docker lets any user of a container's own
    // network namespace bind ports below 1024 (net.ipv4.ip_unprivileged_port_start=0), so 80 and 443 need none.
    proxy: {
        user: { uid: 1000, gid: 1000 },
        capabilities: ["NET_BIND_SERVICE"],
        writable: [tmp(16), state("/data", 16), state("/config", 16)],
        networks: ["edge"],
        reaches: ["api", "frontend"],
        secrets: ["originCert", "originKey"],
        probe: "caddy-admin",
        pidsLimit: 256,
    },
    api: {
        user: APP_USER,
        capabilities: [],
        writable: [tmp(64)],
        networks: ["edge", "data", "monitoring"],
        reaches: ["postgres", "redis", "meilisearch", "otelCollector"],
        secrets: ["postgresPassword"],
        probe: "http",
        pidsLimit: 512,
    },
    frontend: {
        user: APP_USER,
        capabilities: [],
        writable: [tmp(64)],
        networks: ["edge"],
        reaches: ["api"],
        secrets: [],
        probe: "http",
        pidsLimit: 512,
    },
    // uid 70 is the postgres user of the Alpine image. Started as that user, the entrypoint skips its chown and gosu
    // (so no capability is needed): the host owns the data directory and the password file to 70 instead.
    postgres: {
        user: { uid: 70, gid: 70 },
        capabilities: [],
        writable: [
            tmp(64),
            { path: "/var/run/postgresql", keeps: "scratch", memoryMb: 1 },
            state("/var/lib/postgresql/data", 0, true),
        ],
        networks: ["data"],
        reaches: [],
        secrets: ["postgresPassword"],
        probe: "postgres-ready",
        pidsLimit: 512,
        stopGraceSeconds: 60,
    },
    // The redis user of the Debian and Alpine images; run as it from the start, no capability to switch users.
    redis: {
        user: { uid: 999, gid: 1000 },
        capabilities: [],
        writable: [tmp(16), state("/data", 0, true)],
        networks: ["data"],
        reaches: [],
        secrets: ["redisAuth"],
        probe: "redis-ping",
        pidsLimit: 256,
    },
    // Meilisearch writes large temporary files while indexing; a RAM-backed tmpfs would count against its memory
    // limit, so its TMPDIR is its data path. Its index is rebuilt from Postgres.
    meilisearch: {
        user: { uid: 1000, gid: 1000 },
        capabilities: [],
        writable: [state("/meili_data", 256), tmp(64)],
        networks: ["data"],
        reaches: [],
        secrets: [],
        probe: "http",
        pidsLimit: 512,
    },
    // On `monitoring` for the collector its traces go to.
    worker: {
        user: APP_USER,
        capabilities: [],
        writable: [tmp(64)],
        networks: ["edge", "data", "monitoring"],
        reaches: ["postgres", "redis", "meilisearch", "otelCollector"],
        secrets: ["postgresPassword"],
        probe: "http",
        pidsLimit: 512,
        stopGraceSeconds: 60,
    },
    // Firecrawl drives headless Chromium, which writes profiles and caches under $HOME (pointed at /tmp) and runs
    // many threads.
    crawler: {
        user: APP_USER,
        capabilities: [],
        writable: [tmp(256)],
        networks: ["edge", "data"],
        reaches: ["redis"],
        secrets: ["postgresPassword"],
        probe: "http",
        pidsLimit: 2048,
    },
    prometheus: {
        user: { uid: 65534, gid: 65534 },
        capabilities: [],
        writable: [state("/prometheus", 128)],
        networks: ["monitoring"],
        reaches: ["api", "nodeExporter", "alertmanager", "blackboxExporter"],
        secrets: [],
        probe: "http",
        pidsLimit: 256,
    },
    // On `edge` because a published port (even on loopback) needs a non-internal network.
    grafana: {
        user: { uid: 472, gid: 0 },
        capabilities: [],
        writable: [state("/var/lib/grafana", 64), tmp(16)],
        networks: ["monitoring", "edge"],
        reaches: ["prometheus"],
        secrets: ["grafanaAdminPassword"],
        probe: "http",
        pidsLimit: 256,
    },
    nodeExporter: {
        user: { uid: 65534, gid: 65534 },
        capabilities: [],
        writable: [],
        networks: ["monitoring"],
        reaches: [],
        secrets: [],
        probe: "http",
        pidsLimit: 128,
    },
    // Runs as the postgres image's uid 70, not the image's nobody: it reads the same password file as Postgres,
    // which the host hands to uid 70 and keeps owner-only.
    postgresExporter: {
        user: { uid: 70, gid: 70 },
        capabilities: [],
        writable: [],
        networks: ["data", "monitoring"],
        reaches: ["postgres"],
        secrets: ["postgresPassword"],
        probe: "http",
        pidsLimit: 128,
    },
    // The image's own user. A scratch image: no shell or HTTP client to probe /metrics from inside.
    redisExporter: {
        user: { uid: 59000, gid: 59000 },
        capabilities: [],
        writable: [],
        networks: ["data", "monitoring"],
        reaches: ["redis"],
        secrets: ["redisExporterPasswords"],
        probe: "none",
        pidsLimit: 128,
    },
    // The image's own user (10001); chunks, index, WAL and the compactor's state under /loki.
    loki: {
        user: { uid: 10001, gid: 10001 },
        capabilities: [],
        writable: [state("/loki", 64, true)],
        networks: ["monitoring"],
        reaches: [],
        secrets: [],
        probe: "http",
        pidsLimit: 256,
    },
    // Root without a single capability: the json-file logs (0640 root:root under 0710 directories) and the journal
    // (0640 root:systemd-journal) are readable by their owner, root, and by no group it could join. A capability
    // would not do for another uid: Docker gives a non-root user's process none in its effective set
    // (moby oci.SetCapabilities), and DAC_READ_SEARCH as root would open every file, not only root's.
    logAgent: {
        user: { uid: 0, gid: 0 },
        capabilities: [],
        writable: [state("/var/lib/alloy/data", 16, true)],
        networks: ["monitoring"],
        reaches: ["loki"],
        secrets: [],
        probe: "http",
        pidsLimit: 256,
    },
    otelCollector: {
        user: { uid: 10001, gid: 10001 },
        capabilities: [],
        writable: [],
        networks: ["monitoring"],
        reaches: [],
        secrets: [],
        probe: "http",
        pidsLimit: 256,
    },
    // On `edge` to reach the SMTP relay or webhook; its state is the silences and the notification log.
    alertmanager: {
        user: { uid: 65534, gid: 65534 },
        capabilities: [],
        writable: [state("/alertmanager", 16)],
        networks: ["monitoring", "edge"],
        reaches: [],
        secrets: ["alertReceiverCredential"],
        probe: "http",
        pidsLimit: 128,
    },
    // On `edge` to probe the public URLs through Cloudflare and, in phase 1, the proxy beside it.
    blackboxExporter: {
        user: { uid: 65534, gid: 65534 },
        capabilities: [],
        writable: [],
        networks: ["monitoring", "edge"],
        reaches: [],
        secrets: [],
        probe: "http",
        pidsLimit: 128,
    },
};

/** Who talks to whom, from the table. */
export const REACHES: Readonly<Record<ServiceName, readonly ServiceName[]>> = Object.fromEntries(
    Object.entries(RUNTIME).map(([name, r]) => [name, r.reaches]),
) as Record<ServiceName, readonly ServiceName[]>;
