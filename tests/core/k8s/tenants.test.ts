/**
 * The per-tenant bundle: schema-valid objects, a quota that is containers × the tier's figures, network policies
 * that deny all but DNS and the ingress controller, a restricted pod template, and the pack's own tenant and
 * Pod Security policies finding nothing to report (and firing when a guard is taken away).
 */
import { describe, expect, it } from "vitest";
import { Agents } from "../../../core/capacity/config";
import { DEFAULT_SYSTEM_RESERVE_MB } from "../../../core/capacity/plan";
import { cpuLimit, TIERS, type TierName } from "../../../core/capacity/tiers";
import { Kubernetes } from "../../../core/config/kubernetes";
import { TENANT_LABEL, TIER_LABEL } from "../../../core/contracts/labels";
import { clusterPlan, CUSTOMER_LABEL, type PoolPlan } from "../../../core/k8s/clusterPlan";
import type { KubeObject } from "../../../core/k8s/objects";
import {
    TENANT_SERVICE_ACCOUNT,
    tenantNamespace,
    tenantObjects,
    tenantPodPlacement,
    tenantPodTemplate,
    type TenantSpec,
} from "../../../core/k8s/tenants";
import { MIB, parseQuantity } from "../../../policies/caps/quantity";
import { k8sResourceLimits } from "../../../policies/caps/pods";
import { tenantDefaultDeny, tenantLimitRange, tenantResourceQuota } from "../../../policies/caps/tenants";
import { evaluatePolicies, type PolicyResource } from "../../../policies/evaluate";
import { runPolicy } from "../../../policies/lib/run";
import { T } from "../../../policies/lib/typeTokens";
import {
    k8sPodSecurity,
    k8sReadOnlyRoot,
    k8sTenantNamespaceEnforcesRestricted,
} from "../../../policies/sandbox/pods";
import { podSpecViolations } from "../../../policies/sandbox/pss/judge";
import type { PodSpec } from "../../../policies/sandbox/pss/types";
import { kubeSchemaProblems } from "../../helpers/kubeSchemas";
import { POD_SECURITY_FIXTURES } from "../../helpers/podSecurityFixtures";

const PLATFORM = { ingressNamespace: "traefik" } as const;
const IMAGE = "ghcr.io/acme/agent:1.4.2";

const TENANTS: readonly TenantSpec[] = [
    { name: "alice", tier: "free", containers: 1 },
    { name: "bob", tier: "pro", containers: 3 },
    { name: "carol-co", tier: "business", containers: 7 },
    { name: "acme", tier: "enterprise", containers: 12, customer: "acme" },
];
const byTier = (tier: TierName) => {
    const t = TENANTS.find((x) => x.tier === tier);
    if (!t) throw new Error(`no ${tier} tenant`);
    return t;
};

type Json = Record<string, unknown>;
/** A deep, mutable copy of an object, for tests that break one field. */
const copy = <T>(o: T): T => structuredClone<T>(o);

function only(objects: KubeObject[], kind: string, name?: string): Json {
    const found = objects.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
    if (found.length !== 1) throw new Error(`expected one ${kind} ${name ?? ""}, found ${found.length}`);
    return found[0] as Json;
}
const hard = (objects: KubeObject[]) =>
    (only(objects, "ResourceQuota")["spec"] as { hard: Record<string, string> }).hard;

function podOf(t: TenantSpec): KubeObject {
    const template = tenantPodTemplate(t, IMAGE);
    return {
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name: `${t.name}-agent`, ...template.metadata },
        spec: template.spec,
    };
}

/** A Kubernetes object as the Pulumi provider registers it: type token from apiVersion and kind, props = object. */
function asResource(o: KubeObject, opts?: PolicyResource["opts"]): PolicyResource {
    const [group, version] = o.apiVersion.includes("/") ? o.apiVersion.split("/") : ["core", o.apiVersion];
    return {
        type: `kubernetes:${group}/${version}:${o.kind}`,
        name: o.metadata.namespace ? `${o.metadata.namespace}/${o.metadata.name}` : o.metadata.name,
        urn: `urn:pulumi:phase5::phase-stacks::kubernetes:${group}/${version}:${o.kind}::${o.metadata.name}`,
        props: copy(o),
        ...(opts ? { opts } : {}),
    };
}
const bundleResources = (t: TenantSpec, objects = tenantObjects(t, PLATFORM)) =>
    objects.map((o) => asResource(o, o.kind === "Namespace" ? { protect: true } : undefined));

