/**
 * Automated k3s upgrades for phase 5 with the system-upgrade-controller (k3s-io/docs `upgrades/automated.md`):
 * the Plan CRD, the controller as upstream's release manifest installs it (`kustomization.yaml` over
 * `manifests/*.yaml`, namespace `system-upgrade`), and two Plans. The servers upgrade one at a time first;
 * the agents wait for them in a prepare step, then drain and upgrade.
 *
 * Upgrading is changing `k3sVersion`: both Plans carry it, the controller runs `rancher/k3s-upgrade:<version>`
 * on each node whose applied version differs.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { parse } from "yaml";
import type { KubeObject } from "./objects";

/**
 * The controller image. v0.20.1 is the newest release tag (hetzner-k3s pins v0.19.2); its Plan CRD
 * (`pkg/crds/yaml/generated/`) is the one vendored in `core/k8s/vendor/`, unchanged up to d357e23.
 */
export const SYSTEM_UPGRADE_CONTROLLER_IMAGE = {
    image: "rancher/system-upgrade-controller",
    tag: "v0.20.1",
    source: "github.com/rancher/system-upgrade-controller tag v0.20.1 (f1362a3, 2026-05-19): manifests/, kustomization.yaml, scripts/package-controller",
} as const;

/** The image that upgrades k3s; its tag is the k3s version with `+` as `-` (the controller munges it). */
export const K3S_UPGRADE_IMAGE = "rancher/k3s-upgrade";

/** The namespace the controller watches: Plans must live in it. */
export const SYSTEM_UPGRADE_NAMESPACE = "system-upgrade";

const SERVICE_ACCOUNT = "system-upgrade";
const CONTROLLER = "system-upgrade-controller";
const CONFIG_MAP = "default-controller-env";
const CONTROL_PLANE_LABEL = "node-role.kubernetes.io/control-plane";
export const SERVER_PLAN = "server-plan";
export const AGENT_PLAN = "agent-plan";

const CRD_FILE = "upgrade.cattle.io_plans.yaml";

/** Days as the Plan CRD's `window.days` enumerates them (full names). */
export const WINDOW_DAYS = [
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
] as const;
export type WindowDay = (typeof WINDOW_DAYS)[number];

/**
 * When upgrade Jobs may start (kured's timewindow, which the controller uses): `HH:MM` on a 24-hour clock, in
 * an IANA time zone (UTC when absent). A Job started inside the window may run past its end.
 */
export interface UpgradeWindow {
    readonly days: readonly WindowDay[];
    readonly startTime: string;
    readonly endTime: string;
    readonly timeZone?: string;
}

export interface SystemUpgradeInput {
    /** The k3s release to run, e.g. v1.33.4+k3s1: the same value as `kubernetes.version`. */
    readonly k3sVersion: string;
    /** Without it, a new version rolls out as soon as the Plans change. */
    readonly window?: UpgradeWindow;
    /** How many agents upgrade at once (default 1): each is drained first, so this is capacity held back. */
    readonly agentConcurrency?: number;
}

/**
 * The directory holding `core/k8s/vendor/`: walking up rather than `__dirname` arithmetic, so the same code
 * finds it from `core/k8s/` (tsx, vitest) and from the compiled `bin/core/k8s/`.
 */
function vendorFile(name: string): string {
    for (let dir = __dirname; ; dir = dirname(dir)) {
        const candidate = join(dir, "core", "k8s", "vendor", name);
        if (existsSync(candidate)) return candidate;
        if (dirname(dir) === dir) throw new Error(`core/k8s/vendor/${name} not found above ${__dirname}`);
    }
}

let crd: KubeObject | undefined;

/** The Plan CRD (`plans.upgrade.cattle.io`), as upstream publishes it. */
export function planCrd(): KubeObject {
    crd ??= parse(readFileSync(vendorFile(CRD_FILE), "utf8")) as KubeObject;
    return structuredClone(crd);
}

const HH_MM = /^([01]\d|2[0-3]):[0-5]\d$/;

function checkedWindow(w: UpgradeWindow): UpgradeWindow {
    if (w.days.length === 0) throw new Error("window.days must name at least one day");
    for (const d of w.days)
        if (!(WINDOW_DAYS as readonly string[]).includes(d))
            throw new Error(`window.days: '${d}' is not one of ${WINDOW_DAYS.join(", ")}`);
    if (new Set(w.days).size !== w.days.length) throw new Error("window.days names a day twice");
    for (const key of ["startTime", "endTime"] as const)
        if (!HH_MM.test(w[key])) throw new Error(`window.${key} '${w[key]}' must be HH:MM (24-hour)`);
    if (w.startTime === w.endTime) throw new Error("window.startTime and endTime must differ");
    if (w.timeZone !== undefined) {
        try {
            new Intl.DateTimeFormat("en", { timeZone: w.timeZone });
        } catch {
            throw new Error(`window.timeZone '${w.timeZone}' is not an IANA time zone`);
        }
    }
    return {
        days: [...w.days],
        startTime: w.startTime,
        endTime: w.endTime,
        ...(w.timeZone !== undefined ? { timeZone: w.timeZone } : {}),
    };
}

