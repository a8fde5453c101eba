/** Tables for the resource-cap policies: container and pod limits, tenant guards, server types and counts, budget. */
import { renderAgentHost } from "../../../core/render/machines/agentHost";
import { agentPoolHostLimits } from "../../caps/agentPool";
import { dockerCpuCap, dockerResourceLimits } from "../../caps/docker";
import { monthlyBudget, openEndedBudget } from "../../caps/budget";
import { stackPhaseDeclared } from "../../caps/phase";
import { k8sResourceLimits } from "../../caps/pods";
import { serverCount, serverTypesAllowed } from "../../caps/servers";
import { tenantDefaultDeny, tenantLimitRange, tenantResourceQuota } from "../../caps/tenants";
import { TENANT_LABEL, TIER_LABEL } from "../../lib/labels";
import { T } from "../../lib/typeTokens";
import { dig, propsOf, res, type Change, type PolicyTable } from "../table";
import { compliantContainer } from "./docker";
import { deployment } from "./pods";

const set =
    (values: Record<string, unknown>): Change =>
    (p) => {
        Object.assign(p, values);
    };
const tier = (name: string, values: Record<string, unknown> = {}): Change =>
    set({ labels: [{ label: TIER_LABEL, value: name }], ...values });

const limits = (p: Record<string, unknown>, i = 0) =>
    dig(p, "spec", "template", "spec", "containers", i, "resources");
const templateLabels = (p: Record<string, unknown>) => dig(p, "spec", "template", "metadata", "labels");

const NS_URN = "urn:pulumi:phase5::phase-stacks::kubernetes:core/v1:Namespace::tenant-a";

/** A tenant namespace with all three guards. */
export function tenantGuards() {
    const inNs = { namespace: "tenant-a" };
    return [
        res(T.k8sNamespace, "tenant-a", { metadata: { name: "tenant-a", labels: { [TENANT_LABEL]: "a" } } }),
        res(T.k8sResourceQuota, "tenant-a-quota", {
            metadata: inNs,
            spec: { hard: { "limits.cpu": "2", "limits.memory": "2Gi", pods: "10" } },
        }),
        res(T.k8sLimitRange, "tenant-a-limits", {
            metadata: inNs,
            spec: {
                limits: [
                    {
                        type: "Container",
                        default: { cpu: "250m", memory: "256Mi" },
                        max: { cpu: "1", memory: "1Gi" },
                    },
                ],
            },
        }),
        res(T.k8sNetworkPolicy, "tenant-a-deny", {
            metadata: inNs,
            spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] },
        }),
    ].map((r) => (r.type === T.k8sNamespace ? { ...r, urn: NS_URN } : r));
}

const without =
    (type: string): Change =>
    (_, all) => {
        all.splice(
            all.findIndex((r) => r.type === type),
            1,
        );
    };
const guard =
    (type: string, f: (props: Record<string, unknown>) => void): Change =>
    (_, all) => {
        const r = all.find((x) => x.type === type);
        if (r) f(r.props);
    };
/** The guards name no namespace but depend on it, as when Pulumi auto-names the namespace. */
const byDependency: Change = (ns, all) => {
    delete dig(ns, "metadata")["name"];
    for (const r of all.slice(1)) {
        delete dig(r.props, "metadata")["namespace"];
        r.opts = { dependencies: [NS_URN] };
    }
};
const otherNamespace = (type: string) => guard(type, (p) => (dig(p, "metadata")["namespace"] = "tenant-b"));

function server(name: string, serverType: string, extra: Record<string, unknown> = {}) {
    return res(T.hcloudServer, name, { serverType, location: "fsn1", labels: { role: name }, ...extra });
}

const setServerType =
    (t: string): Change =>
    (p) =>
        (p["serverType"] = t);
const servers =
    (n: number): Change =>
    (_, all) => {
        all.length = 0;
        for (let i = 0; i < n; i++) all.push(server(`node-${i}`, "cx23"));
    };