const TENANT_POLICIES = [
    tenantResourceQuota,
    tenantLimitRange,
    tenantDefaultDeny,
    k8sTenantNamespaceEnforcesRestricted,
];
const messages = (policy: (typeof TENANT_POLICIES)[number], rs: PolicyResource[]) =>
    runPolicy(policy, rs).map((v) => v.message);

describe("tenantObjects", () => {
    it.each(TENANTS.map((t) => [t.tier, t] as const))(
        "builds a schema-valid bundle for a %s tenant, in apply order",
        (_, t) => {
            const objects = tenantObjects(t, PLATFORM);
            expect(objects.flatMap(kubeSchemaProblems)).toEqual([]);
            expect(kubeSchemaProblems(podOf(t))).toEqual([]);
            expect(objects.map((o) => o.kind)).toEqual([
                "Namespace",
                "ResourceQuota",
                "LimitRange",
                "NetworkPolicy",
                "NetworkPolicy",
                "NetworkPolicy",
                "ServiceAccount",
            ]);
            const ns = tenantNamespace(t.name);
            expect(objects[0]?.metadata.name).toBe(ns);
            for (const o of objects.slice(1)) expect(o.metadata.namespace).toBe(ns);
        },
    );

    it("fails the schema check when an object is broken", () => {
        const objects = tenantObjects(byTier("pro"), PLATFORM);
        const sa = copy(only(objects, "ServiceAccount"));
        sa["automountServiceAccountToken"] = "no";
        expect(kubeSchemaProblems(sa as unknown as KubeObject)).not.toEqual([]);
        const lr = copy(only(objects, "LimitRange"));
        lr["spec"] = { limits: { type: "Container" } };
        expect(kubeSchemaProblems(lr as unknown as KubeObject)).not.toEqual([]);
    });

    it("labels the namespace with tenant, tier, customer and restricted Pod Security at the latest version", () => {
        for (const t of TENANTS) {
            const labels = tenantObjects(t, PLATFORM)[0]?.metadata.labels ?? {};
            expect(labels[TENANT_LABEL]).toBe(t.name);
            expect(labels[TIER_LABEL]).toBe(t.tier);
            expect(labels[CUSTOMER_LABEL]).toBe(t.customer);
            for (const mode of ["enforce", "audit", "warn"]) {
                expect(labels[`pod-security.kubernetes.io/${mode}`]).toBe("restricted");
                expect(labels[`pod-security.kubernetes.io/${mode}-version`]).toBe("latest");
            }
        }
    });

    it.each(TENANTS.map((t) => [t.tier, t] as const))(
        "sizes the %s quota to containers × the tier's per-container figures, with no storage, LB or node port",
        (_, t) => {
            const h = hard(tenantObjects(t, PLATFORM));
            const tier = TIERS[t.tier];
            const cpu = t.containers * cpuLimit(tier);
            const memory = t.containers * tier.memoryMb * MIB;
            expect(Number(h["pods"])).toBe(t.containers);
            for (const k of ["requests.cpu", "limits.cpu"]) expect(parseQuantity(h[k])).toBeCloseTo(cpu, 9);
            for (const k of ["requests.memory", "limits.memory"]) expect(parseQuantity(h[k])).toBe(memory);
            for (const k of [
                "services.loadbalancers",
                "services.nodeports",
                "persistentvolumeclaims",
                "requests.storage",
            ])
                expect(parseQuantity(h[k])).toBe(0);
        },
    );

    it("defaults, requests and caps every container at the tier's figures, so limitless pods fill the quota exactly", () => {
        for (const t of TENANTS) {
            const objects = tenantObjects(t, PLATFORM);
            const spec = only(objects, "LimitRange")["spec"] as { limits: Json[] };
            const container = spec.limits.find((l) => l["type"] === "Container") as Record<
                string,
                Record<string, string>
            >;
            const tier = TIERS[t.tier];
            for (const field of ["default", "defaultRequest", "max"]) {
                expect(parseQuantity(container[field]?.["cpu"])).toBeCloseTo(cpuLimit(tier), 9);
                expect(parseQuantity(container[field]?.["memory"])).toBe(tier.memoryMb * MIB);
            }
            const h = hard(objects);
            const defaults = container["default"] ?? {};
            expect(parseQuantity(defaults["memory"])! * t.containers).toBe(parseQuantity(h["limits.memory"]));
            expect(parseQuantity(defaults["cpu"])! * t.containers).toBeCloseTo(
                parseQuantity(h["limits.cpu"])!,
                9,
            );
        }
    });

    it("gives the tenant ServiceAccount no token", () => {
        const sa = only(tenantObjects(byTier("free"), PLATFORM), "ServiceAccount", TENANT_SERVICE_ACCOUNT);
        expect(sa["automountServiceAccountToken"]).toBe(false);
    });
});

