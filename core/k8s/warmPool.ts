/**
 * The agent warm pool of phase 5 (seed: "Container pre-warming pool: keep 10-20 idle containers ready; new user →
 * claim pre-warmed container; background worker replenishes pool", PREWARMED_CONTAINERS free 20, pro 10,
 * business 5, none for enterprise): per shared tier a pool namespace `agents-<tier>` holding that tier's warm
 * agent pods, and the keeper (core/k8s/keeper/keeper.mjs) that refills it, as plain objects for the shell to apply.
 *
 * Layout:
 * - `agents-<tier>`: restricted Pod Security, the tenant bundle's guards (its LimitRange, default deny, DNS and
 *   ingress-controller NetworkPolicies, the token-less `tenant` ServiceAccount, taken from tenantObjects so there
 *   is one definition), and a ResourceQuota of `maxPods` × the tier's per-pod figures. Warm pods are stamped from
 *   tenantPodTemplate's spec (restricted, Guaranteed QoS, the tier's pool placement), labelled tier, `warm=true`
 *   and the template's hash.
 * - `agents-warm`: the keeper's ServiceAccount, an ingress default deny, the ConfigMap with the program and its
 *   config, and a one-replica Deployment (Recreate: two keepers would race for the same slots). In each pool
 *   namespace a Role lets it list, create and delete pods and get that namespace's quota, nothing else (no patch:
 *   it never changes a label, so it cannot claim or un-claim a pod), bound to its ServiceAccount.
 *
 * A namespace per tier, because Kubernetes cannot move a pod between namespaces: a claimed pod stays where it was
 * warm and keeps counting against its pool's quota (as the VM keeper counts claimed containers against the node),
 * so the quota is the tier's whole pod budget, and a ResourceQuota cannot tell tiers apart within one namespace.
 * The tenant's own namespace quota does not see a claimed pod (tenants.ts: the warm pool's pods are the
 * platform's): the application enforces a tenant's `containers` by counting its claimed pods, or starts cold pods
 * in the tenant namespace (the seed's secondary path) when the pool is empty.
 *
 * CLAIM PROTOCOL (what the application does; the README can quote `claimPatch`'s doc comment):
 *  1. GET /api/v1/namespaces/agents-<tier>/pods?labelSelector=phase-stacks/warm=true,phase-stacks/tier=<tier>
 *     and pick a pod that is Running, Ready and has no deletionTimestamp; note its metadata.resourceVersion.
 *  2. PATCH /api/v1/namespaces/agents-<tier>/pods/<name> with Content-Type application/merge-patch+json and the
 *     body `claimPatch(tenant, resourceVersion)`: it removes `phase-stacks/warm` and sets `phase-stacks/tenant`.
 *     The resourceVersion in the body is a precondition: the API server applies the patch only if the pod is
 *     unchanged since step 1, atomically.
 *  3. 200: the pod is the tenant's. 409 Conflict: someone changed it first (another claimer won, or the keeper is
 *     deleting it): go back to 1 and take another pod. 404: the keeper deleted it (failed or outdated): back to 1.
 *     No warm pod left: start a cold pod in the tenant's namespace.
 *  The keeper's own deletes carry a resourceVersion precondition too, so it never deletes a pod claimed after its
 *  list. The application deletes a claimed pod when the tenant is done with it; that frees quota for the pool.
 *
 * Judgement on kubernetes-sigs/agent-sandbox's SandboxWarmPool (read at v0.5.6, commit 2fd412d5, 2026-08-22):
 * we write our own. Its reasons against, from its repository:
 * - it is pre-1.0: two served API versions (v1alpha1, v1beta1) converted by a webhook whose serving certificate
 *   the cluster must provide, four CRDs (the Sandbox one alone is 8,000 lines) and one more controller image;
 * - its controller is bound by ClusterRoleBindings to create, patch and delete pods, services and PVCs, and to
 *   manage NetworkPolicies, in every namespace, tenants' included; our keeper needs pods in three namespaces;
 * - a warm entry is a Sandbox CR owning a pod (and, if asked, a headless Service), and a claim is a SandboxClaim
 *   that the controller adopts a Sandbox for: an instant deploy waits on a reconcile, not on one PATCH;
 * - nothing in it reads ResourceQuota: `replicas` is the only cap, and a quota that refuses pods leaves the
 *   controller retrying blind; our caps are the capacity plan's, and the keeper reads them.
 * What we took from it: replacing outdated unclaimed pods (its `Recreate` update strategy), via the template-hash
 * label. What we give up: replicas driven by an HPA (its scale subresource), claim lifecycles (TTL) and its SDKs.
 * RuntimeClass sandboxes (gVisor, Kata) are not a reason for it: a plain pod spec can name a runtimeClassName too.
 * Worth revisiting at its 1.0, if it scopes its RBAC to namespaces.
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { TIERS, type TierName } from "../capacity/tiers";
import { TENANT_LABEL, TIER_LABEL } from "../contracts/labels";
import { POOL_KIND_LABEL, type ClusterPlan } from "./clusterPlan";
import type { KubeObject } from "./objects";
import { TENANT_OBJECT_NAMES, tenantObjects, tenantPodTemplate } from "./tenants";

/** On a warm pod: `true` while nobody has claimed it. The claim removes it. */
export const WARM_LABEL = "phase-stacks/warm";
/** On a claimed pod: the tenant that claimed it (the label tenant namespaces carry). */
export const CLAIM_LABEL = TENANT_LABEL;
/** On a warm pod: the hash of the template it was made from; the keeper replaces pods of another hash. */
export const TEMPLATE_HASH_LABEL = "phase-stacks/template-hash";

