/**
 * Redis with Sentinel on phase 5's k3s: the Kubernetes translation of the data tier's Redis primary, replicas and
 * three Sentinels (core/render/data/sentinel.ts), with the service's runtime description (core/workload/runtime.ts)
 * and its config (workload.redis: image, memoryMb, cpus, port). Pure: plain objects in, plain objects out; the
 * shell creates the password Secret and applies the objects.
 *
 * Choices:
 * - One StatefulSet of three pods, each running redis and a sentinel container, instead of a second StatefulSet of
 *   Sentinels: the data tier runs one Sentinel beside each Redis too, so losing a node costs one Redis and one of
 *   three Sentinels and the other two (the quorum) fail over; one set of pod names serves both (a Sentinel
 *   announces the pod's DNS name, as its Redis does), one PodDisruptionBudget and one anti-affinity rule cover
 *   both, and no extra pods or volumes are billed. The cost: a rolling update restarts a Redis and a Sentinel
 *   together, which the PodDisruptionBudget (one pod at a time) keeps within the quorum.
 * - The same redis.conf settings as the VM phases, taken from their renderer rather than written again: RDB
 *   snapshots and AOF (appendfsync everysec), maxmemory 75 % of the container limit with `volatile-lru` (queue keys
 *   have no TTL, so a full Redis refuses writes instead of evicting tasks), read-only replicas. The password is
 *   the only secret; it reaches the pod as a Secret file and the start script writes it into the pod's own
 *   in-memory runtime config, never into a Kubernetes object, an environment variable or a command line.
 * - Bootstrap by asking, not by ordinal alone: every container first asks the Sentinels (the client Service, then
 *   each peer pod by name) who the master is. Pod 0 becomes master only when no Sentinel names one (a new cluster)
 *   or a Sentinel names pod 0 itself; every other pod, and a pod 0 that comes back after a failover, starts as a
 *   replica of the master the Sentinels name. A new cluster's Sentinels monitor pod 0. Sentinels resolve and
 *   announce host names (`resolve-hostnames`, `announce-hostnames`): pod IPs change on every restart, the pods'
 *   DNS names under the headless Service do not. A starting Sentinel waits (bounded) until the master answers:
 *   it exits at start when the master's name does not resolve yet, which a new pod's DNS record can cause.
 * - A pod's in-memory run dirs hold the config it runs with, written at each start: a restarted container asks
 *   the Sentinels again rather than trusting what it last knew. A Sentinel's id is derived from its pod name, so
 *   a restarted Sentinel is the same peer to the others: a new id at the same address would leave them a stale
 *   entry (Sentinels never forget a peer), and with four known Sentinels a failover needs three votes.
 * - The headless Service publishes not-ready pods: a replica must resolve the master, and a Sentinel its peers,
 *   before their own pod is ready. The client Service only routes to ready pods.
 * - OrderedReady: pod 0 is up (and its Sentinel answering) before pod 1 asks.
 * - Required anti-affinity across nodes: two Redis pods on one node would put two of three Sentinels on it, and
 *   losing that node would lose the quorum. Three pods need three schedulable nodes in the placement.
 * - Requests equal limits (Guaranteed QoS): an OOM kill of Redis is a failover. The Sentinel container's small
 *   figures are this file's (the runtime table has no Sentinel; the VM phase runs it as a host daemon).
 * - Sentinels take no password, as on the VM data tier; the namespace's NetworkPolicies decide who reaches them.
 * - The script reads the password as one bare token, as redis.conf does (secrets.ts generates no other).
 */
import { VOLUME_MIN_GB } from "../catalog/hetzner";
import { createHash } from "node:crypto";
import { renderRedisNodeConf, SENTINEL_MASTER, SENTINEL_PORT } from "../render/data/sentinel";
import { SENTINEL_TIMING } from "../render/data/dataUnits";
import { RUNTIME, type WritablePath } from "../workload/runtime";
import type { ServiceSpec } from "../workload/services";
import type { KubeObject } from "./objects";
import { RETAIN_STORAGE_CLASS } from "./storage";
import { DNS_SUBDOMAIN, isDnsLabel, isDnsSubdomain } from "./names";