/** A NetworkPolicy peer or target as the test evaluates it: labels only (the bundle uses no ipBlock). */
interface Endpoint {
    namespace: string;
    podLabels: Record<string, string>;
    /** Absent for addresses outside the cluster. */
    namespaceLabels?: Record<string, string>;
}
interface Selector {
    matchLabels?: Record<string, string>;
    matchExpressions?: unknown[];
}
interface Peer {
    namespaceSelector?: Selector;
    podSelector?: Selector;
    ipBlock?: unknown;
}
interface Rule {
    from?: Peer[];
    to?: Peer[];
    ports?: { protocol?: string; port?: number | string }[];
}
interface NpSpec {
    podSelector: Selector;
    policyTypes: string[];
    ingress?: Rule[];
    egress?: Rule[];
}

function matches(sel: Selector | undefined, labels: Record<string, string> | undefined): boolean {
    if (sel === undefined) return true;
    if (sel.matchExpressions?.length) throw new Error("the test evaluates matchLabels only");
    return Object.entries(sel.matchLabels ?? {}).every(([k, v]) => labels?.[k] === v);
}
function peerMatches(p: Peer, ownNamespace: string, other: Endpoint): boolean {
    if (p.ipBlock !== undefined) throw new Error("the bundle should use no ipBlock");
    if (other.namespaceLabels === undefined) return false;
    const nsOk = p.namespaceSelector
        ? matches(p.namespaceSelector, other.namespaceLabels)
        : other.namespace === ownNamespace;
    return nsOk && matches(p.podSelector, other.podLabels);
}

/** Whether the tenant's policies let a tenant pod talk to `other` (egress) or be reached by it (ingress). */
function allowed(
    objects: KubeObject[],
    direction: "Ingress" | "Egress",
    other: Endpoint,
    protocol: string,
    port: number,
): boolean {
    const own = tenantNamespace(objects[0]?.metadata.labels?.[TENANT_LABEL] ?? "");
    const selecting = objects
        .filter((o) => o.kind === "NetworkPolicy")
        .map((o) => o["spec"] as NpSpec)
        .filter((s) => s.policyTypes.includes(direction) && matches(s.podSelector, {}));
    // A pod no policy selects for a direction is open in that direction.
    if (selecting.length === 0) return true;
    const rules = selecting.flatMap((s) => (direction === "Ingress" ? s.ingress : s.egress) ?? []);
    return rules.some((r) => {
        const peers = direction === "Ingress" ? r.from : r.to;
        const peerOk = peers === undefined || peers.some((p) => peerMatches(p, own, other));
        const portOk =
            r.ports === undefined ||
            r.ports.some(
                (p) => (p.protocol ?? "TCP") === protocol && (p.port === undefined || p.port === port),
            );
        return peerOk && portOk;
    });
}

const nsLabels = (name: string) => ({ "kubernetes.io/metadata.name": name });
const COREDNS: Endpoint = {
    namespace: "kube-system",
    namespaceLabels: nsLabels("kube-system"),
    podLabels: { "k8s-app": "kube-dns" },
};
const METRICS: Endpoint = { ...COREDNS, podLabels: { "k8s-app": "metrics-server" } };
const INGRESS: Endpoint = {
    namespace: "traefik",
    namespaceLabels: nsLabels("traefik"),
    podLabels: { "app.kubernetes.io/name": "traefik" },
};
const OTHER_TENANT: Endpoint = {
    namespace: "tenant-bob",
    namespaceLabels: { ...nsLabels("tenant-bob"), [TENANT_LABEL]: "bob" },
    podLabels: { [TENANT_LABEL]: "bob" },
};
const INTERNET: Endpoint = { namespace: "", podLabels: {} };

