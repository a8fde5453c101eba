/**
 * Phase 5's application workloads (api, frontend, worker, crawler) as Kubernetes objects: the translation of the
 * runtime table (core/workload/runtime.ts) and the workload specs (core/workload/services.ts) that the app host's
 * compose project (core/render/app/compose.ts, composeServices.ts) and its secret files (secrets.ts) are too, so
 * each service runs the same image, as the same user, with the same limits, writable paths, environment and
 * credentials. Pure: plain data in, plain objects out; the shell applies them.
 *
 * Choices:
 * - Requests equal limits for memory and CPU (Guaranteed QoS). Memory: a request below the limit lets the node
 *   overcommit and OOM-kill a neighbour, and the in-memory /tmp counts against the limit as the compose tmpfs does.
 *   CPU: `cpus` is what the VM phases give each container; requesting all of it makes the scheduler reserve what
 *   the capacity plan counted, and the HorizontalPodAutoscaler's utilisation (a share of the request) then means a
 *   share of the hard cap: at 100% a pod is throttled, so the default target of 70% scales out before that.
 * - No `spec.replicas` on the Deployments: the HPA (minReplicas = the spec's `replicas`) owns the count, and a
 *   Deployment that names it would be reset on every `pulumi up` (Kubernetes' HPA guidance). A new Deployment
 *   starts one pod and the HPA raises it to the minimum within its first sync (15 s).
 * - Rolling updates surge one pod and take none away (maxUnavailable 0), as the VM phases' fleet keeps serving.
 * - The PodDisruptionBudget allows one voluntary eviction at a time (maxUnavailable 1): with several replicas all
 *   but one keep serving through a drain; with one, a drain (system-upgrade, autoscaler scale-down) still proceeds
 *   instead of hanging on a minAvailable it can never satisfy. Unhealthy pods may always be evicted.
 * - Placement: the app pools (POOL_KIND_LABEL=app), which clusterPlan leaves untainted, so no toleration is needed;
 *   the system pool's taint and the agent pools' taints keep these pods off every other pool. Copies spread across
 *   nodes (ScheduleAnyway, so a pool smaller than the replica count still runs them all).
 * - Credentials come from one Secret (named by the input) that `appSecretObject` builds with the same keys the app
 *   host's `app.env` carries (DATABASE_URL, REDIS_URL, MEILISEARCH_API_KEY, read with secretKeyRef, never a literal)
 *   and the runtime table's secret files, mounted read-only at the paths the containers see on the app host.
 * - Redis: a master endpoint keeps the app host's REDIS_URL; phase 5's Sentinel (redis.ts) has no such endpoint, so
 *   the app then gets REDIS_SENTINELS, REDIS_SENTINEL_MASTER and REDIS_PASSWORD, and REDIS_URL in the
 *   `sentinel://…;sentinel://…` form Celery's kombu broker takes: the app's clients must be Sentinel-aware.
 * - compose `command` replaces the image's CMD, which is a container's `args` in Kubernetes (not `command`, which
 *   replaces the ENTRYPOINT).
 * - compose `init: true` (the crawler's zombie reaper) becomes `shareProcessNamespace`: the pod's pause container is
 *   PID 1 and reaps orphans; `shm_size` becomes an in-memory emptyDir at /dev/shm of the same size.
 * - pids_limit has no pod-spec field: it is the kubelet's pod-max-pids, set in the k3s node config.
 */
import type { ResolvedWorkload } from "../config/ports";
import { CONTAINER_PATHS } from "../render/base/paths";
import { RUNTIME, type SecretName, type WritablePath } from "../workload/runtime";
import { ImageRef, type ServiceName } from "../workload/services";
import { POOL_KIND_LABEL } from "./clusterPlan";
import type { KubeObject } from "./objects";
import { DNS_LABEL } from "./names";

/** The services phase 5 runs as Deployments in the app namespace (the data tier and monitoring are others'). */
export const APP_SERVICES = ["api", "frontend", "worker", "crawler"] as const;
export type AppService = (typeof APP_SERVICES)[number];

/** A network address the app reaches: a Service's DNS name (e.g. `app-db-pooler-rw`) and port. */
export interface Endpoint {
    readonly host: string;
    readonly port: number;
}