export const KEEPER_NAME = "warm-pool-keeper";
export const KEEPER_NAMESPACE = "agents-warm";
/** The Role (and binding) in each pool namespace that lets the application claim and release pods. */
export const CLAIMER_ROLE = "warm-pool-claimer";
export const POOL_NAMESPACE_PREFIX = "agents-";
/** Names of the pool namespace's own objects (the NetworkPolicies keep the tenant bundle's names). */
export const POOL_OBJECT_NAMES = {
    quota: "agent-pool-quota",
    limits: "agent-pool-limits",
    ingressDeny: "default-deny-ingress",
} as const;
/**
 * The keeper's runtime: Node 20 (the program uses nothing newer; the tests run it on the project's Node 20). A
 * version tag, not a digest: pin the digest from the registry when deploying (not verifiable offline).
 */
export const KEEPER_IMAGE = "docker.io/library/node:20.20.2-alpine";
/** Where the ConfigMap is mounted, and its two keys. */
export const KEEPER_DIR = "/etc/warm-pool-keeper";
export const KEEPER_FILES = { program: "keeper.mjs", config: "config.json" } as const;
export const KEEPER_CHECKSUM_ANNOTATION = "checksum/warm-pool-keeper";
/** uid the keeper runs as: `nobody`, as the image's default user is root. */
const KEEPER_UID = 65534;

export type SharedTier = Exclude<TierName, "enterprise">;

export interface WarmPoolTier {
    readonly tier: TierName;
    /** Pods the pool namespace may hold in all, warm and claimed: the ResourceQuota's `pods`. */
    readonly maxPods: number;
    /** Warm pods to keep ready; default: the seed's PREWARMED_CONTAINERS for the tier. */
    readonly target?: number;
}

export interface WarmPoolInput {
    /** The agent image (agents.image). */
    readonly image: string;
    readonly tiers: readonly WarmPoolTier[];
    /** The ingress controller's namespace: the only source of traffic to agent pods. */
    readonly ingressNamespace: string;
    /** Who claims warm pods (the api's ServiceAccount and pods): bound to the claimer Role, let in by the policy. */
    readonly claimer: {
        readonly namespace: string;
        readonly serviceAccount: string;
        readonly podLabels: Readonly<Record<string, string>>;
    };
    /** Seconds between keeper passes (agents.keeperIntervalSeconds). */
    readonly intervalSeconds: number;
    readonly keeperImage?: string;
}

const IMAGE_REF = /^[a-z0-9][a-z0-9._/:@-]*$/;
const RBAC = "rbac.authorization.k8s.io";
const POD_SECURITY = ["enforce", "audit", "warn"] as const;

export const agentPoolNamespace = (tier: TierName) => `${POOL_NAMESPACE_PREFIX}${tier}`;

/** The label selector of a tier's unclaimed pods, as a claimer lists them. */
export const warmSelector = (tier: TierName) => `${WARM_LABEL}=true,${TIER_LABEL}=${tier}`;

/**
 * The body of the claim: a JSON merge patch (Content-Type `application/merge-patch+json`) on a warm pod, sent as
 * `PATCH /api/v1/namespaces/agents-<tier>/pods/<name>`. It removes `phase-stacks/warm` and sets
 * `phase-stacks/tenant=<tenant>`; `metadata.resourceVersion` is the one the claimer listed, which makes the patch
 * conditional: 200 means the pod is the tenant's, 409 Conflict means another claimer (or the keeper) changed it
 * first and the claimer takes another pod, 404 means the keeper deleted it.
 */
