/**
 * The Kubernetes objects that run the cluster-autoscaler for Hetzner in kube-system, modelled on upstream's
 * `cluster-autoscaler/cloudprovider/hetzner/examples/cluster-autoscaler-run-on-master.yaml` and the RBAC of
 * `charts/cluster-autoscaler/templates/{clusterrole,role}.yaml` at tag `cluster-autoscaler-1.33.6`
 * (commit be4b5a18814a53539d0fe6299c92839152cae54c). Flags are those of `cluster-autoscaler/config/flags/flags.go`
 * and klog's (`--v`, `--stderrthreshold`, via `klog.InitFlags` in main.go) at that tag.
 *
 * Differences from the example, and why:
 * - the config is `HCLOUD_CLUSTER_CONFIG_FILE`, a Secret mounted as a file, not base64 in `HCLOUD_CLUSTER_CONFIG`:
 *   one env string over 128 KiB fails `execve` (kube-hetzner #2194), and the config holds the join token;
 * - `nodeSelector` instead of the example's affinity (k3s labels servers `node-role.kubernetes.io/control-plane=true`);
 * - no host mount of /etc/ssl/certs: the image is distroless/static, which ships CA certificates;
 * - restricted Pod Security: non-root 65534 (distroless's `nonroot` image user), read-only root, no capabilities;
 * - the `extensions` API group rules are left out (removed in Kubernetes 1.16: they grant nothing), and
 *   `volumeattachments` is added as the 1.33 chart has it (the scheduler plugins the autoscaler simulates list them).
 */
import { createHash } from "node:crypto";
import type { AutoscalerNodeGroups } from "./autoscalerConfig";
import { HCLOUD_SECRET, type KubeObject } from "./objects";

/** Matches the Kubernetes minor of kubernetes-models 4.5 (1.33); tag `cluster-autoscaler-1.33.6`, version.go 1.33.6. */
export const CLUSTER_AUTOSCALER_IMAGE = "registry.k8s.io/autoscaling/cluster-autoscaler:v1.33.6";

export const AUTOSCALER_NAME = "cluster-autoscaler";
export const AUTOSCALER_NAMESPACE = "kube-system";
/** The Secret holding the cluster config, and its one key. */
export const AUTOSCALER_CONFIG_SECRET = "cluster-autoscaler-config";
export const AUTOSCALER_CONFIG_KEY = "cluster-config.json";
export const AUTOSCALER_CONFIG_DIR = "/config";
/** The pod template annotation whose change rolls the pod when the config changes. */
export const CONFIG_CHECKSUM_ANNOTATION = "checksum/cluster-config";
/** Upstream's default; the CA gives up on a node that has not registered by then. Snapshot boots take ~15 min (#5185). */
export const MAX_NODE_PROVISION_MINUTES = 15;
const METRICS_PORT = 8085;

export interface AutoscalerObjectsInput {
    /** What `autoscalerNodeGroups` returned. */
    readonly nodeGroups: AutoscalerNodeGroups;
    /** `--scale-down-unneeded-time`, a Go duration such as `10m`. */
    readonly scaleDownUnneededTime: string;
    /** `HCLOUD_SERVER_CREATION_TIMEOUT`, whole minutes, at most the node provision time (15). */
    readonly serverCreationTimeoutMinutes: number;
    /** `HCLOUD_FIREWALL`: id or name of the firewall new servers get. */
    readonly firewall?: string;
    /** `HCLOUD_SSH_KEY`: id or name of the SSH key new servers get (without one Hetzner mails a root password). */
    readonly sshKey?: string;
}

const GO_DURATION = /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/;

const labels = { "app.kubernetes.io/name": AUTOSCALER_NAME, "app.kubernetes.io/component": "autoscaler" };
const meta = (namespaced: boolean) => ({
    name: AUTOSCALER_NAME,
    ...(namespaced ? { namespace: AUTOSCALER_NAMESPACE } : {}),
    labels,
});
const rule = (apiGroups: string[], resources: string[], verbs: string[], resourceNames?: string[]) => ({
    apiGroups,
    resources,
    verbs,
    ...(resourceNames ? { resourceNames } : {}),
});
const subjects = [{ kind: "ServiceAccount", name: AUTOSCALER_NAME, namespace: AUTOSCALER_NAMESPACE }];

