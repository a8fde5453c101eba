/**
 * The plain per-tenant bundle of phase 5 (research anchors §8.1): one namespace per tenant with the guards the
 * policy pack demands (k8s-tenant-resource-quota, k8s-tenant-limit-range, k8s-tenant-default-deny,
 * k8s-tenant-namespace-enforces-restricted), plus the pod template and placement the warm-pool keeper uses.
 * Pure: plain objects in, plain objects out; the shell applies them.
 *
 * Choices:
 * - Requests equal limits (Guaranteed QoS). The capacity formula packs nodes on the full per-container figures
 *   (memoryMb, cpuShares), so a lower request would let the scheduler overfill a pool past the plan, and a memory
 *   request below the limit lets one tenant's burst OOM-kill a neighbour. cpuShares / 1024 is both the request
 *   (Kubernetes derives cgroup cpu weight from requests, as Docker's --cpu-shares) and the hard cap (cpuLimit()).
 * - The quota caps pods at `containers` and compute at `containers` × the tier's figures; the warm pool's
 *   prewarmed pods are the platform's, not the tenant's, and do not count here.
 * - No storage: agent pods are ephemeral (read-only root, an in-memory /tmp), and every Hetzner volume is a billed
 *   10 GiB minimum, so persistentvolumeclaims and requests.storage are 0. No load balancers (each hcloud LB costs
 *   money) and no node ports (they open every node's public address).
 * - The namespace's own `default` ServiceAccount is created by the API server and cannot be changed from a bundle
 *   applied beside it (its automount flag would need a patch of a server-owned object), so pods name `tenant`.
 * - PIDS_LIMIT has no pod-spec field: it is the kubelet's pod-max-pids, set in the k3s node config.
 */
import { cpuLimit, TIERS, type TierName } from "../capacity/tiers";
import { TENANT_LABEL, TIER_LABEL } from "../contracts/labels";
import { AGENT_USER } from "../render/agents/warmPool";
import { CUSTOMER_LABEL, type Taint } from "./clusterPlan";
import type { KubeObject } from "./objects";
import { DNS_LABEL, isDnsLabel } from "./names";

export interface TenantSpec {
    /** DNS label; the namespace is `tenant-<name>`. */
    name: string;
    tier: TierName;
    /** Agent containers the tenant may run at once. */
    containers: number;
    /** Enterprise tenants: their dedicated pool's customer (clusterPlan's CUSTOMER_LABEL value). */
    customer?: string;
}

export interface TenantPlatform {
    /** The ingress controller's namespace, the only source of traffic into a tenant. */
    ingressNamespace: string;
    /** Where CoreDNS runs; k3s puts it in kube-system. */
    dnsNamespace?: "kube-system";
    /** The application's pods that talk to agents (the api, which claims and drives them), besides the ingress. */
    appPeer?: { namespace: string; podLabels: Record<string, string> };
}

export interface Toleration {
    key: string;
    operator: "Equal";
    value: string;
    effect: Taint["effect"];
}

export interface TenantPodPlacement {
    nodeSelector: Record<string, string>;
    tolerations: Toleration[];
}

/** The ServiceAccount tenant pods run as (token not mounted). */
export const TENANT_SERVICE_ACCOUNT = "tenant";
export const TENANT_NAMESPACE_PREFIX = "tenant-";
/** The label the API server puts on every namespace (NamespaceDefaultLabelName, Kubernetes ≥ 1.22). */
export const NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name";
/** k3s's CoreDNS pods. */
export const KUBE_DNS_SELECTOR = { "k8s-app": "kube-dns" } as const;
/** /tmp of an agent pod: in memory, counted against the container's memory limit (the Docker phase's tmpfs). */
export const TENANT_TMP_MB = 64;

/** Object names inside the tenant namespace. */
export const TENANT_OBJECT_NAMES = {
    quota: "tenant-quota",
    limits: "tenant-limits",
    defaultDeny: "default-deny",
    allowDns: "allow-dns",
    allowIngress: "allow-from-ingress",
} as const;

const POD_SECURITY = ["enforce", "audit", "warn"] as const;
const IMAGE_REF = /^[a-z0-9][a-z0-9._/:@-]*$/;
const MAX_NAME = 63 - TENANT_NAMESPACE_PREFIX.length;

const [AGENT_UID, AGENT_GID] = AGENT_USER.split(":").map(Number) as [number, number];

export function tenantNamespace(name: string): string {
    return `${TENANT_NAMESPACE_PREFIX}${name}`;
}

function fail(t: { name?: unknown }, problem: string, fix: string): never {
    throw new Error(`tenant "${String(t.name)}": ${problem}; ${fix}`);
}