export function claimPatch(
    tenant: string,
    resourceVersion: string,
): { metadata: { resourceVersion: string; labels: Record<string, string | null> } } {
    if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(tenant) || tenant.length > 63)
        throw new Error(`claimPatch: tenant "${tenant}" is not a DNS label`);
    if (!resourceVersion) throw new Error("claimPatch: the listed resourceVersion is required");
    return { metadata: { resourceVersion, labels: { [WARM_LABEL]: null, [CLAIM_LABEL]: tenant } } };
}

function fail(problem: string, fix: string): never {
    throw new Error(`warm pool: ${problem}; ${fix}`);
}

interface CheckedTier {
    tier: SharedTier;
    maxPods: number;
    target: number;
}

function checked(input: WarmPoolInput): CheckedTier[] {
    if (input.tiers.length === 0) fail("no tier has a warm pool", "list at least one shared tier");
    const seen = new Set<string>();
    const tiers = input.tiers.map((t): CheckedTier => {
        if (!(t.tier in TIERS)) fail(`"${String(t.tier)}" is not a tier`, `use one of free, pro, business`);
        if (TIERS[t.tier].dedicated)
            fail(
                `the ${t.tier} tier runs on dedicated pools and keeps no warm pods (seed)`,
                "leave it out of the warm pool",
            );
        if (seen.has(t.tier)) fail(`the ${t.tier} tier is listed twice`, "list each tier once");
        seen.add(t.tier);
        const target = t.target ?? TIERS[t.tier].prewarm;
        if (!Number.isInteger(t.maxPods) || t.maxPods < 1)
            fail(`${t.tier}: maxPods is ${t.maxPods}`, "give a whole number of at least 1");
        if (!Number.isInteger(target) || target < 0)
            fail(`${t.tier}: target is ${target}`, "give a whole number of at least 0");
        return { tier: t.tier as SharedTier, maxPods: t.maxPods, target };
    });
    const i = input.intervalSeconds;
    if (!Number.isInteger(i) || i < 5 || i > 3600)
        fail(`intervalSeconds is ${i}`, "give a whole number of seconds from 5 to 3600");
    const keeperImage = input.keeperImage ?? KEEPER_IMAGE;
    if (!IMAGE_REF.test(keeperImage))
        fail(`keeper image "${keeperImage}" is not an image reference`, "give registry/name:tag or @sha256");
    return tiers;
}

/** The synthetic tenant whose bundle supplies a pool's guards and pod spec (validated by tenants.ts). */
const poolTenant = (tier: SharedTier, containers = 1) => ({ name: "warm-pool", tier, containers });

const poolLabels = (tier: TierName) => ({
    [TIER_LABEL]: tier,
    "app.kubernetes.io/part-of": KEEPER_NAME,
});

/**
 * The pod the keeper creates for a tier (it adds the namespace): tenantPodTemplate's restricted spec on the tier's
 * pool, a generated name `warm-<tier>-…`, and the tier, warm and template-hash labels.
 */
export function warmPodTemplate(
    tier: TierName,
    image: string,
): { metadata: { generateName: string; labels: Record<string, string> }; spec: Record<string, unknown> } {
    if (TIERS[tier].dedicated)
        fail(`the ${tier} tier keeps no warm pods`, "use a shared tier (free, pro, business)");
    const { spec } = tenantPodTemplate(poolTenant(tier as SharedTier), image);
    const hash = createHash("sha256").update(JSON.stringify(spec)).digest("hex").slice(0, 16);
    return {
        metadata: {
            generateName: `warm-${tier}-`,
            labels: {
                ...poolLabels(tier),
                "app.kubernetes.io/name": "agent",
                [WARM_LABEL]: "true",
                [TEMPLATE_HASH_LABEL]: hash,
            },
        },
        spec,
    };
}

/** The keeper's config.json, as an object: labels, interval, and per pool its namespace, target, quota and pod. */
export function keeperConfig(input: WarmPoolInput) {
    const tiers = checked(input);
    return {
        intervalSeconds: input.intervalSeconds,
        labels: { warm: WARM_LABEL, tier: TIER_LABEL, templateHash: TEMPLATE_HASH_LABEL },
        pools: tiers.map((t) => {
            const pod = warmPodTemplate(t.tier, input.image);
            return {
                tier: t.tier,
                namespace: agentPoolNamespace(t.tier),
                target: t.target,
                quota: POOL_OBJECT_NAMES.quota,
                templateHash: pod.metadata.labels[TEMPLATE_HASH_LABEL] ?? "",
                pod,
            };
        }),
    };
}