function checked(input: SystemUpgradeInput): { window?: UpgradeWindow; agentConcurrency: number } {
    // Any k3s release: a Plan may move the cluster to the next minor (config decides which are allowed).
    if (!/^v\d+\.\d+\.\d+\+k3s\d+$/.test(input.k3sVersion))
        throw new Error(`k3sVersion '${input.k3sVersion}' must be a k3s release such as v1.33.4+k3s1`);
    const agentConcurrency = input.agentConcurrency ?? 1;
    if (!Number.isInteger(agentConcurrency) || agentConcurrency < 1)
        throw new Error(`agentConcurrency must be a positive integer, not ${agentConcurrency}`);
    return { agentConcurrency, ...(input.window ? { window: checkedWindow(input.window) } : {}) };
}

const ns = (name: string) => ({ name, namespace: SYSTEM_UPGRADE_NAMESPACE });
const serviceAccountSubject = [
    { kind: "ServiceAccount", name: SERVICE_ACCOUNT, namespace: SYSTEM_UPGRADE_NAMESPACE },
];

/** Upstream `manifests/clusterrole.yaml` at v0.20.1: the controller's rules, and the drainer's. */
function rbac(): KubeObject[] {
    const all = ["get", "list", "watch"];
    return [
        {
            apiVersion: "rbac.authorization.k8s.io/v1",
            kind: "ClusterRole",
            metadata: { name: CONTROLLER },
            rules: [
                { apiGroups: ["batch"], resources: ["jobs"], verbs: all },
                {
                    apiGroups: ["apiextensions.k8s.io"],
                    resources: ["customresourcedefinitions"],
                    verbs: [...all, "create", "patch", "update"],
                },
                { apiGroups: [""], resources: ["namespaces", "nodes"], verbs: all },
                { apiGroups: [""], resources: ["nodes"], verbs: ["update"] },
                { apiGroups: [""], resources: ["events"], verbs: ["get", "create", "patch", "update"] },
                { apiGroups: ["coordination.k8s.io"], resources: ["leases"], verbs: ["create"] },
                {
                    apiGroups: ["coordination.k8s.io"],
                    resources: ["leases"],
                    resourceNames: [CONTROLLER],
                    verbs: ["get", "update"],
                },
                {
                    apiGroups: ["upgrade.cattle.io"],
                    resources: ["plans", "plans/status"],
                    verbs: [...all, "create", "patch", "update", "delete"],
                },
            ],
        },
        {
            apiVersion: "rbac.authorization.k8s.io/v1",
            kind: "Role",
            metadata: ns(CONTROLLER),
            rules: [
                {
                    apiGroups: ["batch"],
                    resources: ["jobs"],
                    verbs: ["create", "delete", "deletecollection", "patch", "update", ...all],
                },
                { apiGroups: [""], resources: ["secrets"], verbs: all },
            ],
        },
        {
            apiVersion: "rbac.authorization.k8s.io/v1",
            kind: "ClusterRole",
            metadata: { name: `${CONTROLLER}-drainer` },
            rules: [
                { apiGroups: [""], resources: ["pods/eviction"], verbs: ["create"] },
                { apiGroups: [""], resources: ["pods"], verbs: ["get", "list", "delete"] },
                { apiGroups: [""], resources: ["nodes"], verbs: ["get", "patch"] },
                {
                    apiGroups: ["apps"],
                    resources: ["statefulsets", "daemonsets", "replicasets"],
                    verbs: ["get", "list"],
                },
            ],
        },
        // manifests/clusterrolebinding.yaml; kustomize puts the subjects into the namespace.
        {
            apiVersion: "rbac.authorization.k8s.io/v1",
            kind: "ClusterRoleBinding",
            metadata: { name: "system-upgrade-drainer" },
            roleRef: {
                apiGroup: "rbac.authorization.k8s.io",
                kind: "ClusterRole",
                name: `${CONTROLLER}-drainer`,
            },
            subjects: serviceAccountSubject,
        },
        {
            apiVersion: "rbac.authorization.k8s.io/v1",
            kind: "ClusterRoleBinding",
            metadata: { name: "system-upgrade" },
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: CONTROLLER },
            subjects: serviceAccountSubject,
        },
        {
            apiVersion: "rbac.authorization.k8s.io/v1",
            kind: "RoleBinding",
            metadata: ns("system-upgrade"),
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: CONTROLLER },
            subjects: serviceAccountSubject,
        },
    ];
}