/**
 * How the app reaches Redis: one endpoint that is always the master (REDIS_URL as on the app host), or Sentinel
 * (redis.ts's `redisEndpoints`): the Sentinels and the master's name, which the app's Sentinel-aware client asks.
 */
export type RedisAccess = Endpoint | { readonly sentinels: readonly Endpoint[]; readonly masterName: string };

const usesSentinel = (r: RedisAccess): r is Extract<RedisAccess, { sentinels: unknown }> => "sentinels" in r;

export interface AppWorkloadInput {
    /** The namespace the workloads run in, e.g. "app". */
    readonly namespace: string;
    /** The workload config with default ports resolved (withDefaultPorts). */
    readonly workload: ResolvedWorkload;
    /** Public hostnames (APP_URL, API_URL), e.g. app.example.com and api.example.com. */
    readonly hostnames: { readonly app: string; readonly api: string };
    /** The Secret holding the app's credentials (what `appSecretObject` builds). */
    readonly secretName: string;
    /** Highest replica count the HPA may scale each service to; at least the spec's `replicas`. */
    readonly maxReplicas: Readonly<Record<AppService, number>>;
    /** The HPA's target CPU utilisation, percent of the request; 70 unless set. */
    readonly cpuTargetPercent?: number;
    /** Where the app reaches Postgres (the CNPG pooler's read-write Service), Redis and Meilisearch. */
    readonly postgres: Endpoint & { readonly database: string; readonly user: string };
    readonly redis: RedisAccess;
    readonly meilisearch: Endpoint;
}

/** The credentials `appSecretObject` puts into the Secret. */
export interface AppSecretValues {
    readonly postgresPassword: string;
    readonly redisPassword: string;
    readonly meiliMasterKey: string;
}

export const PART_OF = "phase-stacks";
export const NAME_LABEL = "app.kubernetes.io/name";
export const PART_OF_LABEL = "app.kubernetes.io/part-of";
export const COMPONENT_LABEL = "app.kubernetes.io/component";
/** The app pods' ServiceAccount (no token mounted: the app never talks to the API server). */
export const APP_SERVICE_ACCOUNT = "app";
/**
 * The api claims warm agent pods through the API server (core/k8s/warmPool.ts): it alone runs with a token, under
 * its own ServiceAccount, which the warm pools' claimer Role binds. Every other service stays token-less.
 */
export const CLAIMER_SERVICE_ACCOUNT = "api";
export const CLAIMER_SERVICE: AppService = "api";
export const DEFAULT_CPU_TARGET_PERCENT = 70;
/** The container port's name; Services and probes refer to it. */
export const HTTP_PORT_NAME = "http";
/** The crawler's /dev/shm, as compose's `shm_size: 512m` (Chromium's shared memory). */
export const CRAWLER_SHM_MB = 512;

/** Keys of the app Secret: the app host's app.env variables, and one file key per runtime-table secret. */
export const APP_SECRET_ENV_KEYS = ["DATABASE_URL", "REDIS_URL", "MEILISEARCH_API_KEY"] as const;
/** With Sentinel, the Redis password on its own too (clients pass it to the master they are told about). */
export const REDIS_PASSWORD_ENV_KEY = "REDIS_PASSWORD";
const SECRET_FILES: Readonly<Partial<Record<SecretName, { key: string; path: string }>>> = {
    postgresPassword: { key: "postgres-password", path: CONTAINER_PATHS.postgresPassword },
};
/** Meilisearch refuses to start in production with a master key shorter than 16 bytes (as secrets.ts checks). */
const MEILI_MIN_KEY_BYTES = 16;

/** Compose's healthcheck (interval 30s, timeout 5s, retries 3, start_period 60s) as probes. */
const PROBE = { timeoutSeconds: 5, failureThreshold: 3 } as const;
const STARTUP_SECONDS = 60;
const STARTUP_PERIOD = 5;

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** Restricted Pod Security allows adding this capability only. */
const RESTRICTED_ADDABLE = ["NET_BIND_SERVICE"];

function fail(key: string, problem: string, fix: string): never {
    throw new Error(`app workloads: ${key} ${problem}; ${fix}`);
}