let program: string | undefined;

/** The keeper program's text: core/k8s/keeper/keeper.mjs, beside this module or above bin/ (tsc copies no .mjs). */
export function keeperProgram(): string {
    if (program === undefined) {
        let found = join(__dirname, "keeper", KEEPER_FILES.program);
        for (let dir = __dirname; !existsSync(found); dir = dirname(dir)) {
            if (dirname(dir) === dir)
                throw new Error(`core/k8s/keeper/keeper.mjs not found above ${__dirname}`);
            found = join(dir, "core", "k8s", "keeper", KEEPER_FILES.program);
        }
        program = readFileSync(found, "utf8");
    }
    return program;
}

function namespace(name: string, labels: Record<string, string>): KubeObject {
    return {
        apiVersion: "v1",
        kind: "Namespace",
        metadata: {
            name,
            labels: {
                ...labels,
                ...Object.fromEntries(
                    POD_SECURITY.flatMap((mode) => [
                        [`pod-security.kubernetes.io/${mode}`, "restricted"],
                        [`pod-security.kubernetes.io/${mode}-version`, "latest"],
                    ]),
                ),
            },
        },
    };
}

/** One pool namespace: Namespace, quota, the tenant bundle's guards re-homed, and the keeper's Role(Binding). */
function poolObjects(t: CheckedTier, input: WarmPoolInput): KubeObject[] {
    const ns = agentPoolNamespace(t.tier);
    const labels = poolLabels(t.tier);
    // The tenant bundle sized for maxPods: its quota, limit range, policies and ServiceAccount, one definition.
    const { claimer } = input;
    const bundle = tenantObjects(poolTenant(t.tier, t.maxPods), {
        ingressNamespace: input.ingressNamespace,
        appPeer: { namespace: claimer.namespace, podLabels: claimer.podLabels },
    });
    const rename: Record<string, string> = {
        [TENANT_OBJECT_NAMES.quota]: POOL_OBJECT_NAMES.quota,
        [TENANT_OBJECT_NAMES.limits]: POOL_OBJECT_NAMES.limits,
    };
    const guards = bundle
        .filter((o) => o.kind !== "Namespace")
        .map((o): KubeObject => ({
            ...structuredClone(o),
            metadata: { name: rename[o.metadata.name] ?? o.metadata.name, namespace: ns, labels },
        }));
    const meta = { name: KEEPER_NAME, namespace: ns, labels };
    return [
        namespace(ns, labels),
        ...guards,
        {
            apiVersion: `${RBAC}/v1`,
            kind: "Role",
            metadata: meta,
            rules: [
                { apiGroups: [""], resources: ["pods"], verbs: ["list", "create", "delete"] },
                {
                    apiGroups: [""],
                    resources: ["resourcequotas"],
                    verbs: ["get"],
                    resourceNames: [POOL_OBJECT_NAMES.quota],
                },
            ],
        },
        {
            apiVersion: `${RBAC}/v1`,
            kind: "RoleBinding",
            metadata: meta,
            roleRef: { apiGroup: RBAC, kind: "Role", name: KEEPER_NAME },
            subjects: [{ kind: "ServiceAccount", name: KEEPER_NAME, namespace: KEEPER_NAMESPACE }],
        },
        // The claim protocol's side: read and claim (patch) warm pods, delete the tenant's when it is done.
        {
            apiVersion: `${RBAC}/v1`,
            kind: "Role",
            metadata: { ...meta, name: CLAIMER_ROLE },
            rules: [{ apiGroups: [""], resources: ["pods"], verbs: ["get", "list", "patch", "delete"] }],
        },
        {
            apiVersion: `${RBAC}/v1`,
            kind: "RoleBinding",
            metadata: { ...meta, name: CLAIMER_ROLE },
            roleRef: { apiGroup: RBAC, kind: "Role", name: CLAIMER_ROLE },
            subjects: [
                { kind: "ServiceAccount", name: claimer.serviceAccount, namespace: claimer.namespace },
            ],
        },
    ];
}

/**
 * Everything the stack applies for the warm pool, in apply order: per tier the pool namespace's objects, then the
 * keeper's Namespace, ServiceAccount, ingress deny, ConfigMap and Deployment. The Deployment's checksum annotation
 * rolls the keeper when its program or config changes.
 */