describe("the tenant's NetworkPolicies", () => {
    const objects = tenantObjects(byTier("free"), PLATFORM);
    const own: Endpoint = {
        namespace: "tenant-alice",
        namespaceLabels: { ...nsLabels("tenant-alice"), [TENANT_LABEL]: "alice" },
        podLabels: { [TENANT_LABEL]: "alice" },
    };

    it("include one plain default deny for every pod, both directions, no rules", () => {
        const plain = objects
            .filter((o) => o.kind === "NetworkPolicy")
            .map((o) => o["spec"] as NpSpec)
            .filter((s) => !s.ingress?.length && !s.egress?.length);
        expect(plain).toEqual([{ podSelector: {}, policyTypes: ["Ingress", "Egress"] }]);
    });

    it("allow DNS over UDP and TCP to CoreDNS only", () => {
        expect(allowed(objects, "Egress", COREDNS, "UDP", 53)).toBe(true);
        expect(allowed(objects, "Egress", COREDNS, "TCP", 53)).toBe(true);
        expect(allowed(objects, "Egress", COREDNS, "TCP", 443)).toBe(false);
        expect(allowed(objects, "Egress", METRICS, "UDP", 53)).toBe(false);
        expect(allowed(objects, "Egress", { ...COREDNS, namespaceLabels: nsLabels("evil") }, "UDP", 53)).toBe(
            false,
        );
    });

    it("deny every other egress: the internet, other tenants, the ingress controller, the own namespace", () => {
        for (const dest of [INTERNET, OTHER_TENANT, INGRESS, own])
            for (const [proto, port] of [
                ["TCP", 443],
                ["TCP", 5432],
                ["UDP", 53],
            ] as const)
                expect(allowed(objects, "Egress", dest, proto, port), `${dest.namespace} ${port}`).toBe(
                    false,
                );
    });

    it("allow ingress from the ingress namespace only", () => {
        expect(allowed(objects, "Ingress", INGRESS, "TCP", 8080)).toBe(true);
        for (const src of [OTHER_TENANT, COREDNS, INTERNET, own])
            expect(allowed(objects, "Ingress", src, "TCP", 8080), src.namespace).toBe(false);
    });

    it("follow the platform's ingress namespace", () => {
        const other = tenantObjects(byTier("free"), { ingressNamespace: "ingress-nginx" });
        expect(allowed(other, "Ingress", INGRESS, "TCP", 8080)).toBe(false);
        expect(
            allowed(other, "Ingress", { ...INGRESS, namespaceLabels: nsLabels("ingress-nginx") }, "TCP", 80),
        ).toBe(true);
    });

    it("would be open without the default deny and the allow rules (the evaluator can fail)", () => {
        const noPolicies = objects.filter((o) => o.kind !== "NetworkPolicy");
        expect(allowed(noPolicies, "Egress", INTERNET, "TCP", 443)).toBe(true);
        expect(allowed(noPolicies, "Ingress", OTHER_TENANT, "TCP", 80)).toBe(true);
    });
});