function validateTenant(t: TenantSpec): void {
    if (typeof t.name !== "string" || !DNS_LABEL.test(t.name) || t.name.length > MAX_NAME)
        fail(
            t,
            `name is not a DNS label of at most ${MAX_NAME} characters`,
            "use lower-case letters, digits and inner hyphens, e.g. acme-dev",
        );
    if (!(t.tier in TIERS))
        fail(
            t,
            `tier "${String(t.tier)}" is not a ClawHQ tier`,
            `use one of ${Object.keys(TIERS).join(", ")}`,
        );
    if (!Number.isInteger(t.containers) || t.containers < 1)
        fail(t, `containers is ${t.containers}`, "give a whole number of at least 1");
    if (TIERS[t.tier].dedicated) {
        if (t.customer === undefined)
            fail(
                t,
                `the ${t.tier} tier runs on a customer's dedicated pool but names no customer`,
                "set customer to the agents.enterprise entry whose pool it uses",
            );
        if (!isDnsLabel(t.customer))
            fail(t, `customer "${t.customer}" is not a DNS label`, "use the agents.enterprise entry's name");
    } else if (t.customer !== undefined) {
        fail(
            t,
            `the shared ${t.tier} tier has no customer pool, but customer "${t.customer}" is set`,
            "remove customer, or use the enterprise tier",
        );
    }
}

function validatePlatform(t: TenantSpec, p: TenantPlatform): void {
    if (!isDnsLabel(p.ingressNamespace))
        fail(
            t,
            `ingressNamespace "${p.ingressNamespace}" is not a namespace name`,
            "name the ingress namespace",
        );
    if (p.ingressNamespace === tenantNamespace(t.name))
        fail(t, "the ingress namespace is the tenant's own", "name the ingress controller's namespace");
    if (p.dnsNamespace !== undefined && p.dnsNamespace !== "kube-system")
        fail(
            t,
            `dnsNamespace "${String(p.dnsNamespace)}" is not kube-system`,
            "k3s runs CoreDNS in kube-system",
        );
}

/** One container's CPU in millicores and memory in MiB: the tier's figures, both request and limit. */
export function tenantContainerResources(tier: TierName): { cpuMillis: number; memoryMb: number } {
    const spec = TIERS[tier];
    return { cpuMillis: Math.round(cpuLimit(spec) * 1000), memoryMb: spec.memoryMb };
}

function containerQuantities(tier: TierName, n = 1): { cpu: string; memory: string } {
    const r = tenantContainerResources(tier);
    return { cpu: `${r.cpuMillis * n}m`, memory: `${r.memoryMb * n}Mi` };
}

function tenantLabels(t: TenantSpec): Record<string, string> {
    return {
        [TENANT_LABEL]: t.name,
        [TIER_LABEL]: t.tier,
        ...(t.customer !== undefined ? { [CUSTOMER_LABEL]: t.customer } : {}),
    };
}

/**
 * Where the tenant's pods run: the tier's shared pool, or the customer's dedicated pool for enterprise, selected
 * and tolerated exactly as clusterPlan.ts labels and taints the agent pools.
 */
export function tenantPodPlacement(t: TenantSpec): TenantPodPlacement {
    validateTenant(t);
    const [key, value] = t.customer !== undefined ? [CUSTOMER_LABEL, t.customer] : [TIER_LABEL, t.tier];
    return {
        nodeSelector: { [key]: value },
        tolerations: [{ key, operator: "Equal", value, effect: "NoSchedule" }],
    };
}

/**
 * A pod template (metadata and spec) meeting Pod Security restricted: non-root, RuntimeDefault seccomp, no
 * capabilities, no privilege escalation, read-only root with an in-memory /tmp, the tier's resources, the
 * token-less `tenant` ServiceAccount, and the tenant's pool placement. The warm pool stamps its pods from it.
 */
export function tenantPodTemplate(
    t: TenantSpec,
    image: string,
): { metadata: { namespace: string; labels: Record<string, string> }; spec: Record<string, unknown> } {
    validateTenant(t);
    if (!IMAGE_REF.test(image))
        fail(t, `image "${image}" is not an image reference`, "give registry/name:tag or name@sha256:digest");
    const resources = containerQuantities(t.tier);
    return {
        metadata: { namespace: tenantNamespace(t.name), labels: tenantLabels(t) },
        spec: {
            serviceAccountName: TENANT_SERVICE_ACCOUNT,
            automountServiceAccountToken: false,
            enableServiceLinks: false,
            securityContext: {
                runAsNonRoot: true,
                runAsUser: AGENT_UID,
                runAsGroup: AGENT_GID,
                seccompProfile: { type: "RuntimeDefault" },
            },
            containers: [
                {
                    name: "agent",
                    image,
                    resources: { requests: { ...resources }, limits: { ...resources } },
                    securityContext: {
                        allowPrivilegeEscalation: false,
                        capabilities: { drop: ["ALL"] },
                        readOnlyRootFilesystem: true,
                        runAsNonRoot: true,
                    },
                    volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
                },
            ],
            volumes: [{ name: "tmp", emptyDir: { medium: "Memory", sizeLimit: `${TENANT_TMP_MB}Mi` } }],
            ...tenantPodPlacement(t),
        },
    };
}