/** Upstream's `default-controller-env`, unchanged: Jobs get 900 s, and finished ones are kept 900 s. */
function controllerEnv(): KubeObject {
    return {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: ns(CONFIG_MAP),
        data: {
            SYSTEM_UPGRADE_CONTROLLER_DEBUG: "false",
            SYSTEM_UPGRADE_CONTROLLER_THREADS: "2",
            SYSTEM_UPGRADE_CONTROLLER_LEADER_ELECT: "true",
            SYSTEM_UPGRADE_JOB_ACTIVE_DEADLINE_SECONDS: "900",
            SYSTEM_UPGRADE_JOB_BACKOFF_LIMIT: "99",
            SYSTEM_UPGRADE_JOB_IMAGE_PULL_POLICY: "Always",
            SYSTEM_UPGRADE_JOB_KUBECTL_IMAGE: "rancher/kubectl:v1.30.3",
            SYSTEM_UPGRADE_JOB_KUBECTL_IMAGE_WINDOWS: "",
            SYSTEM_UPGRADE_JOB_PRIVILEGED: "true",
            SYSTEM_UPGRADE_JOB_TTL_SECONDS_AFTER_FINISH: "900",
            SYSTEM_UPGRADE_PLAN_POLLING_INTERVAL: "15m",
        },
    };
}

/** Tolerations of the control-plane taints k3s and Rancher set (upstream's Deployment tolerates the same). */
const CONTROL_PLANE_TOLERATIONS = [
    { key: "CriticalAddonsOnly", operator: "Exists" },
    { key: "node-role.kubernetes.io/master", operator: "Exists", effect: "NoSchedule" },
    { key: "node-role.kubernetes.io/controlplane", operator: "Exists", effect: "NoSchedule" },
    { key: CONTROL_PLANE_LABEL, operator: "Exists", effect: "NoSchedule" },
    { key: "node-role.kubernetes.io/etcd", operator: "Exists", effect: "NoExecute" },
];

/** Upstream's Deployment, on a control-plane node, as a non-root user; its image tag pinned. */
function controllerDeployment(): KubeObject {
    const hostDir = (name: string, path: string) => ({
        volume: { name, hostPath: { path, type: "DirectoryOrCreate" } },
        mount: { name, mountPath: path, readOnly: true },
    });
    const certs = [
        hostDir("etc-ssl", "/etc/ssl"),
        hostDir("etc-pki", "/etc/pki"),
        hostDir("etc-ca-certificates", "/etc/ca-certificates"),
    ];
    const fromField = (name: string, fieldPath: string) => ({ name, valueFrom: { fieldRef: { fieldPath } } });
    return {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: ns(CONTROLLER),
        spec: {
            strategy: { type: "Recreate" },
            selector: { matchLabels: { "upgrade.cattle.io/controller": CONTROLLER } },
            template: {
                metadata: {
                    labels: {
                        "app.kubernetes.io/component": "controller",
                        "app.kubernetes.io/name": CONTROLLER,
                        // The drain's pod selector skips pods with this label: the controller never drains itself.
                        "upgrade.cattle.io/controller": CONTROLLER,
                    },
                },
                spec: {
                    affinity: {
                        nodeAffinity: {
                            requiredDuringSchedulingIgnoredDuringExecution: {
                                nodeSelectorTerms: [
                                    {
                                        matchExpressions: [
                                            { key: CONTROL_PLANE_LABEL, operator: "Exists" },
                                            { key: "kubernetes.io/os", operator: "In", values: ["linux"] },
                                        ],
                                    },
                                ],
                            },
                        },
                        podAntiAffinity: {
                            requiredDuringSchedulingIgnoredDuringExecution: [
                                {
                                    topologyKey: "kubernetes.io/hostname",
                                    labelSelector: {
                                        matchExpressions: [
                                            {
                                                key: "app.kubernetes.io/name",
                                                operator: "In",
                                                values: [CONTROLLER],
                                            },
                                        ],
                                    },
                                },
                            ],
                        },
                    },
                    serviceAccountName: SERVICE_ACCOUNT,
                    tolerations: CONTROL_PLANE_TOLERATIONS,
                    containers: [
                        {
                            name: CONTROLLER,
                            image: `${SYSTEM_UPGRADE_CONTROLLER_IMAGE.image}:${SYSTEM_UPGRADE_CONTROLLER_IMAGE.tag}`,
                            imagePullPolicy: "IfNotPresent",
                            securityContext: {
                                runAsNonRoot: true,
                                runAsUser: 65534,
                                runAsGroup: 65534,
                                allowPrivilegeEscalation: false,
                                seccompProfile: { type: "RuntimeDefault" },
                                capabilities: { drop: ["ALL"] },
                                // It writes only to /tmp, an emptyDir.
                                readOnlyRootFilesystem: true,
                            },
                            resources: {
                                requests: { cpu: "10m", memory: "64Mi" },
                                limits: { cpu: "200m", memory: "256Mi" },
                            },
                            envFrom: [{ configMapRef: { name: CONFIG_MAP } }],
                            env: [
                                fromField(
                                    "SYSTEM_UPGRADE_CONTROLLER_NAME",
                                    "metadata.labels['upgrade.cattle.io/controller']",
                                ),
                                fromField("SYSTEM_UPGRADE_CONTROLLER_NAMESPACE", "metadata.namespace"),
                                fromField("SYSTEM_UPGRADE_CONTROLLER_NODE_NAME", "spec.nodeName"),
                            ],
                            volumeMounts: [...certs.map((c) => c.mount), { name: "tmp", mountPath: "/tmp" }],
                        },
                    ],
                    volumes: [...certs.map((c) => c.volume), { name: "tmp", emptyDir: {} }],
                },
            },
        },
    };
}

