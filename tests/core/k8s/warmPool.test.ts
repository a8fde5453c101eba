/**
 * The warm pool's objects and the keeper's decision logic: schema-valid objects in apply order, warm pods that
 * meet Pod Security restricted on their tier's pool, quotas of maxPods × the tier's figures, a keeper Role with
 * nothing beyond list/create/delete pods and get its quota, the pack finding nothing mandatory, and the pure
 * `decide` of core/k8s/keeper/keeper.mjs (the one the running keeper uses) over observed pods and quotas.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { Agents } from "../../../core/capacity/config";
import { DEFAULT_SYSTEM_RESERVE_MB } from "../../../core/capacity/plan";
import { cpuLimit, TIERS, type TierName } from "../../../core/capacity/tiers";
import { Kubernetes } from "../../../core/config/kubernetes";
import { TENANT_LABEL, TIER_LABEL } from "../../../core/contracts/labels";
import { clusterPlan } from "../../../core/k8s/clusterPlan";
import type { KeeperPod, KeeperPool, KeeperQuota } from "../../../core/k8s/keeper/keeper.mjs";
import type { KubeObject } from "../../../core/k8s/objects";
import { tenantPodPlacement, TENANT_SERVICE_ACCOUNT } from "../../../core/k8s/tenants";
import {
    agentPoolNamespace,
    CLAIM_LABEL,
    claimPatch,
    KEEPER_FILES,
    CLAIMER_ROLE,
    KEEPER_NAME,
    KEEPER_NAMESPACE,
    keeperConfig,
    keeperProgram,
    POOL_OBJECT_NAMES,
    TEMPLATE_HASH_LABEL,
    WARM_LABEL,
    warmPodTemplate,
    warmPoolObjects,
    warmPoolTiers,
    warmSelector,
    type WarmPoolInput,
} from "../../../core/k8s/warmPool";
import { MIB, parseQuantity } from "../../../policies/caps/quantity";
import { k8sResourceLimits } from "../../../policies/caps/pods";
import { evaluatePolicies, type PolicyResource } from "../../../policies/evaluate";
import { runPolicy } from "../../../policies/lib/run";
import { k8sPodSecurity, k8sReadOnlyRoot } from "../../../policies/sandbox/pods";
import { podSpecViolations } from "../../../policies/sandbox/pss/judge";
import type { PodMetadata, PodSpec } from "../../../policies/sandbox/pss/types";
import { kubeSchemaProblems } from "../../helpers/kubeSchemas";
import { POD_SECURITY_FIXTURES } from "../../helpers/podSecurityFixtures";

type Keeper = typeof import("../../../core/k8s/keeper/keeper.mjs");
let keeper: Keeper;
beforeAll(async () => {
    keeper = await import("../../../core/k8s/keeper/keeper.mjs");
});

const IMAGE = "ghcr.io/acme/agent:1.4.2";
const INPUT: WarmPoolInput = {
    image: IMAGE,
    tiers: [
        { tier: "free", maxPods: 150 },
        { tier: "pro", maxPods: 60 },
        { tier: "business", maxPods: 30 },
    ],
    ingressNamespace: "traefik",
    claimer: { namespace: "app", serviceAccount: "api", podLabels: { "app.kubernetes.io/name": "api" } },
    intervalSeconds: 15,
};
const SHARED = ["free", "pro", "business"] as const;

type Json = Record<string, unknown>;
const objects = () => warmPoolObjects(INPUT);
function only(os: KubeObject[], kind: string, namespace: string, name?: string): Json {
    const found = os.filter(
        (o) =>
            o.kind === kind &&
            o.metadata.namespace === namespace &&
            (name === undefined || o.metadata.name === name),
    );
    if (found.length !== 1) throw new Error(`expected one ${kind} in ${namespace}, found ${found.length}`);
    return found[0] as Json;
}

function warmPod(tier: TierName): KubeObject {
    const t = warmPodTemplate(tier, IMAGE);
    return {
        apiVersion: "v1",
        kind: "Pod",
        metadata: {
            name: `warm-${tier}-abcde`,
            namespace: agentPoolNamespace(tier),
            labels: t.metadata.labels,
        },
        spec: t.spec,
    };
}

function asResource(o: KubeObject): PolicyResource {
    const [group, version] = o.apiVersion.includes("/") ? o.apiVersion.split("/") : ["core", o.apiVersion];
    return {
        type: `kubernetes:${group}/${version}:${o.kind}`,
        name: o.metadata.namespace ? `${o.metadata.namespace}/${o.metadata.name}` : o.metadata.name,
        urn: `urn:pulumi:phase5::phase-stacks::kubernetes:${group}/${version}:${o.kind}::${o.metadata.namespace ?? ""}-${o.metadata.name}`,
        props: structuredClone(o),
    };
}

describe("warmPoolObjects", () => {
    it("builds schema-valid objects, each namespace before what lives in it", () => {
        const os = objects();
        expect(os.flatMap(kubeSchemaProblems)).toEqual([]);
        for (const tier of SHARED) expect(kubeSchemaProblems(warmPod(tier))).toEqual([]);
        const namespaces = os.filter((o) => o.kind === "Namespace").map((o) => o.metadata.name);
        expect(namespaces).toEqual([...SHARED.map(agentPoolNamespace), KEEPER_NAMESPACE]);
        os.forEach((o, i) => {
            if (o.kind === "Namespace") return;
            const at = os.findIndex(
                (n) => n.kind === "Namespace" && n.metadata.name === o.metadata.namespace,
            );
            expect(at, `${o.kind} ${o.metadata.name}`).toBeGreaterThanOrEqual(0);
            expect(at).toBeLessThan(i);
        });
        expect(os.filter((o) => /^Cluster/.test(o.kind))).toEqual([]);
    });

    it("enforces restricted Pod Security at the latest version on every namespace, none labelled as a tenant", () => {
        for (const ns of objects().filter((o) => o.kind === "Namespace")) {
            const labels = ns.metadata.labels ?? {};
            for (const mode of ["enforce", "audit", "warn"]) {
                expect(labels[`pod-security.kubernetes.io/${mode}`]).toBe("restricted");
                expect(labels[`pod-security.kubernetes.io/${mode}-version`]).toBe("latest");
            }
            expect(labels[TENANT_LABEL]).toBeUndefined();
        }
    });

    it.each(SHARED.map((t) => [t]))("caps the %s pool at maxPods × the tier's figures", (tier) => {
        const maxPods = INPUT.tiers.find((t) => t.tier === tier)?.maxPods ?? 0;
        const quota = only(objects(), "ResourceQuota", agentPoolNamespace(tier), POOL_OBJECT_NAMES.quota);
        const hard = (quota["spec"] as { hard: Record<string, string> }).hard;
        expect(Number(hard["pods"])).toBe(maxPods);
        for (const k of ["requests.cpu", "limits.cpu"])
            expect(parseQuantity(hard[k])).toBeCloseTo(maxPods * cpuLimit(TIERS[tier]), 9);
        for (const k of ["requests.memory", "limits.memory"])
            expect(parseQuantity(hard[k])).toBe(maxPods * TIERS[tier].memoryMb * MIB);
        for (const k of ["persistentvolumeclaims", "services.loadbalancers", "services.nodeports"])
            expect(hard[k]).toBe("0");
    });

    it("gives each pool the tenant bundle's guards: limit range, default deny, DNS, ingress, token-less SA", () => {
        for (const tier of SHARED) {
            const os = objects().filter((o) => o.metadata.namespace === agentPoolNamespace(tier));
            expect(os.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
                `ResourceQuota/${POOL_OBJECT_NAMES.quota}`,
                `LimitRange/${POOL_OBJECT_NAMES.limits}`,
                "NetworkPolicy/default-deny",
                "NetworkPolicy/allow-dns",
                "NetworkPolicy/allow-from-ingress",
                `ServiceAccount/${TENANT_SERVICE_ACCOUNT}`,
                `Role/${KEEPER_NAME}`,
                `RoleBinding/${KEEPER_NAME}`,
                `Role/${CLAIMER_ROLE}`,
                `RoleBinding/${CLAIMER_ROLE}`,
            ]);
            // Agents take traffic from the ingress and from the api, nothing else.
            const allow = only(os, "NetworkPolicy", agentPoolNamespace(tier), "allow-from-ingress");
            expect((allow["spec"] as { ingress: { from: unknown[] }[] }).ingress[0]?.from).toEqual([
                { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "traefik" } } },
                {
                    namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "app" } },
                    podSelector: { matchLabels: { "app.kubernetes.io/name": "api" } },
                },
            ]);
            const deny = only(os, "NetworkPolicy", agentPoolNamespace(tier), "default-deny");
            expect(deny["spec"]).toEqual({ podSelector: {}, policyTypes: ["Ingress", "Egress"] });
            const sa = only(os, "ServiceAccount", agentPoolNamespace(tier));
            expect(sa["automountServiceAccountToken"]).toBe(false);
            for (const o of os) expect(o.metadata.labels?.[TENANT_LABEL]).toBeUndefined();
        }
    });

    it("grants the keeper list/create/delete on pods and get on its quota, in the pool namespaces only", () => {
        const os = objects();
        for (const tier of SHARED) {
            const ns = agentPoolNamespace(tier);
            expect(only(os, "Role", ns, KEEPER_NAME)["rules"]).toEqual([
                { apiGroups: [""], resources: ["pods"], verbs: ["list", "create", "delete"] },
                {
                    apiGroups: [""],
                    resources: ["resourcequotas"],
                    verbs: ["get"],
                    resourceNames: [POOL_OBJECT_NAMES.quota],
                },
            ]);
            const binding = only(os, "RoleBinding", ns, KEEPER_NAME);
            expect(binding["roleRef"]).toEqual({
                apiGroup: "rbac.authorization.k8s.io",
                kind: "Role",
                name: KEEPER_NAME,
            });
            expect(binding["subjects"]).toEqual([
                { kind: "ServiceAccount", name: KEEPER_NAME, namespace: KEEPER_NAMESPACE },
            ]);
        }
        expect(os.filter((o) => o.kind === "Role" && o.metadata.namespace === KEEPER_NAMESPACE)).toEqual([]);
    });

    it("lets the claimer (the api's ServiceAccount) read, claim and release pods in each pool, nothing more", () => {
        const os = objects();
        for (const tier of SHARED) {
            const ns = agentPoolNamespace(tier);
            expect(only(os, "Role", ns, CLAIMER_ROLE)["rules"]).toEqual([
                { apiGroups: [""], resources: ["pods"], verbs: ["get", "list", "patch", "delete"] },
            ]);
            const binding = only(os, "RoleBinding", ns, CLAIMER_ROLE);
            expect(binding["roleRef"]).toMatchObject({ kind: "Role", name: CLAIMER_ROLE });
            expect(binding["subjects"]).toEqual([{ kind: "ServiceAccount", name: "api", namespace: "app" }]);
        }
    });

    it("runs one restricted keeper on a pinned image with the program and config from its ConfigMap", () => {
        const os = objects();
        const cm = only(os, "ConfigMap", KEEPER_NAMESPACE)["data"] as Record<string, string>;
        expect(cm[KEEPER_FILES.program]).toBe(
            readFileSync(resolve(__dirname, "../../../core/k8s/keeper/keeper.mjs"), "utf8"),
        );
        expect(JSON.parse(cm[KEEPER_FILES.config] ?? "")).toEqual(
            JSON.parse(JSON.stringify(keeperConfig(INPUT))),
        );
        const deployment = only(os, "Deployment", KEEPER_NAMESPACE) as {
            spec: { replicas: number; strategy: unknown; template: { metadata: PodMetadata; spec: PodSpec } };
        };
        expect(deployment.spec.replicas).toBe(1);
        expect(deployment.spec.strategy).toEqual({ type: "Recreate" });
        const { spec, metadata } = deployment.spec.template;
        expect(podSpecViolations(spec, "restricted", metadata)).toEqual([]);
        const image = String(spec.containers?.[0]?.image);
        expect(image).toMatch(/:\d+\.\d+\.\d+-alpine$|@sha256:[a-f0-9]{64}$/);
        expect((spec as Json)["serviceAccountName"]).toBe(KEEPER_NAME);
        const other = warmPoolObjects({ ...INPUT, tiers: [{ tier: "free", maxPods: 10 }] });
        const sum = (os2: KubeObject[]) =>
            (only(os2, "Deployment", KEEPER_NAMESPACE) as { spec: { template: { metadata: PodMetadata } } })
                .spec.template.metadata.annotations;
        expect(sum(other)).not.toEqual(sum(os));
    });

    it("is judged clean by the pack: no mandatory violation over the objects and a warm pod of each tier", () => {
        const rs = [...objects(), ...SHARED.map(warmPod)].map(asResource);
        expect(
            evaluatePolicies(rs, { phase: "phase5" })
                .filter((v) => v.level === "mandatory")
                .map((v) => `${v.policy}: ${v.message}`),
        ).toEqual([]);
        for (const p of [k8sPodSecurity, k8sReadOnlyRoot, k8sResourceLimits])
            expect(runPolicy(p, rs).map((v) => v.message)).toEqual([]);
    });
});

describe("warmPodTemplate", () => {
    it("meets restricted, with a judge that rejects every known-bad restricted fixture", () => {
        const bad = POD_SECURITY_FIXTURES.filter((f) => f.level === "restricted" && f.expect === "fail");
        expect(bad.length).toBeGreaterThan(0);
        expect(
            bad.filter((f) => podSpecViolations(f.object.spec, "restricted", f.object.metadata).length === 0),
        ).toEqual([]);
        for (const tier of SHARED) {
            const t = warmPodTemplate(tier, IMAGE);
            expect(podSpecViolations(t.spec as PodSpec, "restricted", t.metadata)).toEqual([]);
        }
    });

    it("lands on the tier's pool with the tier's resources, labelled warm, tier and template hash", () => {
        for (const tier of SHARED) {
            const { metadata, spec } = warmPodTemplate(tier, IMAGE);
            const placement = tenantPodPlacement({ name: "x", tier, containers: 1 });
            expect(spec["nodeSelector"]).toEqual(placement.nodeSelector);
            expect(spec["tolerations"]).toEqual(placement.tolerations);
            expect(metadata.labels[WARM_LABEL]).toBe("true");
            expect(metadata.labels[TIER_LABEL]).toBe(tier);
            expect(metadata.labels[TEMPLATE_HASH_LABEL]).toMatch(/^[a-f0-9]{16}$/);
            expect(metadata.generateName).toBe(`warm-${tier}-`);
            const c = (spec["containers"] as { resources: Record<string, Record<string, string>> }[])[0];
            expect(parseQuantity(c?.resources["limits"]?.["memory"])).toBe(TIERS[tier].memoryMb * MIB);
            expect(spec["automountServiceAccountToken"]).toBe(false);
        }
    });

    it("changes its hash with the image, so the keeper replaces outdated warm pods", () => {
        const a = warmPodTemplate("pro", IMAGE).metadata.labels[TEMPLATE_HASH_LABEL];
        const b = warmPodTemplate("pro", "ghcr.io/acme/agent:1.4.3").metadata.labels[TEMPLATE_HASH_LABEL];
        expect(a).not.toBe(b);
        expect(warmPodTemplate("pro", IMAGE).metadata.labels[TEMPLATE_HASH_LABEL]).toBe(a);
    });
});

describe("keeperConfig, warmPoolTiers and claimPatch", () => {
    it("targets the seed's pre-warm counts (free 20, pro 10, business 5) unless told otherwise", () => {
        expect(keeperConfig(INPUT).pools.map((p) => [p.tier, p.target, p.namespace])).toEqual([
            ["free", 20, "agents-free"],
            ["pro", 10, "agents-pro"],
            ["business", 5, "agents-business"],
        ]);
        const custom = keeperConfig({ ...INPUT, tiers: [{ tier: "pro", maxPods: 5, target: 3 }] });
        expect(custom.pools.map((p) => p.target)).toEqual([3]);
    });

    it("reads each shared tier's pod budget from the cluster plan: nodes at the autoscaler maximum × maxPerNode", () => {
        const plan = clusterPlan(
            Kubernetes.parse({
                version: "v1.33.13+k3s2",
                controlPlane: { type: "cx33", count: 3 },
                nodePools: [{ name: "system", role: "system", type: "cx23", min: 2, max: 2 }],
            }),
            Agents.parse({
                image: IMAGE,
                tiers: { free: { activeUsers: 100 }, pro: { activeUsers: 50 }, business: { activeUsers: 0 } },
                enterprise: [{ name: "acme", activeUsers: 5 }],
            }),
            "10.0.1.0/24",
            DEFAULT_SYSTEM_RESERVE_MB,
        );
        const tiers = warmPoolTiers(plan);
        expect(tiers.map((t) => t.tier)).toEqual(["free", "pro"]);
        for (const t of tiers) {
            const pools = plan.pools.filter((p) => p.tier === t.tier && !p.customer);
            const max =
                pools.reduce((n, p) => n + p.nodes + p.autoscaleMax, 0) * (TIERS[t.tier].maxPerNode ?? 0);
            expect(t.maxPods).toBe(max);
            expect(t.maxPods).toBeGreaterThan(0);
        }
        expect(warmPoolObjects({ ...INPUT, tiers }).flatMap(kubeSchemaProblems)).toEqual([]);
    });

    it("claims with a conditional merge patch: warm removed, tenant set, the listed resourceVersion", () => {
        expect(claimPatch("acme", "4711")).toEqual({
            metadata: { resourceVersion: "4711", labels: { [WARM_LABEL]: null, [CLAIM_LABEL]: "acme" } },
        });
        expect(CLAIM_LABEL).toBe(TENANT_LABEL);
        expect(warmSelector("pro")).toBe(`${WARM_LABEL}=true,${TIER_LABEL}=pro`);
        expect(() => claimPatch("Acme Inc", "1")).toThrow(/not a DNS label/);
        expect(() => claimPatch("acme", "")).toThrow(/resourceVersion/);
    });

    it.each([
        ["no tier", { tiers: [] }, /no tier has a warm pool/],
        ["the enterprise tier", { tiers: [{ tier: "enterprise", maxPods: 5 }] }, /dedicated pools/],
        [
            "a tier twice",
            {
                tiers: [
                    { tier: "free", maxPods: 5 },
                    { tier: "free", maxPods: 6 },
                ],
            },
            /listed twice/,
        ],
        ["no pods", { tiers: [{ tier: "free", maxPods: 0 }] }, /maxPods is 0/],
        ["half a target", { tiers: [{ tier: "free", maxPods: 5, target: 1.5 }] }, /target is 1.5/],
        ["a 2 s interval", { intervalSeconds: 2 }, /intervalSeconds is 2/],
        ["a bad keeper image", { keeperImage: "Node 20" }, /keeper image/],
        ["a bad agent image", { image: "not an image" }, /image "not an image"/],
    ] as const)("rejects %s", (_, change, message) => {
        expect(() => warmPoolObjects({ ...INPUT, ...change })).toThrow(message);
    });
});

/* ---------------------------------------------------------------------------------------------------------------- */

