/**
 * Tenant namespaces (labelled phase-stacks/tenant) carry the three guards that keep one tenant from starving or
 * reaching another: a ResourceQuota, a LimitRange that gives limitless containers defaults, and a default-deny
 * NetworkPolicy. A guard belongs to a namespace when its metadata.namespace names it, or when it depends on the
 * Namespace resource (Pulumi auto-names namespaces, so the name may only be known after deploy).
 */
import { z } from "zod";
import { isTenantNamespace } from "../lib/labels";
import {
    CHECKOV_KUBERNETES,
    stackPolicy,
    type Framework,
    type Judged,
    type StackProblem,
} from "../lib/policy";
import { at, rec, records, str, strings } from "../lib/read";
import { T } from "../lib/typeTokens";

const TRIVY = {
    name: "Trivy",
    version: "KSV",
    reference: "https://avd.aquasec.com/misconfig/kubernetes/",
} as const;

/**
 * The guards of one kind, by the namespace they belong to: indexed once per judgement, since a stack with a
 * thousand tenants has a thousand namespaces and several thousand guards (a scan per namespace was quadratic).
 */
function guardIndex(type: string, resources: readonly Judged[]): (ns: Judged) => Judged[] {
    const byNamespace = new Map<string, Judged[]>();
    const byDependency = new Map<string, Judged[]>();
    const add = (index: Map<string, Judged[]>, key: string, r: Judged) => {
        const list = index.get(key);
        if (list) list.push(r);
        else index.set(key, [r]);
    };
    for (const r of resources) {
        if (r.type !== type) continue;
        const namespace = str(at(r.props, "metadata", "namespace"));
        if (namespace !== undefined) add(byNamespace, namespace, r);
        for (const urn of new Set(r.dependencies)) add(byDependency, urn, r);
    }
    return (ns) => {
        const name = str(at(ns.props, "metadata", "name"));
        const named = name === undefined ? [] : (byNamespace.get(name) ?? []);
        return [...new Set([...named, ...(byDependency.get(ns.urn) ?? [])])];
    };
}

interface GuardSpec {
    readonly name: string;
    readonly description: string;
    readonly framework: Framework;
    readonly type: string;
    readonly kind: string;
    readonly remediation: string;
    /** Why a guard of the right kind still does not do its job, or undefined if it does. */
    readonly inadequate: (guard: Judged) => string | undefined;
}

function tenantGuardPolicy(spec: GuardSpec) {
    return stackPolicy({
        name: spec.name,
        description: spec.description,
        concern: "caps",
        level: "mandatory",
        severity: "high",
        framework: spec.framework,
        remediation: spec.remediation,
        config: z.strictObject({}),
        judge: (resources) => {
            const guardsOf = guardIndex(spec.type, resources);
            return resources
                .filter((r) => r.type === T.k8sNamespace && isTenantNamespace(r.props))
                .flatMap((ns): StackProblem[] => {
                    const guards = guardsOf(ns);
                    const subject = { type: ns.type, name: ns.name, urn: ns.urn };
                    if (guards.length === 0) {
                        return [
                            {
                                subject,
                                field: spec.kind,
                                problem: "is missing from this tenant namespace",
                                fix: spec.remediation,
                            },
                        ];
                    }
                    const why = guards.map(spec.inadequate);
                    if (why.some((w) => w === undefined)) return [];
                    return [
                        {
                            subject,
                            field: spec.kind,
                            problem: `exists but ${why.join("; ")}`,
                            fix: spec.remediation,
                        },
                    ];
                });
        },
    });
}

const hasAny = (keys: readonly string[], names: readonly string[]) => names.some((n) => keys.includes(n));

export const tenantResourceQuota = tenantGuardPolicy({
    name: "k8s-tenant-resource-quota",
    description: "Every tenant namespace has a ResourceQuota that caps CPU and memory.",
    framework: { ...TRIVY, id: "KSV-0040" },
    type: T.k8sResourceQuota,
    kind: "ResourceQuota",
    remediation:
        'Add a ResourceQuota in the namespace with spec.hard {"limits.cpu", "limits.memory"} sized to the tenant\'s tier.',
    inadequate: (rq) => {
        const keys = Object.keys(rec(at(rq.props, "spec", "hard")) ?? {});
        const missing = [
            ...(hasAny(keys, ["limits.cpu", "requests.cpu", "cpu"]) ? [] : ["cpu"]),
            ...(hasAny(keys, ["limits.memory", "requests.memory", "memory"]) ? [] : ["memory"]),
        ];
        return missing.length ? `'${rq.name}' does not cap ${missing.join(" or ")} in spec.hard` : undefined;
    },
});

export const tenantLimitRange = tenantGuardPolicy({
    name: "k8s-tenant-limit-range",
    description: "Every tenant namespace has a LimitRange giving containers default CPU and memory limits.",
    framework: { ...TRIVY, id: "KSV-0039" },
    type: T.k8sLimitRange,
    kind: "LimitRange",
    remediation:
        'Add a LimitRange with spec.limits [{type: "Container", default: {cpu, memory}, max: {cpu, memory}}].',
    inadequate: (lr) => {
        const container = records(at(lr.props, "spec", "limits")).find((l) => str(l["type"]) === "Container");
        const defaults = Object.keys(rec(container?.["default"]) ?? {});
        return defaults.includes("cpu") && defaults.includes("memory")
            ? undefined
            : `'${lr.name}' has no Container entry with default cpu and memory`;
    },
});

function isEmptySelector(v: unknown): boolean {
    const sel = rec(v);
    return (
        sel !== undefined &&
        Object.keys(rec(sel["matchLabels"]) ?? {}).length === 0 &&
        records(sel["matchExpressions"]).length === 0
    );
}

export const tenantDefaultDeny = tenantGuardPolicy({
    name: "k8s-tenant-default-deny",
    description:
        "Every tenant namespace has a default-deny NetworkPolicy (all pods, Ingress and Egress, no rules).",
    framework: { ...CHECKOV_KUBERNETES, id: "CKV2_K8S_6" },
    type: T.k8sNetworkPolicy,
    kind: "default-deny NetworkPolicy",
    remediation:
        'Add a NetworkPolicy with spec {podSelector: {}, policyTypes: ["Ingress", "Egress"]} and allow traffic with narrower policies.',
    inadequate: (np) => {
        const spec = at(np.props, "spec");
        const types = strings(at(spec, "policyTypes"));
        if (!isEmptySelector(at(spec, "podSelector"))) return `'${np.name}' selects only some pods`;
        if (!types.includes("Ingress") || !types.includes("Egress"))
            return `'${np.name}' does not list both Ingress and Egress in policyTypes`;
        if (records(at(spec, "ingress")).length || records(at(spec, "egress")).length)
            return `'${np.name}' allows some traffic`;
        return undefined;
    },
});