function checkName(key: string, value: string, subdomain = false): void {
    const ok = subdomain ? DNS_SUBDOMAIN : DNS_LABEL;
    if (typeof value !== "string" || !ok.test(value) || value.length > (subdomain ? 253 : 63))
        fail(
            key,
            `"${String(value)}" is not a DNS ${subdomain ? "subdomain" : "label"}`,
            "use lower-case letters, digits and inner hyphens",
        );
}

function checkEndpoint(key: string, e: Endpoint): void {
    checkName(`${key}.host`, e.host, true);
    if (!Number.isInteger(e.port) || e.port < 1 || e.port > 65535)
        fail(`${key}.port`, `is ${e.port}`, "give a port from 1 to 65535");
}

function validate(input: AppWorkloadInput): void {
    checkName("namespace", input.namespace);
    checkName("secretName", input.secretName, true);
    checkName("hostnames.app", input.hostnames.app, true);
    checkName("hostnames.api", input.hostnames.api, true);
    checkEndpoint("postgres", input.postgres);
    const redis = input.redis;
    if (usesSentinel(redis)) {
        if (redis.sentinels.length === 0)
            fail("redis.sentinels", "is empty", "list the Sentinel Service (redisEndpoints)");
        redis.sentinels.forEach((e, i) => checkEndpoint(`redis.sentinels[${i}]`, e));
        if (!/^[A-Za-z0-9._-]+$/.test(redis.masterName))
            fail(
                "redis.masterName",
                `"${redis.masterName}" is not a Sentinel master name`,
                "use e.g. mymaster",
            );
    } else checkEndpoint("redis", redis);
    checkEndpoint("meilisearch", input.meilisearch);
    const target = input.cpuTargetPercent ?? DEFAULT_CPU_TARGET_PERCENT;
    if (!Number.isInteger(target) || target < 1 || target > 100)
        fail("cpuTargetPercent", `is ${target}`, "give a whole percentage from 1 to 100");
    for (const name of APP_SERVICES) {
        const s = input.workload[name];
        const image = ImageRef.safeParse(s.image);
        if (!image.success)
            fail(
                `workload.${name}.image`,
                `"${s.image}" ${image.error.issues[0]?.message ?? "is not a pinned image"}`,
                "pin a tag or digest",
            );
        const max = input.maxReplicas[name];
        if (!Number.isInteger(max) || max < s.replicas)
            fail(
                `maxReplicas.${name}`,
                `is ${max}, below workload.${name}.replicas (${s.replicas})`,
                `give a whole number of at least ${s.replicas}: the autoscaler's minimum is the spec's replicas`,
            );
        const rt = RUNTIME[name];
        const extra = rt.capabilities.filter((c) => !RESTRICTED_ADDABLE.includes(c));
        if (extra.length > 0)
            fail(
                `RUNTIME.${name}.capabilities`,
                `keep ${extra.join(", ")}, which Pod Security restricted forbids`,
                "drop them",
            );
        for (const w of rt.writable)
            if (w.durable)
                fail(
                    `RUNTIME.${name}.writable ${w.path}`,
                    "is durable state, which a Deployment's emptyDir would lose",
                    "run the service as a StatefulSet with a volume",
                );
        for (const secret of rt.secrets)
            if (!SECRET_FILES[secret])
                fail(
                    `RUNTIME.${name}.secrets`,
                    `names ${secret}, which the app Secret does not carry`,
                    "add it to SECRET_FILES",
                );
    }
}

export function appLabels(name: AppService): Record<string, string> {
    return { [NAME_LABEL]: name, [PART_OF_LABEL]: PART_OF, [COMPONENT_LABEL]: name };
}

/** The labels the Deployment, Service, PDB and spread constraints select the service's pods by. */
export function appSelector(name: AppService): Record<string, string> {
    return { [NAME_LABEL]: name, [PART_OF_LABEL]: PART_OF };
}

/** The Service of a networked app service: its name is the service's, its port the workload's. */
export function appServiceName(name: AppService): string {
    return name;
}

/** The app pods' node placement: the app pools, by kind. */
export const APP_POD_PLACEMENT = { nodeSelector: { [POOL_KIND_LABEL]: "app" } } as const;

const volumeName = (path: string) => path.replace(/^\/+/, "").replace(/[^a-z0-9]+/g, "-") || "root";