export function warmPoolObjects(input: WarmPoolInput): KubeObject[] {
    const tiers = checked(input);
    const configJson = `${JSON.stringify(keeperConfig(input), null, 2)}\n`;
    const text = keeperProgram();
    const checksum = createHash("sha256").update(text).update("\0").update(configJson).digest("hex");
    const labels = { "app.kubernetes.io/name": KEEPER_NAME, "app.kubernetes.io/part-of": KEEPER_NAME };
    const meta = { name: KEEPER_NAME, namespace: KEEPER_NAMESPACE, labels };
    const resources = { cpu: "50m", memory: "96Mi" };
    return [
        ...tiers.flatMap((t) => poolObjects(t, input)),
        namespace(KEEPER_NAMESPACE, labels),
        { apiVersion: "v1", kind: "ServiceAccount", metadata: meta, automountServiceAccountToken: true },
        {
            apiVersion: "networking.k8s.io/v1",
            kind: "NetworkPolicy",
            metadata: { ...meta, name: POOL_OBJECT_NAMES.ingressDeny },
            // Nothing talks to the keeper; its egress (the API server only) stays open, as k3s's API server sits
            // behind a DNAT that egress policies match unreliably.
            spec: { podSelector: {}, policyTypes: ["Ingress"] },
        },
        {
            apiVersion: "v1",
            kind: "ConfigMap",
            metadata: meta,
            data: { [KEEPER_FILES.program]: text, [KEEPER_FILES.config]: configJson },
        },
        {
            apiVersion: "apps/v1",
            kind: "Deployment",
            metadata: meta,
            spec: {
                replicas: 1,
                // Two keepers side by side would both fill the same gap; the quota would still hold.
                strategy: { type: "Recreate" },
                selector: { matchLabels: labels },
                template: {
                    metadata: { labels, annotations: { [KEEPER_CHECKSUM_ANNOTATION]: checksum } },
                    spec: {
                        serviceAccountName: KEEPER_NAME,
                        automountServiceAccountToken: true,
                        enableServiceLinks: false,
                        // An add-on: it may run on the system pool (tainted for add-ons) or the app pools.
                        tolerations: [
                            {
                                key: POOL_KIND_LABEL,
                                operator: "Equal",
                                value: "system",
                                effect: "NoSchedule",
                            },
                        ],
                        securityContext: {
                            runAsNonRoot: true,
                            runAsUser: KEEPER_UID,
                            runAsGroup: KEEPER_UID,
                            seccompProfile: { type: "RuntimeDefault" },
                        },
                        containers: [
                            {
                                name: "keeper",
                                image: input.keeperImage ?? KEEPER_IMAGE,
                                command: [
                                    "node",
                                    "--max-old-space-size=48",
                                    `${KEEPER_DIR}/${KEEPER_FILES.program}`,
                                ],
                                env: [
                                    { name: "KEEPER_CONFIG", value: `${KEEPER_DIR}/${KEEPER_FILES.config}` },
                                ],
                                resources: { requests: { ...resources }, limits: { ...resources } },
                                securityContext: {
                                    allowPrivilegeEscalation: false,
                                    capabilities: { drop: ["ALL"] },
                                    readOnlyRootFilesystem: true,
                                    runAsNonRoot: true,
                                },
                                volumeMounts: [{ name: "keeper", mountPath: KEEPER_DIR, readOnly: true }],
                            },
                        ],
                        volumes: [{ name: "keeper", configMap: { name: KEEPER_NAME, defaultMode: 0o444 } }],
                    },
                },
            },
        },
    ];
}

/**
 * The warm pool's tiers from the cluster plan: each shared tier's agent pool(s), with maxPods its nodes at the
 * autoscaler's maximum times the tier's maxPerNode, and the seed's target. Tiers without a pool get none.
 */
export function warmPoolTiers(plan: ClusterPlan): WarmPoolTier[] {
    const byTier = new Map<TierName, number>();
    for (const p of plan.pools) {
        if (p.kind !== "agents" || p.tier === undefined || p.customer !== undefined) continue;
        const spec = TIERS[p.tier];
        if (spec.dedicated || spec.prewarm === 0 || spec.maxPerNode === undefined) continue;
        byTier.set(p.tier, (byTier.get(p.tier) ?? 0) + (p.nodes + p.autoscaleMax) * spec.maxPerNode);
    }
    return [...byTier].map(([tier, maxPods]) => ({ tier, maxPods }));
}