describe("tenantPodTemplate", () => {
    it("meets Pod Security restricted with the pack's judge, for every tier", () => {
        for (const t of TENANTS) {
            const template = tenantPodTemplate(t, IMAGE);
            expect(podSpecViolations(template.spec as PodSpec, "restricted", template.metadata)).toEqual([]);
        }
    });

    it("is judged by a judge that rejects the known-bad restricted fixtures and admits the good ones", () => {
        const restricted = POD_SECURITY_FIXTURES.filter((f) => f.level === "restricted");
        const bad = restricted.filter((f) => f.expect === "fail");
        expect(bad.length).toBeGreaterThan(0);
        expect(
            bad.filter((f) => podSpecViolations(f.object.spec, "restricted", f.object.metadata).length === 0),
        ).toEqual([]);
        const good = restricted.filter((f) => f.expect === "pass");
        expect(
            good
                .filter((f) => podSpecViolations(f.object.spec, "restricted", f.object.metadata).length > 0)
                .map((f) => f.source),
        ).toEqual([]);
    });

    it("fails restricted once a safeguard is removed", () => {
        const spec = copy(tenantPodTemplate(byTier("pro"), IMAGE).spec) as PodSpec;
        delete spec.securityContext?.seccompProfile;
        expect(podSpecViolations(spec, "restricted").map((v) => v.check)).toContain(
            "seccompProfile_restricted",
        );
    });

    it("requests and limits exactly the tier's figures, runs as the token-less tenant SA on the tenant's pool", () => {
        for (const t of TENANTS) {
            const { spec, metadata } = tenantPodTemplate(t, IMAGE);
            const tier = TIERS[t.tier];
            const c = (spec["containers"] as { resources: Record<string, Record<string, string>> }[])[0];
            for (const kind of ["requests", "limits"]) {
                expect(parseQuantity(c?.resources[kind]?.["cpu"])).toBeCloseTo(cpuLimit(tier), 9);
                expect(parseQuantity(c?.resources[kind]?.["memory"])).toBe(tier.memoryMb * MIB);
            }
            expect(spec["serviceAccountName"]).toBe(TENANT_SERVICE_ACCOUNT);
            expect(spec["automountServiceAccountToken"]).toBe(false);
            const placement = tenantPodPlacement(t);
            expect(spec["nodeSelector"]).toEqual(placement.nodeSelector);
            expect(spec["tolerations"]).toEqual(placement.tolerations);
            expect(metadata.namespace).toBe(tenantNamespace(t.name));
            expect(metadata.labels[TIER_LABEL]).toBe(t.tier);
        }
    });

    it("passes the pack's pod policies (restricted, read-only root, tier limits) as a Pod in the namespace", () => {
        for (const t of TENANTS) {
            const pod = [asResource(podOf(t))];
            for (const p of [k8sPodSecurity, k8sReadOnlyRoot, k8sResourceLimits])
                expect(runPolicy(p, pod).map((v) => v.message)).toEqual([]);
        }
    });

    it("is caught by the tier limit policy when it outgrows its tier", () => {
        const pod = copy(podOf(byTier("free"))) as Json;
        const c = (pod["spec"] as { containers: { resources: { limits: Json } }[] }).containers[0];
        if (c) c.resources.limits["memory"] = `${TIERS.free.memoryMb * 2}Mi`;
        expect(runPolicy(k8sResourceLimits, [asResource(pod as unknown as KubeObject)])).not.toEqual([]);
    });
});

describe("the pack over the bundle", () => {
    it.each(TENANTS.map((t) => [t.tier, t] as const))("reports nothing for a %s tenant", (_, t) => {
        const rs = [...bundleResources(t), asResource(podOf(t))];
        for (const p of TENANT_POLICIES) expect(messages(p, rs), p.name).toEqual([]);
        expect(
            evaluatePolicies(rs, { phase: "phase5" })
                .filter((v) => v.level === "mandatory")
                .map((v) => `${v.policy}: ${v.message}`),
        ).toEqual([]);
    });

    it("fires k8s-tenant-limit-range when the LimitRange is taken away", () => {
        const t = byTier("business");
        const rs = bundleResources(t).filter((r) => r.type !== T.k8sLimitRange);
        expect(messages(tenantLimitRange, rs).join("\n")).toContain("LimitRange is missing");
    });

    it("fires k8s-tenant-resource-quota and k8s-tenant-default-deny when their guards are taken away", () => {
        const t = byTier("pro");
        const noQuota = bundleResources(t).filter((r) => r.type !== T.k8sResourceQuota);
        expect(messages(tenantResourceQuota, noQuota).join("\n")).toContain("ResourceQuota is missing");
        // The allow policies alone are no default deny: each covers one direction and allows some traffic.
        const noDeny = tenantObjects(t, PLATFORM).filter((o) => o.metadata.name !== "default-deny");
        expect(messages(tenantDefaultDeny, bundleResources(t, noDeny)).join("\n")).toContain(
            "default-deny NetworkPolicy exists but 'tenant-bob/allow-dns' does not list both Ingress and Egress",
        );
    });

    it("fires k8s-tenant-namespace-enforces-restricted when the version is pinned", () => {
        const [ns, ...rest] = tenantObjects(byTier("free"), PLATFORM);
        if (!ns) throw new Error("no namespace");
        const pinned = {
            ...ns,
            metadata: {
                ...ns.metadata,
                labels: { ...ns.metadata.labels, "pod-security.kubernetes.io/enforce-version": "v1.33" },
            },
        };
        expect(
            messages(
                k8sTenantNamespaceEnforcesRestricted,
                bundleResources(byTier("free"), [pinned, ...rest]),
            ),
        ).not.toEqual([]);
    });
});