function writableVolume(w: WritablePath): object {
    return w.keeps === "scratch"
        ? { name: volumeName(w.path), emptyDir: { medium: "Memory", sizeLimit: `${w.memoryMb}Mi` } }
        : { name: volumeName(w.path), emptyDir: { sizeLimit: `${w.memoryMb}Mi` } };
}

const env = (name: string, value: string) => ({ name, value });
const fromSecret = (input: AppWorkloadInput, key: string) => ({
    name: key,
    valueFrom: { secretKeyRef: { name: input.secretName, key } },
});

function appUrls(input: AppWorkloadInput) {
    return [
        env("APP_URL", `https://${input.hostnames.app}`),
        env("API_URL", `https://${input.hostnames.api}`),
    ];
}

/**
 * The app host's app.env: the data services' addresses and credentials. With Sentinel, REDIS_URL is the
 * `sentinel://` form Celery's broker (kombu) takes, and the Sentinels and master name are also given on their own.
 */
function dataEnv(input: AppWorkloadInput) {
    const redis = input.redis;
    return [
        fromSecret(input, "DATABASE_URL"),
        fromSecret(input, "REDIS_URL"),
        ...(usesSentinel(redis)
            ? [
                  env("REDIS_SENTINELS", redis.sentinels.map((e) => `${e.host}:${e.port}`).join(",")),
                  env("REDIS_SENTINEL_MASTER", redis.masterName),
                  fromSecret(input, REDIS_PASSWORD_ENV_KEY),
              ]
            : []),
        env("MEILISEARCH_URL", `http://${input.meilisearch.host}:${input.meilisearch.port}`),
        fromSecret(input, "MEILISEARCH_API_KEY"),
    ];
}

/** What differs per service, as composeServices.ts `specifics` has it. */
function specifics(name: AppService, input: AppWorkloadInput) {
    switch (name) {
        case "api":
            return { env: [...appUrls(input), ...dataEnv(input)] };
        case "frontend": {
            const api = input.workload.api;
            return {
                env: [
                    ...appUrls(input),
                    env(
                        "API_INTERNAL_URL",
                        `http://${appServiceName("api")}.${input.namespace}.svc:${api.port}`,
                    ),
                ],
            };
        }
        case "worker":
            return { env: dataEnv(input) };
        case "crawler":
            return {
                env: [env("HOME", "/tmp"), ...dataEnv(input)],
                shareProcessNamespace: true,
                shmMb: CRAWLER_SHM_MB,
            };
    }
}

function probes(port: number | undefined, path: string | undefined) {
    if (port === undefined || path === undefined) return {};
    const httpGet = { path, port: HTTP_PORT_NAME, scheme: "HTTP" };
    return {
        // The apps migrate and warm caches first: compose gives them a 60 s start period.
        startupProbe: {
            httpGet,
            periodSeconds: STARTUP_PERIOD,
            timeoutSeconds: PROBE.timeoutSeconds,
            failureThreshold: STARTUP_SECONDS / STARTUP_PERIOD,
        },
        readinessProbe: { httpGet, periodSeconds: 10, ...PROBE },
        livenessProbe: { httpGet, periodSeconds: 30, ...PROBE },
    };
}

/** The pod template (metadata and spec) of one app service. */
export function appPodTemplate(
    name: AppService,
    input: AppWorkloadInput,
): { metadata: { labels: Record<string, string> }; spec: Record<string, unknown> } {
    validate(input);
    return podTemplate(name, input);
}