/** What both Plans share: the version, the image, the service account and the window. */
function planSpec(input: SystemUpgradeInput, window: UpgradeWindow | undefined) {
    return {
        serviceAccountName: SERVICE_ACCOUNT,
        upgrade: { image: K3S_UPGRADE_IMAGE },
        version: input.k3sVersion,
        ...(window ? { window } : {}),
    };
}

/**
 * `server-plan`: control-plane nodes (k3s labels them `node-role.kubernetes.io/control-plane=true`), one at a
 * time so etcd keeps its majority, cordoned but not drained (k3s-io/docs `upgrades/automated.md`).
 */
function serverPlan(input: SystemUpgradeInput, window: UpgradeWindow | undefined): KubeObject {
    return {
        apiVersion: "upgrade.cattle.io/v1",
        kind: "Plan",
        metadata: ns(SERVER_PLAN),
        spec: {
            concurrency: 1,
            cordon: true,
            nodeSelector: {
                matchExpressions: [{ key: CONTROL_PLANE_LABEL, operator: "In", values: ["true"] }],
            },
            tolerations: CONTROL_PLANE_TOLERATIONS,
            ...planSpec(input, window),
        },
    };
}

/**
 * `agent-plan`: every other node. The prepare step (`k3s-upgrade prepare server-plan`) waits until the
 * servers run the version. The drain honours PodDisruptionBudgets; it deletes emptyDir data and unmanaged
 * pods, skips DaemonSets, gives up on pods stuck terminating after 60 s, and fails after 10 minutes, inside
 * the Job's 900 s deadline, so the controller retries the node later instead of hanging on it.
 */
function agentPlan(
    input: SystemUpgradeInput,
    window: UpgradeWindow | undefined,
    concurrency: number,
): KubeObject {
    return {
        apiVersion: "upgrade.cattle.io/v1",
        kind: "Plan",
        metadata: ns(AGENT_PLAN),
        spec: {
            concurrency,
            nodeSelector: { matchExpressions: [{ key: CONTROL_PLANE_LABEL, operator: "DoesNotExist" }] },
            prepare: { image: K3S_UPGRADE_IMAGE, args: ["prepare", SERVER_PLAN] },
            drain: {
                ignoreDaemonSets: true,
                deleteEmptydirData: true,
                force: true,
                skipWaitForDeleteTimeout: 60,
                timeout: "10m",
            },
            ...planSpec(input, window),
        },
    };
}

/**
 * Everything the upgrades need, in apply order: the CRD, the namespace (Pod Security `privileged`, as upstream
 * labels it: the upgrade Jobs use the host's IPC, network and PID namespaces and mount its root at /host), the
 * controller's account, RBAC, env and Deployment, then the two Plans.
 */
export function systemUpgradeObjects(input: SystemUpgradeInput): KubeObject[] {
    const { window, agentConcurrency } = checked(input);
    return [
        planCrd(),
        {
            apiVersion: "v1",
            kind: "Namespace",
            metadata: {
                name: SYSTEM_UPGRADE_NAMESPACE,
                labels: { "pod-security.kubernetes.io/enforce": "privileged" },
            },
        },
        { apiVersion: "v1", kind: "ServiceAccount", metadata: ns(SERVICE_ACCOUNT) },
        ...rbac(),
        controllerEnv(),
        controllerDeployment(),
        serverPlan(input, window),
        agentPlan(input, window, agentConcurrency),
    ];
}