export const CAPS_TABLES: PolicyTable[] = [
    {
        policy: dockerResourceLimits,
        baseline: () => [compliantContainer()],
        broken: [
            {
                name: "no memory",
                change: set({ memory: undefined }),
                expect: "memory is not set",
                id: "CIS Docker Benchmark 5.11",
            },
            {
                name: "memory 0",
                change: set({ memory: 0 }),
                expect: "memory is not set",
                id: "CIS Docker Benchmark 5.11",
            },
            {
                name: "unlimited swap",
                change: set({ memorySwap: -1 }),
                expect: "memorySwap is -1 (unlimited swap)",
                id: "CIS Docker Benchmark 5.11",
            },
            {
                name: "neither cpuShares nor cpus",
                change: set({ cpus: undefined }),
                expect: "cpuShares is not set and neither is cpus",
                id: "CIS Docker Benchmark 5.12",
            },
            {
                name: 'cpus "0" and no shares',
                change: set({ cpus: "0" }),
                expect: "cpuShares is not set and neither is cpus",
                id: "CIS Docker Benchmark 5.12",
            },
            {
                name: "free tier over memory",
                change: tier("free", { memory: 512, cpuShares: 256 }),
                expect: "memory is 512 MB, above the tier maximum of 256 MB",
            },
            {
                name: "free tier without cpuShares",
                change: tier("free", { memory: 256 }),
                expect: "cpuShares is not set (the tier allows at most 256)",
            },
            {
                name: "free tier over cpuShares",
                change: tier("free", { memory: 256, cpuShares: 512 }),
                expect: "cpuShares is 512, above the tier maximum of 256",
            },
            {
                name: "an unknown tier",
                change: tier("gold", { memory: 256, cpuShares: 256 }),
                expect: 'labels["phase-stacks/tier"] is "gold", which is not a configured tier',
            },
            {
                name: "a configured tier maximum",
                change: tier("free", { memory: 256, cpuShares: 256 }),
                config: { tiers: { free: { memoryMb: 128, cpuShares: 128 } } },
                expect: "above the tier maximum of 128 MB",
            },
        ],
        passing: [
            { name: "pro tier at its maxima", change: tier("pro", { memory: 512, cpuShares: 512 }) },
            { name: "enterprise tier", change: tier("enterprise", { memory: 2048, cpuShares: 2048 }) },
            {
                name: "CPU priority without a hard cap (CIS 5.12)",
                change: set({ cpus: undefined, cpuShares: 512 }),
            },
        ],
    },
    {
        policy: dockerCpuCap,
        baseline: () => [compliantContainer()],
        broken: [
            {
                name: "shares but no cpus",
                change: set({ cpus: undefined, cpuShares: 512 }),
                expect: "cpus is not set, so the container can use every host CPU its shares allow",
            },
            {
                name: "cpuQuota instead of cpus",
                change: set({ cpus: undefined, cpuQuota: 50000 }),
                expect: "cpuQuota is not applied to a running container",
            },
        ],
    },
    {
        policy: k8sResourceLimits,
        baseline: () => [deployment()],
        broken: [
            {
                name: "no limits.cpu",
                change: (p) => delete dig(limits(p), "limits")["cpu"],
                expect: 'container "agent" resources.limits.cpu is not set',
                id: "Checkov CKV_K8S_11",
            },
            {
                name: "no limits.memory",
                change: (p) => delete dig(limits(p), "limits")["memory"],
                expect: "resources.limits.memory is not set",
                id: "Checkov CKV_K8S_13",
            },
            {
                name: "init container without a CPU limit",
                change: (p) =>
                    delete dig(p, "spec", "template", "spec", "initContainers", 0, "resources", "limits")[
                        "cpu"
                    ],
                expect: 'container "migrate" resources.limits.cpu',
                id: "Checkov CKV_K8S_11",
            },
            {
                name: "free tier over memory",
                change: (p) => {
                    templateLabels(p)[TIER_LABEL] = "free";
                    dig(limits(p), "limits")["memory"] = "512Mi";
                },
                expect: "limits.memory totals 512Mi, above the free tier maximum of 256Mi",
            },
            {
                name: "free tier over CPU",
                change: (p) => {
                    templateLabels(p)[TIER_LABEL] = "free";
                    dig(limits(p), "requests")["cpu"] = "0.5";
                },
                expect: "requests.cpu totals 500m, above the free tier's 256 shares (250m)",
            },
            {
                name: "an unknown tier",
                change: (p) => (templateLabels(p)[TIER_LABEL] = "gold"),
                expect: 'spec.template.metadata.labels["phase-stacks/tier"] is "gold"',
            },
        ],
        passing: [
            {
                name: "pod-level limits",
                change: (p) => {
                    delete limits(p)["limits"];
                    dig(p, "spec", "template", "spec")["resources"] = {
                        limits: { cpu: "1", memory: "512Mi" },
                    };
                },
            },
            {
                name: "free tier in bytes and millicores",
                change: (p) => {
                    templateLabels(p)[TIER_LABEL] = "free";
                    Object.assign(dig(limits(p), "limits"), { memory: "268435456", cpu: "250m" });
                },
            },
            {
                name: "pro tier with requests defaulting to limits",
                change: (p) => {
                    templateLabels(p)[TIER_LABEL] = "pro";
                    delete limits(p)["requests"];
                    Object.assign(dig(limits(p), "limits"), { memory: "0.5Gi", cpu: "0.5" });
                },
            },
        ],
    },
    {
        policy: tenantResourceQuota,
        baseline: tenantGuards,
        broken: [
            {
                name: "no ResourceQuota",
                change: without(T.k8sResourceQuota),
                expect: "kubernetes Namespace 'tenant-a': ResourceQuota is missing from this tenant namespace",
            },
            {
                name: "a quota in another namespace",
                change: otherNamespace(T.k8sResourceQuota),
                expect: "ResourceQuota is missing",
            },
            {
                name: "a quota without memory",
                change: guard(T.k8sResourceQuota, (p) => (p["spec"] = { hard: { "requests.cpu": "1" } })),
                expect: "'tenant-a-quota' does not cap memory in spec.hard",
            },
        ],
        passing: [{ name: "guards tied by dependency to an auto-named namespace", change: byDependency }],
    },
    {
        policy: tenantLimitRange,
        baseline: tenantGuards,
        broken: [
            {
                name: "no LimitRange",
                change: without(T.k8sLimitRange),
                expect: "LimitRange is missing from this tenant namespace",
            },
            {
                name: "no default memory",
                change: guard(
                    T.k8sLimitRange,
                    (p) => (p["spec"] = { limits: [{ type: "Container", default: { cpu: "1" } }] }),
                ),
                expect: "has no Container entry with default cpu and memory",
            },
        ],
        passing: [{ name: "guards tied by dependency", change: byDependency }],
    },
    {
        policy: tenantDefaultDeny,
        baseline: tenantGuards,
        broken: [
            {
                name: "no NetworkPolicy",
                change: without(T.k8sNetworkPolicy),
                expect: "default-deny NetworkPolicy is missing",
            },
            {
                name: "a selective policy",
                change: guard(
                    T.k8sNetworkPolicy,
                    (p) => (dig(p, "spec")["podSelector"] = { matchLabels: { app: "web" } }),
                ),
                expect: "selects only some pods",
            },
            {
                name: "ingress only",
                change: guard(T.k8sNetworkPolicy, (p) => (dig(p, "spec")["policyTypes"] = ["Ingress"])),
                expect: "does not list both Ingress and Egress",
            },
            {
                name: "a policy with rules",
                change: guard(
                    T.k8sNetworkPolicy,
                    (p) => (dig(p, "spec")["ingress"] = [{ from: [{ podSelector: {} }] }]),
                ),
                expect: "allows some traffic",
            },
        ],
        passing: [
            {
                name: "an allow policy beside the default deny",
                change: (_, all) =>
                    all.push(
                        res(T.k8sNetworkPolicy, "allow-web", {
                            metadata: { namespace: "tenant-a" },
                            spec: { podSelector: { matchLabels: { app: "web" } }, ingress: [{}] },
                        }),
                    ),
            },
            {
                name: "a namespace that is not a tenant's",
                change: (p, all) => {
                    dig(p, "metadata")["labels"] = {};
                    all.splice(1);
                },
            },
        ],
    },
    {
        policy: serverTypesAllowed,
        baseline: () => [server("app", "cx33")],
        broken: [
            {
                name: "a retired type",
                change: setServerType("cx32"),
                expect: 'serverType "cx32" is not in the catalog',
            },
            {
                name: "dedicated vCPU in phase1",
                change: setServerType("ccx33"),
                expect: '"ccx33" is not allowed in phase1',
            },
            {
                name: "any server in dev",
                change: setServerType("cx23"),
                phase: "dev",
                expect: "is not allowed in dev (allowed: none)",
            },
            {
                name: "a configured list",
                change: setServerType("cx33"),
                config: { allowedServerTypes: { phase1: ["cx23"] } },
                expect: "(allowed: cx23)",
            },
        ],
        passing: [
            { name: "Arm in phase1", change: setServerType("cax31") },
            { name: "the largest dedicated type in phase3", change: setServerType("ccx43"), phase: "phase3" },
            { name: "a stack without its own list", change: setServerType("ccx43"), phase: "staging" },
        ],
    },
    {
        policy: stackPhaseDeclared,
        baseline: () => [server("app", "cx33")],
        broken: [
            {
                name: "a stack tagged with its name",
                change: () => undefined,
                phase: "prod",
                expect: "names no phase",
            },
            {
                name: "a misspelled phase",
                change: () => undefined,
                phase: "phase-1",
                expect: "names no phase",
            },
        ],
        passing: [{ name: "dev, with no servers", change: () => undefined, phase: "dev" }],
    },
    {
        policy: serverCount,
        baseline: () => [server("app", "cx33"), server("agents-1", "cx43"), server("agents-2", "cx43")],
        broken: [
            {
                name: "four servers in phase1",
                change: servers(4),
                expect: "hcloud Servers number 4, above the phase1 maximum of 3",
            },
            {
                name: "a server in dev",
                change: servers(1),
                phase: "dev",
                expect: "above the dev maximum of 0",
            },
            {
                name: "a configured maximum",
                change: servers(3),
                config: { maxServers: { phase1: 2 } },
                expect: "maximum of 2",
            },
        ],
        passing: [{ name: "an unknown stack", change: servers(50), phase: "staging" }],
    },
    {
        policy: monthlyBudget,
        // cx33 + backups + IPv4 (EUR 8.29) and a cx43 agent host (EUR 12.89): EUR 21.18 of the EUR 25.85 phase-1 budget.
        baseline: () => [server("app", "cx33", { backups: true }), server("agents", "cx43")],
        broken: [
            {
                name: "an agent host too large for phase1",
                change: (_, all) => (propsOf(all, 1)["serverType"] = "cx53"),
                expect: "monthly cost is EUR 30.03, above the phase1 budget of EUR 25.85 (ceiling EUR 25.85 at tolerance 1)",
            },
            {
                name: "agent hosts over the phase's agent-pool line",
                change: (_, all) => all.push(agentHost("cx53"), agentHost("cx53"), agentHost("cx53")),
                expect: "agent pool monthly cost is EUR 65.22, above the phase1 agent-pool budget of EUR 46.11",
            },
            {
                name: "an unpriced type",
                change: setServerType("cx99"),
                expect: "cannot be proven within budget: the catalog has no price for cx99",
            },
            {
                name: "external costs",
                change: () => undefined,
                config: { externalEur: { phase1: 5 } },
                expect: "is EUR 26.18",
            },
        ],
        passing: [
            {
                name: "a tolerance of 1.2",
                change: (_, all) => (propsOf(all, 1)["serverType"] = "cx53"),
                config: { tolerance: 1.2 },
            },
            {
                name: "dev with only containers",
                change: (_, all) => all.splice(0, all.length, compliantContainer()),
                phase: "dev",
            },
            { name: "a stack without a budget", change: setServerType("ccx43"), phase: "staging" },
            {
                name: "agent hosts within the phase's ClawHQ agent-pool line (EUR 46.11)",
                change: (_, all) => all.push(agentHost("cx53"), agentHost("cx53")),
            },
        ],
    },
    {
        policy: openEndedBudget,
        baseline: () => [server("control", "cpx32")],
        broken: [
            {
                name: "phase5, whose seed budget is EUR 200+",
                change: () => undefined,
                phase: "phase5",
                expect: "monthly cost is EUR 10.99 (resources only) against the open-ended seed budget of EUR 200+",
            },
        ],
        passing: [{ name: "phase4, which has a ceiling", change: () => undefined, phase: "phase4" }],
    },
    {
        policy: agentPoolHostLimits,
        baseline: () => [agentHost("cx43", agentUserData())],
        broken: [
            {
                name: "a memory limit above the tier",
                change: agentLabels({ "memory-mb": "512" }),
                expect: 'labels["memory-mb"] is 512 MB, above the free maximum of 256 MB',
            },
            {
                name: "CPU shares above the tier",
                change: agentLabels({ "cpu-shares": "1024" }),
                expect: 'labels["cpu-shares"] is 1024, above the free maximum of 256',
            },
            {
                name: "more containers than the RAM holds",
                change: agentLabels({ "max-containers": "61" }),
                expect: "(16640 MiB) exceed the server's 16384 MiB",
            },
            {
                name: "a missing limit",
                change: agentLabels({ "pids-limit": undefined }),
                expect: 'labels["pids-limit"] is missing',
            },
            {
                name: "an unknown tier",
                change: agentLabels({ tier: "gold" }),
                expect: 'labels["tier"] is "gold", not a configured tier',
            },
            {
                name: "a keeper that does not match the labels",
                change: agentLabels({ "memory-mb": "128" }),
                expect: 'MEMORY_MB is "256" but the host\'s memory-mb label says "128"',
            },
            {
                name: "a keeper without a read-only root",
                change: editUserData((u) => u.replace("--read-only ", "")),
                expect: "starts containers without --read-only",
            },
            {
                name: "a keeper that adds capabilities",
                change: editUserData((u) =>
                    u.replace("--cap-drop ALL", "--cap-drop ALL --cap-add SYS_ADMIN"),
                ),
                expect: "starts containers with --cap-add",
            },
            {
                name: "dockerd without client certificates",
                change: editUserData((u) => u.replace('"tlsverify": true', '"tlsverify": false')),
                expect: "lets dockerd accept API clients without a CA-signed certificate",
                id: "CIS Docker Benchmark 2.7",
            },
            {
                name: "dockerd without user namespaces",
                change: editUserData((u) => u.replace('"userns-remap": "default"', '"userns-remap": ""')),
                expect: "does not remap user namespaces",
                id: "CIS Docker Benchmark 2.9",
            },
        ],
        passing: [
            {
                name: "user data unknown at preview (labels judged alone)",
                change: editUserData(() => undefined),
            },
            {
                name: "a server that is not an agent host",
                change: agentLabels({ role: "app", "memory-mb": "9999" }),
            },
        ],
    },
];