export { SENTINEL_MASTER, SENTINEL_PORT } from "../render/data/sentinel";

/** Object names, and the StatefulSet's pods `redis-0` … `redis-2`. */
export const REDIS_NAMES = {
    statefulSet: "redis",
    headlessService: "redis-headless",
    sentinelService: "redis-sentinel",
    configMap: "redis-config",
    disruptionBudget: "redis",
} as const;
/** Pods in the StatefulSet: three Sentinels, so two (the quorum) outvote one. */
export const REDIS_REPLICAS = 3;
export const SENTINEL_QUORUM = 2;
/** The key of the password Secret the shell creates: the bare password, nothing else. */
export const REDIS_PASSWORD_KEY = "password";
/** The pod template annotation whose change rolls the pods when the config or script changes. */
export const REDIS_CONFIG_CHECKSUM = "checksum/redis-config";
/** The Sentinel container's CPU and memory (request = limit). */
export const SENTINEL_RESOURCES = { cpuMillis: 100, memoryMb: 64 } as const;

/** Where things are inside the pod. */
export const REDIS_PATHS = {
    templates: "/etc/redis",
    script: "/etc/redis/redis.sh",
    secret: "/run/secrets/redis",
    passwordFile: `/run/secrets/redis/${REDIS_PASSWORD_KEY}`,
    redisRun: "/run/redis",
    sentinelRun: "/run/sentinel",
} as const;
const RUN_DIR_MB = 1;
/** How often a starting container asks the Sentinels before it falls back to the bootstrap master (1 s apart). */
const ASK_TRIES = 5;
/** How long (seconds) a starting Sentinel waits for the master to answer before it starts anyway. */
const WAIT_TRIES = 30;
/** hcloud volumes are created (and billed) in whole GB from 10 GB up. */

export interface KubePlacement {
    readonly nodeSelector?: Readonly<Record<string, string>>;
    readonly tolerations?: readonly Readonly<Record<string, string>>[];
}

export interface RedisObjectsInput {
    readonly namespace: string;
    /** `workload.redis` with its port resolved (config/ports.ts). */
    readonly redis: ServiceSpec & { readonly port: number };
    /** The Secret (in `namespace`) whose `password` key holds the Redis password; the shell creates it. */
    readonly passwordSecret: string;
    /** Size of each pod's data volume on the Retain class, GiB. */
    readonly storageGi: number;
    /** k3s's default. */
    readonly clusterDomain?: string;
    /** Where the pods may run (a pool's selector and tolerations); three nodes of it are needed. */
    readonly placement?: KubePlacement;
}

/** What the app's Sentinel-aware clients connect to. */
export interface RedisEndpoints {
    readonly sentinels: readonly { readonly host: string; readonly port: number }[];
    readonly masterName: string;
}

function fail(problem: string, fix: string): never {
    throw new Error(`redis: ${problem}; ${fix}`);
}

function validate(input: RedisObjectsInput): void {
    if (!isDnsLabel(input.namespace))
        fail(`namespace "${input.namespace}" is not a namespace name`, "use a DNS label such as data");
    if (!isDnsSubdomain(input.passwordSecret))
        fail(
            `passwordSecret "${input.passwordSecret}" is not a Secret name`,
            "name the Secret the shell creates",
        );
    if (!Number.isInteger(input.storageGi) || input.storageGi < VOLUME_MIN_GB)
        fail(
            `storageGi is ${input.storageGi}`,
            `give a whole number of at least ${VOLUME_MIN_GB} (hcloud's smallest volume)`,
        );
    if (input.redis.command)
        fail(
            "workload.redis.command is set",
            "remove it: the pods run the rendered start script, which writes the config with the password",
        );
    if (input.clusterDomain !== undefined && !DNS_SUBDOMAIN.test(input.clusterDomain))
        fail(`clusterDomain "${input.clusterDomain}" is not a DNS name`, "k3s uses cluster.local");
}

const domain = (input: { clusterDomain?: string }) => input.clusterDomain ?? "cluster.local";
const podHost = (pod: string, namespace: string, clusterDomain: string) =>
    `${pod}.${REDIS_NAMES.headlessService}.${namespace}.svc.${clusterDomain}`;