/** The sha256 (hex) of the config text: the checksum annotation. */
export const configChecksum = (configJson: string) => createHash("sha256").update(configJson).digest("hex");

/** The autoscaler's container args, in order. */
export function autoscalerArgs(input: AutoscalerObjectsInput): string[] {
    if (!GO_DURATION.test(input.scaleDownUnneededTime))
        throw new Error(
            `autoscaler: scaleDownUnneededTime "${input.scaleDownUnneededTime}" is not a Go duration; write e.g. 10m or 1h30m`,
        );
    return [
        "--cloud-provider=hetzner",
        ...input.nodeGroups.nodesArgs,
        "--stderrthreshold=info",
        "--v=2",
        "--scale-down-enabled=true",
        "--skip-nodes-with-local-storage=false",
        "--balance-similar-node-groups",
        "--expander=least-waste",
        `--scale-down-unneeded-time=${input.scaleDownUnneededTime}`,
        `--max-node-provision-time=${MAX_NODE_PROVISION_MINUTES}m`,
    ];
}

function autoscalerEnv(input: AutoscalerObjectsInput) {
    const t = input.serverCreationTimeoutMinutes;
    if (!Number.isInteger(t) || t < 1 || t > MAX_NODE_PROVISION_MINUTES)
        throw new Error(
            `autoscaler: serverCreationTimeoutMinutes ${t} must be a whole number from 1 to ${MAX_NODE_PROVISION_MINUTES} ` +
                "(the node provision time); beyond it the autoscaler gives up on a server Hetzner is still creating",
        );
    const fromSecret = (name: string, key: string) => ({
        name,
        valueFrom: { secretKeyRef: { name: HCLOUD_SECRET.name, key } },
    });
    return [
        fromSecret("HCLOUD_TOKEN", "token"),
        fromSecret("HCLOUD_NETWORK", "network"),
        { name: "HCLOUD_CLUSTER_CONFIG_FILE", value: `${AUTOSCALER_CONFIG_DIR}/${AUTOSCALER_CONFIG_KEY}` },
        ...(input.firewall !== undefined ? [{ name: "HCLOUD_FIREWALL", value: input.firewall }] : []),
        ...(input.sshKey !== undefined ? [{ name: "HCLOUD_SSH_KEY", value: input.sshKey }] : []),
        { name: "HCLOUD_PUBLIC_IPV4", value: "true" },
        { name: "HCLOUD_PUBLIC_IPV6", value: "true" },
        { name: "HCLOUD_SERVER_CREATION_TIMEOUT", value: String(t) },
    ];
}

/**
 * ServiceAccount, ClusterRole(+Binding), Role(+Binding), the config Secret and the Deployment, in apply order.
 * The Deployment reads `HCLOUD_TOKEN` and `HCLOUD_NETWORK` from the `kube-system/hcloud` Secret.
 */