function podTemplate(
    name: AppService,
    input: AppWorkloadInput,
): { metadata: { labels: Record<string, string> }; spec: Record<string, unknown> } {
    const s = input.workload[name];
    const rt = RUNTIME[name];
    const own = specifics(name, input);
    const shmMb = "shmMb" in own ? own.shmMb : undefined;
    const quantities = { cpu: `${Math.round(s.cpus * 1000)}m`, memory: `${s.memoryMb}Mi` };
    const secrets = rt.secrets.map((secret) => {
        const file = SECRET_FILES[secret];
        if (!file) throw new Error(`no app Secret key for ${secret}`);
        return file;
    });
    const secretDirs = [...new Set(secrets.map((f) => f.path.slice(0, f.path.lastIndexOf("/"))))];
    const secretVolume = (dir: string) => `secrets-${volumeName(dir)}`;
    const capabilities = {
        drop: ["ALL"],
        ...(rt.capabilities.length > 0 ? { add: [...rt.capabilities] } : {}),
    };
    return {
        metadata: { labels: appLabels(name) },
        spec: {
            serviceAccountName: name === CLAIMER_SERVICE ? CLAIMER_SERVICE_ACCOUNT : APP_SERVICE_ACCOUNT,
            automountServiceAccountToken: name === CLAIMER_SERVICE,
            enableServiceLinks: false,
            ...("shareProcessNamespace" in own ? { shareProcessNamespace: own.shareProcessNamespace } : {}),
            ...(rt.stopGraceSeconds !== undefined
                ? { terminationGracePeriodSeconds: rt.stopGraceSeconds }
                : {}),
            securityContext: {
                runAsNonRoot: true,
                runAsUser: rt.user.uid,
                runAsGroup: rt.user.gid,
                // Secret files are root-owned; fsGroup makes them (mode 0440) and the emptyDirs the user's group's.
                fsGroup: rt.user.gid,
                seccompProfile: { type: "RuntimeDefault" },
            },
            containers: [
                {
                    name,
                    image: s.image,
                    ...(s.command ? { args: [...s.command] } : {}),
                    env: own.env,
                    ...(s.port !== undefined
                        ? { ports: [{ name: HTTP_PORT_NAME, containerPort: s.port, protocol: "TCP" }] }
                        : {}),
                    resources: { requests: { ...quantities }, limits: { ...quantities } },
                    ...probes(s.port, s.healthPath),
                    securityContext: {
                        allowPrivilegeEscalation: false,
                        capabilities,
                        readOnlyRootFilesystem: true,
                        runAsNonRoot: true,
                    },
                    volumeMounts: [
                        ...rt.writable.map((w) => ({ name: volumeName(w.path), mountPath: w.path })),
                        ...(shmMb !== undefined ? [{ name: "dshm", mountPath: "/dev/shm" }] : []),
                        ...secretDirs.map((dir) => ({
                            name: secretVolume(dir),
                            mountPath: dir,
                            readOnly: true,
                        })),
                    ],
                },
            ],
            volumes: [
                ...rt.writable.map(writableVolume),
                ...(shmMb !== undefined
                    ? [{ name: "dshm", emptyDir: { medium: "Memory", sizeLimit: `${shmMb}Mi` } }]
                    : []),
                ...secretDirs.map((dir) => ({
                    name: secretVolume(dir),
                    secret: {
                        secretName: input.secretName,
                        defaultMode: 0o440,
                        items: secrets
                            .filter((f) => f.path.startsWith(`${dir}/`))
                            .map((f) => ({ key: f.key, path: f.path.slice(dir.length + 1) })),
                    },
                })),
            ],
            ...APP_POD_PLACEMENT,
            topologySpreadConstraints: [
                {
                    maxSkew: 1,
                    topologyKey: "kubernetes.io/hostname",
                    whenUnsatisfiable: "ScheduleAnyway",
                    labelSelector: { matchLabels: appSelector(name) },
                    // Spread each rollout's pods by themselves, not counting the old ReplicaSet's.
                    matchLabelKeys: ["pod-template-hash"],
                },
            ],
        },
    };
}

/**
 * In apply order: the token-less ServiceAccount and the api's (the warm pools' claimer), then per service its Deployment, its ClusterIP Service (when it
 * has a port), its PodDisruptionBudget and its HorizontalPodAutoscaler.
 */