describe("tenantPodPlacement", () => {
    const plan = clusterPlan(
        Kubernetes.parse({
            version: "v1.33.13+k3s2",
            controlPlane: { type: "cx33", count: 3 },
            nodePools: [{ name: "system", role: "system", type: "cx23", min: 2, max: 2 }],
        }),
        Agents.parse({
            image: IMAGE,
            tiers: { free: { activeUsers: 100 }, pro: { activeUsers: 50 }, business: { activeUsers: 10 } },
            enterprise: [
                { name: "acme", activeUsers: 5 },
                { name: "globex", activeUsers: 5 },
            ],
        }),
        "10.0.1.0/24",
        DEFAULT_SYSTEM_RESERVE_MB,
    );

    /** Whether a pod with this placement may be scheduled onto a node of the pool. */
    function fits(t: TenantSpec, pool: PoolPlan): boolean {
        const { nodeSelector, tolerations } = tenantPodPlacement(t);
        const selected = Object.entries(nodeSelector).every(([k, v]) => pool.labels[k] === v);
        const tolerated = pool.taints
            .filter((taint) => taint.effect !== "PreferNoSchedule")
            .every((taint) =>
                tolerations.some(
                    (tol) =>
                        tol.key === taint.key && tol.value === taint.value && tol.effect === taint.effect,
                ),
            );
        return selected && tolerated;
    }

    it("lands each tenant on its own tier's pool, or its customer's, and on no other pool", () => {
        expect(plan.pools.length).toBeGreaterThan(4);
        const tenants = [
            ...TENANTS,
            { name: "globex", tier: "enterprise", containers: 2, customer: "globex" } as const,
        ];
        for (const t of tenants) {
            const pools = plan.pools.filter((p) => fits(t, p)).map((p) => p.name);
            const expected = plan.pools
                .filter((p) => (t.customer ? p.customer === t.customer : p.tier === t.tier && !p.customer))
                .map((p) => p.name);
            expect(expected).toHaveLength(1);
            expect(pools, t.name).toEqual(expected);
        }
    });
});

describe("input validation", () => {
    const cases: [string, TenantSpec, RegExp][] = [
        [
            "an upper-case name",
            { name: "Acme", tier: "free", containers: 1 },
            /tenant "Acme": name is not a DNS label/,
        ],
        ["a long name", { name: "a".repeat(57), tier: "free", containers: 1 }, /at most 56 characters/],
        [
            "no containers",
            { name: "a", tier: "free", containers: 0 },
            /tenant "a": containers is 0.*at least 1/,
        ],
        ["half a container", { name: "a", tier: "pro", containers: 1.5 }, /containers is 1.5/],
        [
            "an enterprise tenant without customer",
            { name: "big", tier: "enterprise", containers: 1 },
            /tenant "big": .*names no customer; set customer/,
        ],
        [
            "a shared tenant with a customer",
            { name: "small", tier: "pro", containers: 1, customer: "acme" },
            /tenant "small": .*customer "acme" is set; remove customer/,
        ],
        [
            "a bad customer",
            { name: "big", tier: "enterprise", containers: 1, customer: "Acme Inc" },
            /customer "Acme Inc" is not a DNS label/,
        ],
    ];
    it.each(cases)("rejects %s", (_, t, message) => {
        expect(() => tenantObjects(t, PLATFORM)).toThrow(message);
        expect(() => tenantPodTemplate(t, IMAGE)).toThrow(message);
        expect(() => tenantPodPlacement(t)).toThrow(message);
    });

    it("rejects a bad ingress namespace and a bad image", () => {
        const t = byTier("free");
        expect(() => tenantObjects(t, { ingressNamespace: "Traefik" })).toThrow(
            /tenant "alice": ingressNamespace/,
        );
        expect(() => tenantObjects(t, { ingressNamespace: tenantNamespace(t.name) })).toThrow(/tenant's own/);
        expect(() => tenantPodTemplate(t, "not an image")).toThrow(/tenant "alice": image "not an image"/);
    });
});