export function autoscalerObjects(input: AutoscalerObjectsInput): KubeObject[] {
    const { configJson } = input.nodeGroups;
    const serviceAccount: KubeObject = { apiVersion: "v1", kind: "ServiceAccount", metadata: meta(true) };
    const clusterRole: KubeObject = {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "ClusterRole",
        metadata: meta(false),
        rules: [
            rule([""], ["events", "endpoints"], ["create", "patch"]),
            rule([""], ["pods/eviction"], ["create"]),
            rule([""], ["pods/status"], ["update"]),
            rule([""], ["endpoints"], ["get", "update"], [AUTOSCALER_NAME]),
            rule([""], ["nodes"], ["watch", "list", "get", "update"]),
            rule(
                [""],
                [
                    "namespaces",
                    "pods",
                    "services",
                    "replicationcontrollers",
                    "persistentvolumeclaims",
                    "persistentvolumes",
                ],
                ["watch", "list", "get"],
            ),
            rule(["policy"], ["poddisruptionbudgets"], ["watch", "list"]),
            rule(["apps"], ["statefulsets", "replicasets", "daemonsets"], ["watch", "list", "get"]),
            rule(
                ["storage.k8s.io"],
                ["storageclasses", "csinodes", "csistoragecapacities", "csidrivers", "volumeattachments"],
                ["watch", "list", "get"],
            ),
            rule(["batch"], ["jobs"], ["get", "list", "watch", "patch"]),
            rule(["coordination.k8s.io"], ["leases"], ["create"]),
            rule(["coordination.k8s.io"], ["leases"], ["get", "update"], [AUTOSCALER_NAME]),
        ],
    };
    const roleRef = (kind: string) => ({
        apiGroup: "rbac.authorization.k8s.io",
        kind,
        name: AUTOSCALER_NAME,
    });
    const clusterRoleBinding: KubeObject = {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "ClusterRoleBinding",
        metadata: meta(false),
        roleRef: roleRef("ClusterRole"),
        subjects,
    };
    const role: KubeObject = {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "Role",
        metadata: meta(true),
        rules: [
            rule([""], ["configmaps"], ["create", "list", "watch"]),
            rule(
                [""],
                ["configmaps"],
                ["delete", "get", "update", "watch"],
                ["cluster-autoscaler-status", "cluster-autoscaler-priority-expander"],
            ),
        ],
    };
    const roleBinding: KubeObject = {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "RoleBinding",
        metadata: meta(true),
        roleRef: roleRef("Role"),
        subjects,
    };
    const configSecret: KubeObject = {
        apiVersion: "v1",
        kind: "Secret",
        metadata: { name: AUTOSCALER_CONFIG_SECRET, namespace: AUTOSCALER_NAMESPACE, labels },
        type: "Opaque",
        // The cloud-inits in it carry the agent join token: a Secret, not a ConfigMap.
        stringData: { [AUTOSCALER_CONFIG_KEY]: configJson },
    };
    const deployment: KubeObject = {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: meta(true),
        spec: {
            replicas: 1,
            selector: { matchLabels: labels },
            template: {
                metadata: {
                    labels,
                    annotations: {
                        [CONFIG_CHECKSUM_ANNOTATION]: configChecksum(configJson),
                        "prometheus.io/scrape": "true",
                        "prometheus.io/port": String(METRICS_PORT),
                    },
                },
                spec: {
                    serviceAccountName: AUTOSCALER_NAME,
                    priorityClassName: "system-cluster-critical",
                    // On the control plane, so that the pools it scales can go down to zero under it.
                    nodeSelector: { "node-role.kubernetes.io/control-plane": "true" },
                    tolerations: [
                        {
                            key: "node-role.kubernetes.io/control-plane",
                            operator: "Exists",
                            effect: "NoSchedule",
                        },
                        { key: "CriticalAddonsOnly", operator: "Exists" },
                        // It must run before the hcloud CCM has initialised the nodes.
                        {
                            key: "node.cloudprovider.kubernetes.io/uninitialized",
                            operator: "Exists",
                            effect: "NoSchedule",
                        },
                    ],
                    securityContext: {
                        runAsNonRoot: true,
                        runAsUser: 65534,
                        runAsGroup: 65534,
                        // Gives the config file group 65534, so mode 0440 is readable by the process.
                        fsGroup: 65534,
                        seccompProfile: { type: "RuntimeDefault" },
                    },
                    containers: [
                        {
                            name: AUTOSCALER_NAME,
                            image: CLUSTER_AUTOSCALER_IMAGE,
                            // The image sets CMD, not ENTRYPOINT: args alone would replace the binary.
                            command: ["/cluster-autoscaler"],
                            args: autoscalerArgs(input),
                            env: autoscalerEnv(input),
                            ports: [{ name: "http", containerPort: METRICS_PORT, protocol: "TCP" }],
                            livenessProbe: {
                                httpGet: { path: "/health-check", port: METRICS_PORT },
                                initialDelaySeconds: 30,
                                periodSeconds: 30,
                                failureThreshold: 3,
                            },
                            resources: {
                                requests: { cpu: "100m", memory: "300Mi" },
                                limits: { cpu: "100m", memory: "300Mi" },
                            },
                            securityContext: {
                                runAsNonRoot: true,
                                allowPrivilegeEscalation: false,
                                readOnlyRootFilesystem: true,
                                capabilities: { drop: ["ALL"] },
                                seccompProfile: { type: "RuntimeDefault" },
                            },
                            volumeMounts: [
                                { name: "config", mountPath: AUTOSCALER_CONFIG_DIR, readOnly: true },
                            ],
                        },
                    ],
                    volumes: [
                        {
                            name: "config",
                            secret: { secretName: AUTOSCALER_CONFIG_SECRET, defaultMode: 0o440 },
                        },
                    ],
                },
            },
        },
    };
    return [serviceAccount, clusterRole, clusterRoleBinding, role, roleBinding, configSecret, deployment];
}