/** The Sentinel Service and the master name the app's clients use. */
export function redisEndpoints(namespace: string, clusterDomain = "cluster.local"): RedisEndpoints {
    return {
        sentinels: [
            { host: `${REDIS_NAMES.sentinelService}.${namespace}.svc.${clusterDomain}`, port: SENTINEL_PORT },
        ],
        masterName: SENTINEL_MASTER,
    };
}

/** The directives of the VM phase's redis.conf that do not depend on the host, the role or the password. */
const SHARED_DIRECTIVES = [
    "protected-mode",
    "dbfilename",
    "save",
    "appendonly",
    "appendfsync",
    "maxmemory",
    "maxmemory-policy",
    "replica-read-only",
] as const;

/**
 * redis.conf's fixed part: the data tier's persistence and memory settings for this container size, read from its
 * renderer. The start script adds bind, port, dir, the announced name, the password and the role.
 */
export function redisConfTemplate(memoryMb: number): string {
    const vm = renderRedisNodeConf({
        bind: ["127.0.0.1"],
        port: 6379,
        announceIp: "127.0.0.1",
        dir: "/data",
        maxmemoryMb: memoryMb,
        // Only to render the VM file; the lines that carry it are not taken.
        password: "unused",
    });
    const lines = vm
        .split("\n")
        .filter((l) => (SHARED_DIRECTIVES as readonly string[]).includes(l.split(" ")[0] ?? ""));
    const missing = SHARED_DIRECTIVES.filter((d) => !lines.some((l) => l.split(" ")[0] === d));
    if (missing.length)
        throw new Error(`redis: the data tier's redis.conf no longer sets ${missing.join(", ")}`);
    return [
        "# phase-stacks: Redis on Kubernetes; the start script appends bind, port, dir, the announced name, the password and the role.",
        ...lines,
        "",
    ].join("\n");
}

/** sentinel.conf's fixed part: host names, which must precede the `sentinel monitor` line the script appends. */
export function sentinelConfTemplate(): string {
    return [
        "# phase-stacks: Redis Sentinel on Kubernetes; the start script appends bind, port, dir, the announced name and the master.",
        "sentinel resolve-hostnames yes",
        "sentinel announce-hostnames yes",
        "",
    ].join("\n");
}