export function appWorkloadObjects(input: AppWorkloadInput): KubeObject[] {
    validate(input);
    const { namespace } = input;
    const target = input.cpuTargetPercent ?? DEFAULT_CPU_TARGET_PERCENT;
    const serviceAccount = (name: string, token: boolean): KubeObject => ({
        apiVersion: "v1",
        kind: "ServiceAccount",
        metadata: { name, namespace, labels: { [PART_OF_LABEL]: PART_OF } },
        automountServiceAccountToken: token,
    });
    return [
        serviceAccount(APP_SERVICE_ACCOUNT, false),
        serviceAccount(CLAIMER_SERVICE_ACCOUNT, true),
        ...APP_SERVICES.flatMap((name): KubeObject[] => {
            const s = input.workload[name];
            const metadata = { name, namespace, labels: appLabels(name) };
            const selector = { matchLabels: appSelector(name) };
            const deployment: KubeObject = {
                apiVersion: "apps/v1",
                kind: "Deployment",
                metadata,
                spec: {
                    selector,
                    strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
                    revisionHistoryLimit: 5,
                    template: podTemplate(name, input),
                },
            };
            const service: KubeObject[] =
                s.port === undefined
                    ? []
                    : [
                          {
                              apiVersion: "v1",
                              kind: "Service",
                              metadata: { ...metadata, name: appServiceName(name) },
                              spec: {
                                  type: "ClusterIP",
                                  selector: appSelector(name),
                                  ports: [
                                      {
                                          name: HTTP_PORT_NAME,
                                          port: s.port,
                                          targetPort: HTTP_PORT_NAME,
                                          protocol: "TCP",
                                      },
                                  ],
                              },
                          },
                      ];
            const pdb: KubeObject = {
                apiVersion: "policy/v1",
                kind: "PodDisruptionBudget",
                metadata,
                spec: { selector, maxUnavailable: 1, unhealthyPodEvictionPolicy: "AlwaysAllow" },
            };
            const hpa: KubeObject = {
                apiVersion: "autoscaling/v2",
                kind: "HorizontalPodAutoscaler",
                metadata,
                spec: {
                    scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name },
                    minReplicas: s.replicas,
                    maxReplicas: input.maxReplicas[name],
                    metrics: [
                        {
                            type: "Resource",
                            resource: {
                                name: "cpu",
                                target: { type: "Utilization", averageUtilization: target },
                            },
                        },
                    ],
                },
            };
            return [deployment, ...service, pdb, hpa];
        }),
    ];
}

/**
 * The app Secret: the app host's app.env values (same URL forms and encoding as render/app/secrets.ts) and the
 * runtime table's secret files. The shell calls it inside an apply and marks the result secret.
 */
export function appSecretObject(input: AppWorkloadInput, values: AppSecretValues): KubeObject {
    validate(input);
    if (Buffer.byteLength(values.meiliMasterKey) < MEILI_MIN_KEY_BYTES)
        fail(
            "secret meiliMasterKey",
            `is shorter than ${MEILI_MIN_KEY_BYTES} bytes`,
            "generate a longer one",
        );
    for (const key of ["postgresPassword", "redisPassword"] as const)
        if (values[key].length === 0) fail(`secret ${key}`, "is empty", "generate it");
    const { postgres: pg, redis } = input;
    const files: Record<string, string> = {};
    const fileValues: Readonly<Partial<Record<SecretName, string>>> = {
        postgresPassword: values.postgresPassword,
    };
    for (const [secret, file] of Object.entries(SECRET_FILES)) {
        const value = fileValues[secret as SecretName];
        if (file && value !== undefined) files[file.key] = value;
    }
    const redisPassword = encodeURIComponent(values.redisPassword);
    const stringData: Record<string, string> = {
        DATABASE_URL: `postgresql://${encodeURIComponent(pg.user)}:${encodeURIComponent(values.postgresPassword)}@${pg.host}:${pg.port}/${encodeURIComponent(pg.database)}`,
        REDIS_URL: usesSentinel(redis)
            ? redis.sentinels.map((e) => `sentinel://:${redisPassword}@${e.host}:${e.port}/0`).join(";")
            : `redis://:${redisPassword}@${redis.host}:${redis.port}/0`,
        ...(usesSentinel(redis) ? { [REDIS_PASSWORD_ENV_KEY]: values.redisPassword } : {}),
        MEILISEARCH_API_KEY: values.meiliMasterKey,
    };
    return {
        apiVersion: "v1",
        kind: "Secret",
        metadata: {
            name: input.secretName,
            namespace: input.namespace,
            labels: { [PART_OF_LABEL]: PART_OF },
        },
        type: "Opaque",
        stringData: { ...stringData, ...files },
    };
}

/** The runtime table's services this module translates; the rest run elsewhere in phase 5. */
export const isAppService = (name: ServiceName): name is AppService =>
    (APP_SERVICES as readonly string[]).includes(name);