const LABELS = keeperConfig(INPUT).labels;
const POOL = (target: number): KeeperPool => {
    const p = keeperConfig({ ...INPUT, tiers: [{ tier: "pro", maxPods: 60, target }] }).pools[0];
    if (!p) throw new Error("no pool");
    return p;
};

let serial = 0;
function observed(
    pool: KeeperPool,
    opts: {
        warm?: boolean;
        phase?: string;
        reason?: string;
        hash?: string;
        ready?: boolean;
        deleting?: boolean;
        waiting?: string;
    } = {},
): KeeperPod {
    serial++;
    const labels: Record<string, string> = { ...pool.pod.metadata.labels };
    if (opts.warm === false) {
        delete labels[LABELS.warm];
        labels[TENANT_LABEL] = "acme";
    }
    if (opts.hash) labels[LABELS.templateHash] = opts.hash;
    return {
        metadata: {
            name: `warm-pro-${serial}`,
            resourceVersion: String(serial),
            creationTimestamp: new Date(Date.UTC(2026, 0, 1, 0, 0, serial)).toISOString(),
            labels,
            ...(opts.deleting ? { deletionTimestamp: "2026-01-01T00:00:00Z" } : {}),
        },
        ...(pool.pod.spec ? { spec: pool.pod.spec } : {}),
        status: {
            phase: opts.phase ?? "Running",
            ...(opts.reason ? { reason: opts.reason } : {}),
            conditions: [{ type: "Ready", status: opts.ready === false ? "False" : "True" }],
            ...(opts.waiting
                ? { containerStatuses: [{ name: "agent", state: { waiting: { reason: opts.waiting } } }] }
                : {}),
        },
    };
}