/** A default the script may carry inside `"${NAME:=value}"`: names, numbers, paths and `* -::*`, nothing sh expands. */
function plain(value: string): string {
    if (!/^[A-Za-z0-9 .:/*_-]+$/.test(value))
        throw new Error(`redis: "${value}" cannot be a default in the script`);
    return value;
}

/**
 * The POSIX sh script both containers run (`redis`, `sentinel`) and the probes call (`ping-redis`,
 * `ping-sentinel`). Every host, port and path is an environment variable with the pod's value as default, so the
 * tests run the same script on loopback.
 */
export function redisStartScript(input: RedisObjectsInput): string {
    validate(input);
    const cd = domain(input);
    const ns = input.namespace;
    const peers = Array.from(
        { length: REDIS_REPLICAS },
        (_, i) => `${podHost(`${REDIS_NAMES.statefulSet}-${i}`, ns, cd)}:${SENTINEL_PORT}`,
    );
    const [service] = redisEndpoints(ns, cd).sentinels;
    const sentinels = [`${service?.host}:${service?.port}`, ...peers].join(" ");
    const d = (name: string, value: string | number) => `: "\${${name}:=${plain(String(value))}}"`;
    return [
        "#!/bin/sh",
        "# phase-stacks: Redis with Sentinel on Kubernetes (core/k8s/redis.ts).",
        "# Usage: redis.sh redis|sentinel|ping-redis|ping-sentinel",
        "# Pod 0 starts as master only when no Sentinel names a master (or names pod 0); every other start is a",
        "# replica of the master the Sentinels name.",
        "set -eu",
        "",
        ': "${REDIS_HOST:?REDIS_HOST must name this pod as Redis and its Sentinel announce it}"',
        d("REDIS_PORT", input.redis.port),
        d("SENTINEL_PORT", SENTINEL_PORT),
        d("BOOTSTRAP_HOST", podHost(`${REDIS_NAMES.statefulSet}-0`, ns, cd)),
        'BOOTSTRAP_PORT="${BOOTSTRAP_PORT:-$REDIS_PORT}"',
        "# Sentinels to ask for the master, host:port, space-separated: the client Service, then every pod.",
        d("SENTINELS", sentinels),
        d("PASSWORD_FILE", REDIS_PATHS.passwordFile),
        d("TEMPLATE_DIR", REDIS_PATHS.templates),
        d("DATA_DIR", "/data"),
        d("REDIS_RUN_DIR", REDIS_PATHS.redisRun),
        d("SENTINEL_RUN_DIR", REDIS_PATHS.sentinelRun),
        d("BIND", "* -::*"),
        d("ASK_TRIES", ASK_TRIES),
        d("WAIT_TRIES", WAIT_TRIES),
        `MASTER_NAME=${plain(SENTINEL_MASTER)}`,
        "",
        "log() { printf 'redis.sh: %s\\n' \"$*\" >&2; }",
        "",
        "# The master as the first Sentinel that knows one names it: sets MASTER_HOST and MASTER_PORT, or fails.",
        "ask_sentinels() {",
        "    for s in $SENTINELS; do",
        "        s_host=${s%:*}",
        "        s_port=${s##*:}",
        "        # This pod's own Sentinel may be as new as this container: never ask it.",
        '        if [ "$s_host" = "$REDIS_HOST" ] && [ "$s_port" = "$SENTINEL_PORT" ]; then continue; fi',
        '        reply=$(timeout 3 redis-cli -h "$s_host" -p "$s_port" --raw SENTINEL get-master-addr-by-name "$MASTER_NAME" 2>/dev/null) || continue',
        "        m_host=$(printf '%s\\n' \"$reply\" | sed -n 1p)",
        "        m_port=$(printf '%s\\n' \"$reply\" | sed -n 2p)",
        '        case $m_port in "" | *[!0-9]*) continue ;; esac',
        '        [ -n "$m_host" ] || continue',
        "        MASTER_HOST=$m_host",
        "        MASTER_PORT=$m_port",
        '        log "Sentinel $s_host:$s_port names master $MASTER_HOST:$MASTER_PORT"',
        "        return 0",
        "    done",
        "    return 1",
        "}",
        "",
        "# The current master; a new cluster's is pod 0.",
        "find_master() {",
        "    try=1",
        '    while [ "$try" -le "$ASK_TRIES" ]; do',
        "        if ask_sentinels; then return 0; fi",
        "        try=$((try + 1))",
        "        sleep 1",
        "    done",
        "    MASTER_HOST=$BOOTSTRAP_HOST",
        "    MASTER_PORT=$BOOTSTRAP_PORT",
        '    log "no Sentinel names a master: bootstrap master $MASTER_HOST:$MASTER_PORT"',
        "}",
        "",
        'read_password() { PASSWORD=$(cat "$PASSWORD_FILE"); }',
        "",
        "# Sentinel exits when it cannot resolve the master's name (a new pod's DNS record lags its start): wait until",
        "# the master answers, for at most WAIT_TRIES seconds, then start anyway.",
        "wait_for_master() {",
        "    try=1",
        '    while [ "$try" -le "$WAIT_TRIES" ]; do',
        '        out=$(REDISCLI_AUTH=$PASSWORD timeout 3 redis-cli -h "$MASTER_HOST" -p "$MASTER_PORT" ping 2>/dev/null) || out=',
        '        if [ "$out" = PONG ]; then return 0; fi',
        "        try=$((try + 1))",
        "        sleep 1",
        "    done",
        '    log "master $MASTER_HOST:$MASTER_PORT does not answer yet: starting anyway"',
        "}",
        "",
        "start_redis() {",
        "    read_password",
        "    find_master",
        "    umask 077",
        '    conf="$REDIS_RUN_DIR/redis.conf"',
        "    {",
        '        cat "$TEMPLATE_DIR/redis.conf"',
        "        printf 'bind %s\\n' \"$BIND\"",
        "        printf 'port %s\\n' \"$REDIS_PORT\"",
        "        printf 'dir %s\\n' \"$DATA_DIR\"",
        "        printf 'replica-announce-ip %s\\n' \"$REDIS_HOST\"",
        "        printf 'replica-announce-port %s\\n' \"$REDIS_PORT\"",
        "        printf 'requirepass %s\\n' \"$PASSWORD\"",
        "        printf 'masterauth %s\\n' \"$PASSWORD\"",
        '        if [ "$MASTER_HOST" = "$REDIS_HOST" ] && [ "$MASTER_PORT" = "$REDIS_PORT" ]; then',
        '            log "starting as master"',
        "        else",
        '            log "starting as replica of $MASTER_HOST:$MASTER_PORT"',
        '            printf \'replicaof %s %s\\n\' "$MASTER_HOST" "$MASTER_PORT"',
        "        fi",
        '    } >"$conf"',
        '    exec redis-server "$conf"',
        "}",
        "",
        "start_sentinel() {",
        "    read_password",
        "    find_master",
        "    wait_for_master",
        "    umask 077",
        '    conf="$SENTINEL_RUN_DIR/sentinel.conf"',
        "    {",
        '        cat "$TEMPLATE_DIR/sentinel.conf"',
        "        printf 'bind %s\\n' \"$BIND\"",
        "        printf 'port %s\\n' \"$SENTINEL_PORT\"",
        "        printf 'dir %s\\n' \"$SENTINEL_RUN_DIR\"",
        "        printf 'sentinel announce-ip %s\\n' \"$REDIS_HOST\"",
        "        printf 'sentinel announce-port %s\\n' \"$SENTINEL_PORT\"",
        "        # The same id on every start: peers keep one entry per Sentinel, so a restart adds no stale peer that",
        "        # would raise the majority a failover needs.",
        "        printf 'sentinel myid %s\\n' \"$(printf '%s' \"$REDIS_HOST:$SENTINEL_PORT\" | sha1sum | cut -c1-40)\"",
        `        printf 'sentinel monitor %s %s %s ${SENTINEL_QUORUM}\\n' "$MASTER_NAME" "$MASTER_HOST" "$MASTER_PORT"`,
        '        printf \'sentinel auth-pass %s %s\\n\' "$MASTER_NAME" "$PASSWORD"',
        `        printf 'sentinel down-after-milliseconds %s ${SENTINEL_TIMING.downAfterMs}\\n' "$MASTER_NAME"`,
        `        printf 'sentinel failover-timeout %s ${SENTINEL_TIMING.failoverTimeoutMs}\\n' "$MASTER_NAME"`,
        "        printf 'sentinel parallel-syncs %s 1\\n' \"$MASTER_NAME\"",
        '    } >"$conf"',
        '    exec redis-sentinel "$conf"',
        "}",
        "",
        "# The password goes to redis-cli in its environment, never on a command line.",
        "ping_redis() {",
        "    read_password",
        '    out=$(REDISCLI_AUTH=$PASSWORD timeout 3 redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping)',
        '    [ "$out" = PONG ]',
        "}",
        "",
        "ping_sentinel() {",
        '    out=$(timeout 3 redis-cli -h 127.0.0.1 -p "$SENTINEL_PORT" ping)',
        '    [ "$out" = PONG ]',
        "}",
        "",
        'case "${1:-}" in',
        "    redis) start_redis ;;",
        "    sentinel) start_sentinel ;;",
        "    ping-redis) ping_redis ;;",
        "    ping-sentinel) ping_sentinel ;;",
        '    *) log "usage: redis.sh redis|sentinel|ping-redis|ping-sentinel"; exit 2 ;;',
        "esac",
        "",
    ].join("\n");
}

const labels = { "app.kubernetes.io/name": "redis", "app.kubernetes.io/component": "redis-sentinel" };

function quantities(cpuMillis: number, memoryMb: number) {
    const q = { cpu: `${cpuMillis}m`, memory: `${memoryMb}Mi` };
    return { requests: { ...q }, limits: { ...q } };
}

const restrictedContainer = (capabilities: readonly string[]) => ({
    allowPrivilegeEscalation: false,
    capabilities: { drop: ["ALL"], ...(capabilities.length ? { add: [...capabilities] } : {}) },
    readOnlyRootFilesystem: true,
    runAsNonRoot: true,
});

const volumeName = (w: WritablePath) =>
    w.path === "/tmp" ? "tmp" : w.path.replace(/^\//, "").replace(/\W+/g, "-");

/** The ConfigMap data: the two templates and the script. */
export function redisConfigData(input: RedisObjectsInput): Record<string, string> {
    return {
        "redis.conf": redisConfTemplate(input.redis.memoryMb),
        "sentinel.conf": sentinelConfTemplate(),
        "redis.sh": redisStartScript(input),
    };
}

/**
 * ConfigMap, headless Service, Sentinel Service, PodDisruptionBudget and the StatefulSet, in apply order. The
 * password Secret is the shell's; the objects only name it.
 */
export function redisObjects(input: RedisObjectsInput): KubeObject[] {
    validate(input);
    const { namespace } = input;
    const cd = domain(input);
    const runtime = RUNTIME.redis;
    const meta = (name: string) => ({ name, namespace, labels });
    const data = redisConfigData(input);
    const checksum = createHash("sha256").update(JSON.stringify(data)).digest("hex");

    // The runtime's durable state goes on the pod's volume; its scratch paths are in-memory emptyDirs.
    const durable = runtime.writable.filter((w) => w.durable);
    const scratch = runtime.writable.filter((w) => !w.durable);
    if (durable.length !== 1) throw new Error("redis: the runtime table must name exactly one durable path");
    const dataPath = durable[0] as WritablePath;

    const env = [
        { name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
        { name: "REDIS_HOST", value: podHost("$(POD_NAME)", namespace, cd) },
        { name: "DATA_DIR", value: dataPath.path },
    ];
    const mounts = [
        { name: "templates", mountPath: REDIS_PATHS.templates, readOnly: true },
        { name: "password", mountPath: REDIS_PATHS.secret, readOnly: true },
    ];
    const execProbe = (what: "ping-redis" | "ping-sentinel", extra: Record<string, number>) => ({
        exec: { command: ["sh", REDIS_PATHS.script, what] },
        timeoutSeconds: 5,
        ...extra,
    });
    const probes = (what: "ping-redis" | "ping-sentinel") => ({
        // Loading a large AOF takes a while; the start script also waits up to ASK_TRIES seconds for the Sentinels.
        startupProbe: execProbe(what, { periodSeconds: 5, failureThreshold: 60 }),
        readinessProbe: execProbe(what, { periodSeconds: 5, failureThreshold: 2 }),
        livenessProbe: execProbe(what, { periodSeconds: 10, failureThreshold: 6 }),
    });

    const redisContainer = {
        name: "redis",
        image: input.redis.image,
        command: ["sh", REDIS_PATHS.script, "redis"],
        env,
        ports: [{ name: "redis", containerPort: input.redis.port, protocol: "TCP" }],
        resources: quantities(Math.round(input.redis.cpus * 1000), input.redis.memoryMb),
        securityContext: restrictedContainer(runtime.capabilities),
        volumeMounts: [
            ...mounts,
            { name: "data", mountPath: dataPath.path },
            { name: "redis-run", mountPath: REDIS_PATHS.redisRun },
            ...scratch.map((w) => ({ name: volumeName(w), mountPath: w.path })),
        ],
        ...probes("ping-redis"),
    };
    const sentinelContainer = {
        name: "sentinel",
        image: input.redis.image,
        command: ["sh", REDIS_PATHS.script, "sentinel"],
        env,
        ports: [{ name: "sentinel", containerPort: SENTINEL_PORT, protocol: "TCP" }],
        resources: quantities(SENTINEL_RESOURCES.cpuMillis, SENTINEL_RESOURCES.memoryMb),
        securityContext: restrictedContainer([]),
        volumeMounts: [...mounts, { name: "sentinel-run", mountPath: REDIS_PATHS.sentinelRun }],
        ...probes("ping-sentinel"),
    };
    const memoryDir = (name: string, mb: number) => ({
        name,
        emptyDir: { medium: "Memory", sizeLimit: `${mb}Mi` },
    });

    const podSpec = {
        automountServiceAccountToken: false,
        enableServiceLinks: false,
        securityContext: {
            runAsNonRoot: true,
            runAsUser: runtime.user.uid,
            runAsGroup: runtime.user.gid,
            // The volume's root belongs to root: the kubelet hands it to the runtime's group once.
            fsGroup: runtime.user.gid,
            fsGroupChangePolicy: "OnRootMismatch",
            seccompProfile: { type: "RuntimeDefault" },
        },
        ...(runtime.stopGraceSeconds !== undefined
            ? { terminationGracePeriodSeconds: runtime.stopGraceSeconds }
            : {}),
        affinity: {
            podAntiAffinity: {
                requiredDuringSchedulingIgnoredDuringExecution: [
                    { labelSelector: { matchLabels: { ...labels } }, topologyKey: "kubernetes.io/hostname" },
                ],
            },
        },
        ...(input.placement?.nodeSelector ? { nodeSelector: { ...input.placement.nodeSelector } } : {}),
        ...(input.placement?.tolerations
            ? { tolerations: input.placement.tolerations.map((t) => ({ ...t })) }
            : {}),
        containers: [redisContainer, sentinelContainer],
        volumes: [
            { name: "templates", configMap: { name: REDIS_NAMES.configMap, defaultMode: 0o444 } },
            {
                name: "password",
                secret: {
                    secretName: input.passwordSecret,
                    items: [{ key: REDIS_PASSWORD_KEY, path: REDIS_PASSWORD_KEY }],
                    // Owned by root, group fsGroup: readable by the runtime's group, nobody else.
                    defaultMode: 0o440,
                },
            },
            memoryDir("redis-run", RUN_DIR_MB),
            memoryDir("sentinel-run", RUN_DIR_MB),
            ...scratch.map((w) => memoryDir(volumeName(w), w.memoryMb)),
        ],
    };

    const port = (name: string, p: number) => ({ name, port: p, targetPort: name, protocol: "TCP" });
    return [
        { apiVersion: "v1", kind: "ConfigMap", metadata: meta(REDIS_NAMES.configMap), data },
        {
            apiVersion: "v1",
            kind: "Service",
            metadata: meta(REDIS_NAMES.headlessService),
            spec: {
                clusterIP: "None",
                publishNotReadyAddresses: true,
                selector: { ...labels },
                ports: [port("redis", input.redis.port), port("sentinel", SENTINEL_PORT)],
            },
        },
        {
            apiVersion: "v1",
            kind: "Service",
            metadata: meta(REDIS_NAMES.sentinelService),
            spec: { type: "ClusterIP", selector: { ...labels }, ports: [port("sentinel", SENTINEL_PORT)] },
        },
        {
            apiVersion: "policy/v1",
            kind: "PodDisruptionBudget",
            metadata: meta(REDIS_NAMES.disruptionBudget),
            spec: {
                maxUnavailable: REDIS_REPLICAS - SENTINEL_QUORUM,
                selector: { matchLabels: { ...labels } },
            },
        },
        {
            apiVersion: "apps/v1",
            kind: "StatefulSet",
            metadata: meta(REDIS_NAMES.statefulSet),
            spec: {
                serviceName: REDIS_NAMES.headlessService,
                replicas: REDIS_REPLICAS,
                podManagementPolicy: "OrderedReady",
                updateStrategy: { type: "RollingUpdate" },
                selector: { matchLabels: { ...labels } },
                persistentVolumeClaimRetentionPolicy: { whenDeleted: "Retain", whenScaled: "Retain" },
                template: {
                    metadata: { labels: { ...labels }, annotations: { [REDIS_CONFIG_CHECKSUM]: checksum } },
                    spec: podSpec,
                },
                volumeClaimTemplates: [
                    {
                        metadata: { name: "data", labels: { ...labels } },
                        spec: {
                            accessModes: ["ReadWriteOnce"],
                            storageClassName: RETAIN_STORAGE_CLASS,
                            resources: { requests: { storage: `${input.storageGi}Gi` } },
                        },
                    },
                ],
            },
        },
    ];
}
