/**
 * Meilisearch on phase 5's k3s: the Kubernetes translation of the compose service (core/render/app/composeServices.ts)
 * and its runtime description (core/workload/runtime.ts), with workload.meilisearch's image, memory, CPU, port and
 * health path. Pure: plain objects in, plain objects out; the shell creates the master-key Secret.
 *
 * Choices:
 * - One pod. Meilisearch's community edition has no replication (each instance owns its LMDB database and two
 *   processes must never open the same one), so a StatefulSet of one with its own ReadWriteOnce volume is the whole
 *   service; the StatefulSet stops the old pod before it starts the new one, so an update never runs two. Its
 *   index is rebuilt from Postgres, so losing the pod costs search, not data. No PodDisruptionBudget: with one
 *   pod, any budget that protects it would block every node drain.
 * - The compose service's environment: MEILI_ENV production (which refuses to start without a master key of at
 *   least 16 bytes), no analytics, the database under the data path, TMPDIR on the data path (indexing writes large
 *   temporary files: on the read-only root they fail, in an in-memory emptyDir they count against the memory
 *   limit), and indexing memory capped at half the container limit (Meilisearch sizes it from the node's RAM).
 *   MEILI_HTTP_ADDR follows workload.meilisearch.port, so the probes and the Service reach what it listens on.
 * - The master key comes from the shell's Secret through secretKeyRef: the compose phase reads it from an env
 *   file, which is the same variable; no object carries the value.
 * - The working directory is the data path, so the relative dumps/ and snapshots/ directories land on the volume.
 * - Requests equal limits (Guaranteed QoS), as for every phase-5 workload.
 */
import { VOLUME_MIN_GB } from "../catalog/hetzner";
import { RUNTIME, type WritablePath } from "../workload/runtime";
import type { ServiceSpec } from "../workload/services";
import type { KubeObject } from "./objects";
import { type KubePlacement } from "./redis";
import { RETAIN_STORAGE_CLASS } from "./storage";
import { isDnsLabel, isDnsSubdomain } from "./names";

export const MEILISEARCH_NAMES = { statefulSet: "meilisearch", service: "meilisearch" } as const;
/** The key of the master-key Secret the shell creates. */
export const MEILI_MASTER_KEY_KEY = "master-key";

export interface MeilisearchObjectsInput {
    readonly namespace: string;
    /** `workload.meilisearch` with its port resolved (config/ports.ts). */
    readonly meilisearch: ServiceSpec & { readonly port: number };
    /** The Secret (in `namespace`) whose `master-key` key holds MEILI_MASTER_KEY; the shell creates it. */
    readonly masterKeySecret: string;
    /** Size of the data volume on the Retain class, GiB. */
    readonly storageGi: number;
    readonly placement?: KubePlacement;
}

const labels = { "app.kubernetes.io/name": "meilisearch", "app.kubernetes.io/component": "search" };

function fail(problem: string, fix: string): never {
    throw new Error(`meilisearch: ${problem}; ${fix}`);
}

function validate(input: MeilisearchObjectsInput): void {
    if (!isDnsLabel(input.namespace))
        fail(`namespace "${input.namespace}" is not a namespace name`, "use a DNS label such as data");
    if (!isDnsSubdomain(input.masterKeySecret))
        fail(
            `masterKeySecret "${input.masterKeySecret}" is not a Secret name`,
            "name the Secret the shell creates",
        );
    if (!Number.isInteger(input.storageGi) || input.storageGi < VOLUME_MIN_GB)
        fail(
            `storageGi is ${input.storageGi}`,
            `give a whole number of at least ${VOLUME_MIN_GB} (hcloud's smallest volume)`,
        );
    if (input.meilisearch.healthPath === undefined)
        fail("workload.meilisearch.healthPath is not set", "set it to /health, which Meilisearch answers");
}

/** Where the app reaches Meilisearch (MEILISEARCH_URL's host and port). */
export function meilisearchEndpoint(
    namespace: string,
    port: number,
    clusterDomain = "cluster.local",
): { host: string; port: number } {
    return { host: `${MEILISEARCH_NAMES.service}.${namespace}.svc.${clusterDomain}`, port };
}

/** The runtime table's one state path: the volume, the database and TMPDIR. */
export function meilisearchDataPath(): string {
    const state = RUNTIME.meilisearch.writable.filter((w) => w.keeps === "state");
    if (state.length !== 1 || !state[0])
        throw new Error("meilisearch: the runtime table must name one state path");
    return state[0].path;
}