/** An agent host as AgentHostPool labels it (free tier, 50 per node on a 16 GB cx43). */
function agentHost(serverType: string, userData?: string) {
    return res(T.hcloudServer, `agent-${serverType}`, {
        serverType,
        location: "nbg1",
        labels: {
            role: "agent",
            tier: "free",
            "memory-mb": "256",
            "cpu-shares": "256",
            "pids-limit": "512",
            "max-containers": "50",
        },
        ...(userData === undefined ? {} : { userData }),
    });
}

function agentUserData(): string {
    const cert = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
    return renderAgentHost({
        pool: {
            tier: "free",
            image: "ghcr.io/example/agent:1.0.0",
            maxContainers: 50,
            nodeMemoryMb: 16384,
            systemReserveMb: 1024,
            intervalSeconds: 15,
        },
        tls: {
            caCertPem: cert,
            serverCertPem: cert,
            serverKeyPem: "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n",
        },
        metricsIp: "10.0.1.150",
    }).cloudConfig;
}

function agentLabels(values: Record<string, string | undefined>): Change {
    return (p) => {
        const labels = p["labels"] as Record<string, string | undefined>;
        for (const [k, v] of Object.entries(values)) {
            if (v === undefined) delete labels[k];
            else labels[k] = v;
        }
    };
}

function editUserData(edit: (userData: string) => string | undefined): Change {
    return (p) => {
        const next = edit(String(p["userData"]));
        if (next === undefined) delete p["userData"];
        else p["userData"] = next;
    };
}