/** The pool namespace's quota as warmPoolObjects builds it, with the controller's status (used may lag). */
function quota(maxPods: number, usedPods?: number): KeeperQuota {
    const os = warmPoolObjects({ ...INPUT, tiers: [{ tier: "pro", maxPods }] });
    const hard = (only(os, "ResourceQuota", "agents-pro")["spec"] as { hard: Record<string, string> }).hard;
    return {
        spec: { hard },
        status: { hard, used: usedPods === undefined ? {} : { pods: String(usedPods) } },
    };
}

describe("the keeper's decide (keeper.mjs)", () => {
    it("parses quantities as the pack does", () => {
        for (const q of ["250m", "0.5", "512Mi", "1Gi", "3", "1e3", "2k", "bad", "", "12Zi", 7])
            expect(keeper.parseQuantity(q)).toBe(parseQuantity(q));
    });

    it("fills an empty pool to the target", () => {
        const d = keeper.decide(POOL(10), LABELS, [], quota(60));
        expect(d).toMatchObject({ create: 10, remove: [], warm: 0, claimed: 0, blocked: undefined });
    });

    it("creates only what the quota has room for, counting claimed pods against it", () => {
        const pool = POOL(10);
        const pods = [observed(pool), observed(pool, { warm: false }), observed(pool, { warm: false })];
        const d = keeper.decide(pool, LABELS, pods, quota(5));
        expect(d.create).toBe(2);
        expect(d.warm).toBe(1);
        expect(d.claimed).toBe(2);
        expect(d.blocked).toMatch(/^pods /);
        expect(keeper.decide(pool, LABELS, pods, quota(3)).create).toBe(0);
    });

    it("trusts the larger of the quota's status and the listed pods (the controller's status lags)", () => {
        const pool = POOL(10);
        const pods = [observed(pool), observed(pool)];
        expect(keeper.decide(pool, LABELS, pods, quota(4, 0)).create).toBe(2);
        expect(keeper.decide(pool, LABELS, [], quota(4, 3)).create).toBe(1);
    });

    it("binds on compute as well as pods: a quota of 2 pods' memory admits 2 whatever its pods say", () => {
        const pool = POOL(10);
        const q = quota(60);
        const hard = { ...(q.status?.hard ?? {}), "limits.memory": `${2 * TIERS.pro.memoryMb}Mi` };
        const d = keeper.decide(pool, LABELS, [], { status: { hard, used: {} } });
        expect(d.create).toBe(2);
        expect(d.blocked).toMatch(/^limits\.memory/);
    });

    it("creates nothing without a quota", () => {
        const d = keeper.decide(POOL(10), LABELS, [], null);
        expect(d.create).toBe(0);
        expect(d.blocked).toBe("no ResourceQuota");
    });

    it("deletes failed and evicted warm pods, never claimed ones, and ignores pods being deleted", () => {
        const pool = POOL(3);
        const evicted = observed(pool, { phase: "Failed", reason: "Evicted" });
        const done = observed(pool, { phase: "Succeeded" });
        const claimedFailed = observed(pool, { warm: false, phase: "Failed" });
        const going = observed(pool, { deleting: true });
        const d = keeper.decide(
            pool,
            LABELS,
            [evicted, done, claimedFailed, going, observed(pool)],
            quota(60),
        );
        expect(d.remove.map((r) => [r.name, r.reason])).toEqual([
            [evicted.metadata.name, "failed (Evicted)"],
            [done.metadata.name, "failed (Succeeded)"],
        ]);
        expect(d.remove[0]?.resourceVersion).toBe(evicted.metadata.resourceVersion);
        expect(d.warm).toBe(1);
        expect(d.create).toBe(2);
    });

    it("replaces warm pods stuck crash-looping or failing to pull, but not one that is only starting", () => {
        const pool = POOL(3);
        const looping = observed(pool, { ready: false, waiting: "CrashLoopBackOff" });
        const pulling = observed(pool, { ready: false, waiting: "ImagePullBackOff" });
        const starting = observed(pool, { ready: false, waiting: "ContainerCreating" });
        const claimedLooping = observed(pool, { warm: false, waiting: "CrashLoopBackOff" });
        const d = keeper.decide(pool, LABELS, [looping, pulling, starting, claimedLooping], quota(60));
        expect(d.remove.map((r) => [r.name, r.reason])).toEqual([
            [looping.metadata.name, "stuck (CrashLoopBackOff)"],
            [pulling.metadata.name, "stuck (ImagePullBackOff)"],
        ]);
        expect(d.warm).toBe(1);
        expect(d.create).toBe(2);
    });

    it("replaces outdated warm pods: all at once with room, as many as the quota is short by without", () => {
        const pool = POOL(3);
        const stale = [1, 2, 3].map(() => observed(pool, { hash: "0000000000000000" }));
        const roomy = keeper.decide(pool, LABELS, stale, quota(60));
        expect(roomy.create).toBe(3);
        expect(roomy.remove.map((r) => r.reason)).toEqual(Array(3).fill("outdated template"));
        const tight = keeper.decide(pool, LABELS, stale, quota(4));
        expect(tight.create).toBe(1);
        expect(tight.remove.map((r) => r.name)).toEqual(stale.slice(0, 2).map((p) => p.metadata.name));
    });

    it("trims a pool above its target, not-ready and newest pods first, and leaves a full pool alone", () => {
        const pool = POOL(2);
        const [a, b, c, d] = [
            observed(pool),
            observed(pool),
            observed(pool, { ready: false }),
            observed(pool),
        ];
        const decision = keeper.decide(
            pool,
            LABELS,
            [a, b, c, d].filter((p) => p !== undefined),
            quota(60),
        );
        expect(decision.create).toBe(0);
        expect(decision.remove.map((r) => r.name)).toEqual([c?.metadata.name, d?.metadata.name]);
        const stale = [
            observed(pool, { hash: "0000000000000000" }),
            observed(pool, { hash: "0000000000000000" }),
        ];
        const over = keeper.decide(
            pool,
            LABELS,
            [observed(pool), observed(pool), observed(pool), ...stale],
            quota(60),
        );
        expect(over.create).toBe(0);
        expect(over.remove.map((r) => r.reason)).toEqual([
            "outdated template",
            "outdated template",
            "above the target of 2",
        ]);
        const full = keeper.decide(pool, LABELS, [observed(pool), observed(pool)], quota(60));
        expect(full).toMatchObject({ create: 0, remove: [], warm: 2, blocked: undefined });
    });

    it("is the program the ConfigMap ships", () => {
        expect(keeperProgram()).toContain("export function decide(pool, labels, pods, quota)");
    });
});