/** The container's plain environment (the master key is added from the Secret). */
export function meilisearchEnv(input: MeilisearchObjectsInput): Record<string, string> {
    const data = meilisearchDataPath();
    return {
        MEILI_ENV: "production",
        MEILI_NO_ANALYTICS: "true",
        MEILI_DB_PATH: `${data}/data.ms`,
        TMPDIR: data,
        MEILI_MAX_INDEXING_MEMORY: String(Math.floor(input.meilisearch.memoryMb / 2) * 1024 * 1024),
        MEILI_HTTP_ADDR: `0.0.0.0:${input.meilisearch.port}`,
    };
}

const volumeName = (w: WritablePath) =>
    w.path === "/tmp" ? "tmp" : w.path.replace(/^\//, "").replace(/\W+/g, "-");

/** The Service and the StatefulSet of one, in apply order. */
export function meilisearchObjects(input: MeilisearchObjectsInput): KubeObject[] {
    validate(input);
    const { namespace, meilisearch: spec } = input;
    const runtime = RUNTIME.meilisearch;
    const data = meilisearchDataPath();
    const scratch = runtime.writable.filter((w) => w.keeps === "scratch");
    const meta = (name: string) => ({ name, namespace, labels });
    const q = { cpu: `${Math.round(spec.cpus * 1000)}m`, memory: `${spec.memoryMb}Mi` };
    const httpGet = { path: spec.healthPath, port: "http", scheme: "HTTP" };

    const container = {
        name: "meilisearch",
        image: spec.image,
        // Compose's `command` replaces the image's CMD, which Kubernetes calls args (the entrypoint is tini).
        ...(spec.command ? { args: [...spec.command] } : {}),
        workingDir: data,
        env: [
            ...Object.entries(meilisearchEnv(input)).map(([name, value]) => ({ name, value })),
            {
                name: "MEILI_MASTER_KEY",
                valueFrom: { secretKeyRef: { name: input.masterKeySecret, key: MEILI_MASTER_KEY_KEY } },
            },
        ],
        ports: [{ name: "http", containerPort: spec.port, protocol: "TCP" }],
        resources: { requests: { ...q }, limits: { ...q } },
        securityContext: {
            allowPrivilegeEscalation: false,
            capabilities: {
                drop: ["ALL"],
                ...(runtime.capabilities.length ? { add: [...runtime.capabilities] } : {}),
            },
            readOnlyRootFilesystem: true,
            runAsNonRoot: true,
        },
        volumeMounts: [
            { name: "data", mountPath: data },
            ...scratch.map((w) => ({ name: volumeName(w), mountPath: w.path })),
        ],
        // Opening a large database takes a while after a restart; liveness only starts once it has answered.
        startupProbe: { httpGet, periodSeconds: 5, failureThreshold: 120, timeoutSeconds: 5 },
        readinessProbe: { httpGet, periodSeconds: 10, failureThreshold: 3, timeoutSeconds: 5 },
        livenessProbe: { httpGet, periodSeconds: 20, failureThreshold: 6, timeoutSeconds: 5 },
    };

    return [
        {
            apiVersion: "v1",
            kind: "Service",
            metadata: meta(MEILISEARCH_NAMES.service),
            spec: {
                type: "ClusterIP",
                selector: { ...labels },
                ports: [{ name: "http", port: spec.port, targetPort: "http", protocol: "TCP" }],
            },
        },
        {
            apiVersion: "apps/v1",
            kind: "StatefulSet",
            metadata: meta(MEILISEARCH_NAMES.statefulSet),
            spec: {
                serviceName: MEILISEARCH_NAMES.service,
                replicas: 1,
                updateStrategy: { type: "RollingUpdate" },
                selector: { matchLabels: { ...labels } },
                persistentVolumeClaimRetentionPolicy: { whenDeleted: "Retain", whenScaled: "Retain" },
                template: {
                    metadata: { labels: { ...labels } },
                    spec: {
                        automountServiceAccountToken: false,
                        enableServiceLinks: false,
                        securityContext: {
                            runAsNonRoot: true,
                            runAsUser: runtime.user.uid,
                            runAsGroup: runtime.user.gid,
                            fsGroup: runtime.user.gid,
                            fsGroupChangePolicy: "OnRootMismatch",
                            seccompProfile: { type: "RuntimeDefault" },
                        },
                        ...(runtime.stopGraceSeconds !== undefined
                            ? { terminationGracePeriodSeconds: runtime.stopGraceSeconds }
                            : {}),
                        ...(input.placement?.nodeSelector
                            ? { nodeSelector: { ...input.placement.nodeSelector } }
                            : {}),
                        ...(input.placement?.tolerations
                            ? { tolerations: input.placement.tolerations.map((t) => ({ ...t })) }
                            : {}),
                        containers: [container],
                        volumes: scratch.map((w) => ({
                            name: volumeName(w),
                            emptyDir: { medium: "Memory", sizeLimit: `${w.memoryMb}Mi` },
                        })),
                    },
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