/**
 * The tenant's bundle, in apply order: Namespace, ResourceQuota, LimitRange, the NetworkPolicies (default deny,
 * DNS to CoreDNS, ingress from the ingress controller's namespace) and the `tenant` ServiceAccount.
 */
export function tenantObjects(t: TenantSpec, platform: TenantPlatform): KubeObject[] {
    validateTenant(t);
    validatePlatform(t, platform);
    const namespace = tenantNamespace(t.name);
    const labels = { [TENANT_LABEL]: t.name };
    const meta = (name: string) => ({ name, namespace, labels });
    const perContainer = containerQuantities(t.tier);
    const total = containerQuantities(t.tier, t.containers);
    const dnsNamespace = platform.dnsNamespace ?? "kube-system";

    return [
        {
            apiVersion: "v1",
            kind: "Namespace",
            metadata: {
                name: namespace,
                labels: {
                    ...tenantLabels(t),
                    // The pack wants the latest policy version (k8s-tenant-namespace-enforces-restricted): a pinned
                    // version would drop checks added since.
                    ...Object.fromEntries(
                        POD_SECURITY.flatMap((mode) => [
                            [`pod-security.kubernetes.io/${mode}`, "restricted"],
                            [`pod-security.kubernetes.io/${mode}-version`, "latest"],
                        ]),
                    ),
                },
            },
        },
        {
            apiVersion: "v1",
            kind: "ResourceQuota",
            metadata: meta(TENANT_OBJECT_NAMES.quota),
            spec: {
                hard: {
                    pods: String(t.containers),
                    "requests.cpu": total.cpu,
                    "limits.cpu": total.cpu,
                    "requests.memory": total.memory,
                    "limits.memory": total.memory,
                    persistentvolumeclaims: "0",
                    "requests.storage": "0",
                    "services.loadbalancers": "0",
                    "services.nodeports": "0",
                },
            },
        },
        {
            apiVersion: "v1",
            kind: "LimitRange",
            metadata: meta(TENANT_OBJECT_NAMES.limits),
            spec: {
                limits: [
                    {
                        type: "Container",
                        default: { ...perContainer },
                        defaultRequest: { ...perContainer },
                        max: { ...perContainer },
                    },
                ],
            },
        },
        {
            apiVersion: "networking.k8s.io/v1",
            kind: "NetworkPolicy",
            metadata: meta(TENANT_OBJECT_NAMES.defaultDeny),
            spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] },
        },
        {
            apiVersion: "networking.k8s.io/v1",
            kind: "NetworkPolicy",
            metadata: meta(TENANT_OBJECT_NAMES.allowDns),
            spec: {
                podSelector: {},
                policyTypes: ["Egress"],
                egress: [
                    {
                        to: [
                            {
                                namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: dnsNamespace } },
                                podSelector: { matchLabels: { ...KUBE_DNS_SELECTOR } },
                            },
                        ],
                        ports: [
                            { protocol: "UDP", port: 53 },
                            { protocol: "TCP", port: 53 },
                        ],
                    },
                ],
            },
        },
        {
            apiVersion: "networking.k8s.io/v1",
            kind: "NetworkPolicy",
            metadata: meta(TENANT_OBJECT_NAMES.allowIngress),
            spec: {
                podSelector: {},
                policyTypes: ["Ingress"],
                ingress: [
                    {
                        from: [
                            {
                                namespaceSelector: {
                                    matchLabels: { [NAMESPACE_NAME_LABEL]: platform.ingressNamespace },
                                },
                            },
                            ...(platform.appPeer
                                ? [
                                      {
                                          namespaceSelector: {
                                              matchLabels: {
                                                  [NAMESPACE_NAME_LABEL]: platform.appPeer.namespace,
                                              },
                                          },
                                          podSelector: { matchLabels: { ...platform.appPeer.podLabels } },
                                      },
                                  ]
                                : []),
                        ],
                    },
                ],
            },
        },
        {
            apiVersion: "v1",
            kind: "ServiceAccount",
            metadata: meta(TENANT_SERVICE_ACCOUNT),
            automountServiceAccountToken: false,
        },
    ];
}
