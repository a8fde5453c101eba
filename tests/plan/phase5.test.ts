/**
 * The phase-5 plan: three k3s servers behind the API load balancer, node pools kept by the program and grown by
 * the cluster-autoscaler, every Kubernetes object valid against the official schemas, no mandatory violation,
 * and a kubeconfig and provider that no config edit changes (an unknown or changed kubeconfig would replace the
 * provider and every resource behind it).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { USER_DATA_LIMIT_BYTES } from "../../core/render/base/cloudInit";
import { unknownK3sKeys } from "../../core/k8s/k3sFlags";
import { Agents } from "../../core/capacity/config";
import { planAgentPools } from "../../core/capacity/pools";
import { DEFAULT_SYSTEM_RESERVE_MB } from "../../core/capacity/plan";
import type { KubeObject } from "../../core/k8s/objects";
import { runPlan, type Plan, type PlanResource } from "../../tools/plan/run";
import { statefulChanges } from "../../tools/plan/diff";
import { kubeSchemaProblems } from "../helpers/kubeSchemas";
import { runTool } from "../helpers/tools";
import { sharedPlanObject } from "../helpers/sharedPlans";
import { shippedStack, withValues } from "../helpers/stackFiles";
import { SERVER } from "./splitStacks";

const P = "phase-stacks";
const base = shippedStack("phase5");
const kubernetes = JSON.parse(base.values[`${P}:kubernetes`] ?? "{}") as Record<string, unknown>;
const PROVIDER = "pulumi:providers:kubernetes";
const AGENTS = {
    image: "ghcr.io/clawhq/openclaw-agent:1.0.0",
    tiers: { free: { activeUsers: 300 }, pro: { activeUsers: 100 } },
    enterprise: [{ name: "acme", activeUsers: 40 }],
};

let plan: Plan;
let edited: Plan;
let withAgents: Plan;
beforeAll(async () => {
    plan = sharedPlanObject("phase5");
    // One after the other: the Pulumi runtime the plan runs on is process-global.
    edited = await runPlan(
        withValues(base, {
            [`${P}:kubernetes`]: {
                ...kubernetes,
                version: "v1.33.14+k3s1",
                nodePools: [
                    { name: "app", type: "cx53", min: 3, max: 12 },
                    { name: "system", role: "system", type: "cx23", min: 1, max: 1 },
                ],
                etcdSnapshots: { scheduleCron: "0 */2 * * *", retention: 84 },
                // Bigger claims and more headroom: the StatefulSets' claim templates change, nothing is replaced.
                platform: {
                    redis: { storageGi: 20 },
                    meilisearch: { storageGi: 30 },
                    maxReplicasFactor: 5,
                    observability: { metricsRetentionDays: 30, metricsStorageGi: 40 },
                },
                // bob gets more containers; carol is new.
                tenants: [
                    { name: "alice", tier: "free" },
                    { name: "bob", tier: "free", containers: 8 },
                    { name: "carol", tier: "free" },
                ],
            },
            [`${P}:postgres`]: { volumeGb: 80 },
            [`${P}:workloadOverrides`]: { api: { image: "ghcr.io/acme/api:3.0.0", memoryMb: 768 } },
        }),
    );
    withAgents = await runPlan(withValues(base, { [`${P}:agents`]: AGENTS }));
}, 120_000);

const ofType = (p: Plan, type: string) => p.resources.filter((r) => r.type === type);
const named = (p: Plan, name: string): PlanResource => {
    const r = p.resources.find((x) => x.name === name);
    if (!r) throw new Error(`no resource ${name} in the plan`);
    return r;
};
const labels = (r: PlanResource) => r.inputs["labels"] as Record<string, string>;
const servers = (p: Plan, role: string) => ofType(p, SERVER).filter((s) => labels(s)["role"] === role);
const RELEASE = "kubernetes:helm.sh/v3:Release";
/** The Kubernetes objects the program applies (Helm releases are not objects: their charts render them). */
const kubeObjects = (p: Plan) =>
    p.resources.filter((r) => r.custom && r.type.startsWith("kubernetes:") && r.type !== RELEASE);
const deployment = (p: Plan, name: string) =>
    kubeObjects(p).find(
        (r) =>
            r.type === "kubernetes:apps/v1:Deployment" &&
            (r.inputs["metadata"] as { name: string }).name === name,
    );
const containerArgs = (d: PlanResource | undefined) =>
    (
        d?.inputs["spec"] as {
            template: { spec: { containers: { args?: string[] }[] } };
        }
    ).template.spec.containers[0]?.args ?? [];

describe("the phase 5 cluster", () => {
    it("runs three k3s servers at fixed private addresses in one spread group, behind the API load balancer", () => {
        const cp = servers(plan, "k8s-server");
        expect(cp.map((s) => s.name).sort()).toEqual([
            "control-plane-1-server",
            "control-plane-2-server",
            "control-plane-3-server",
        ]);
        const ips = cp.map((s) => (s.inputs["networks"] as { ip: string }[])[0]?.ip);
        expect(new Set(ips).size).toBe(3);
        expect(new Set(cp.map((s) => s.inputs["placementGroupId"])).size).toBe(1);
        // etcd members: no config edit rebuilds one.
        for (const s of cp) expect(s.ignoreChanges).toContain("userData");

        const service = ofType(plan, "hcloud:index/loadBalancerService:LoadBalancerService");
        expect(service.map((s) => [s.inputs["listenPort"], s.inputs["destinationPort"]])).toEqual([
            [6443, 6443],
        ]);
        const target = ofType(plan, "hcloud:index/loadBalancerTarget:LoadBalancerTarget")[0]!;
        expect(target.inputs).toMatchObject({ type: "label_selector", usePrivateIp: true });
        expect(target.inputs["labelSelector"]).toContain("role=k8s-server");
        expect(ofType(plan, "hcloud:index/loadBalancerNetwork:LoadBalancerNetwork")[0]?.inputs["ip"]).toBe(
            "10.0.1.2",
        );
    });

    it("opens 6443 only to the admin ranges on the servers and nothing but SSH on the nodes", () => {
        const admin = JSON.parse(base.values[`${P}:admin`] ?? "{}") as { sshAllowedCidrs: string[] };
        const rules = (name: string) =>
            (named(plan, name).inputs["rules"] as { port: string; sourceIps: string[] }[]).map((r) => [
                r.port,
                r.sourceIps,
            ]);
        expect(rules("control-plane-firewall")).toEqual([
            ["22", admin.sshAllowedCidrs],
            ["6443", admin.sshAllowedCidrs],
        ]);
        expect(rules("nodes-firewall")).toEqual([["22", admin.sshAllowedCidrs]]);
    });

    it("keeps each pool's min servers and lets the autoscaler add up to max, in its own placement group", () => {
        const inPool = (pool: string) =>
            servers(plan, "k8s-node")
                .filter((s) => labels(s)["pool"] === pool)
                .map((s) => s.name);
        expect(inPool("app")).toEqual(["pool-app-1-server", "pool-app-2-server", "pool-app-3-server"]);
        expect(inPool("system")).toEqual(["pool-system-1-server", "pool-system-2-server"]);
        const args = containerArgs(deployment(plan, "cluster-autoscaler"));
        expect(args).toContain("--cloud-provider=hetzner");
        const groups = args.filter((a) => a.startsWith("--nodes="));
        expect(groups).toContain("--nodes=0:3:cx43:nbg1:app");
        // min equals max for the system pool: the autoscaler leaves it alone.
        expect(groups.some((g) => g.endsWith(":system"))).toBe(false);
        expect(plan.outputs["autoscalerNodeGroups"]).toEqual(groups);
        expect(
            ofType(plan, "hcloud:index/placementGroup:PlacementGroup").map((g) => g.inputs["name"]),
        ).toContain("phase5-autoscaler-app");
    });

    it("sizes agent pools by the seed's formula and taints each to its tier or customer", () => {
        const pools = withAgents.outputs["nodePools"] as {
            name: string;
            kind: string;
            nodes: number;
            autoscaleMax: number;
            taints: string[];
        }[];
        const formula = planAgentPools(Agents.parse(AGENTS), DEFAULT_SYSTEM_RESERVE_MB);
        for (const spec of formula) {
            const pool = pools.find((p) => p.name === spec.name);
            // The formula's total is kept; the autoscaler may double it (agentMaxFactor 2).
            expect(pool).toMatchObject({ nodes: spec.plan.totalNodes, autoscaleMax: spec.plan.totalNodes });
        }
        const free = pools.find((p) => p.name === "agents-free");
        expect(free?.kind).toBe("agents");
        expect(free?.taints).toEqual(["phase-stacks/tier=free:NoSchedule"]);
        expect(pools.find((p) => p.name === "agents-enterprise-acme")?.taints).toEqual([
            "phase-stacks/customer=acme:NoSchedule",
        ]);
        // More than ten kept servers need more than one spread group of at most ten.
        const freeServers = servers(withAgents, "k8s-node").filter(
            (s) => labels(s)["pool"] === "agents-free",
        );
        expect(freeServers).toHaveLength(free!.nodes);
        expect(new Set(freeServers.map((s) => s.inputs["placementGroupId"])).size).toBe(
            Math.ceil(free!.nodes / 10),
        );
    });

    it("renders only Kubernetes objects the official schemas and the CRDs accept", () => {
        const objects = [...kubeObjects(plan), ...kubeObjects(withAgents)];
        expect(objects.length).toBeGreaterThan(20);
        const problems = objects.flatMap((r) => {
            const o = r.inputs as unknown as KubeObject;
            // Secret data is masked in the plan; its shape is the builder's, tested in tests/core/k8s.
            return kubeSchemaProblems(o.kind === "Secret" ? { ...o, stringData: {} } : o);
        });
        expect(problems).toEqual([]);
    });

    it("boots every node from a user data that cloud-init accepts, under 32 KiB, with only known k3s keys", () => {
        const userData = [
            ...new Set(plan.artifacts.filter((a) => a.kind === "cloud-config").map((a) => a.content)),
        ];
        // The first server, the joining servers (one document), and one per pool.
        expect(userData.length).toBeGreaterThanOrEqual(5);
        const dir = mkdtempSync(join(tmpdir(), "phase5-ud-"));
        try {
            userData.forEach((content, i) => {
                expect(Buffer.byteLength(content)).toBeLessThanOrEqual(USER_DATA_LIMIT_BYTES);
                const file = join(dir, `user-data-${i}`);
                writeFileSync(file, content);
                expect(runTool("cloud-init", ["schema", "--config-file", file]).output).toContain(
                    "Valid cloud-config",
                );
            });
        } finally {
            rmSync(dir, { recursive: true, force: true });
        }
        const configs = plan.artifacts.filter((a) => a.target === "/etc/rancher/k3s/config.yaml");
        expect(configs).toHaveLength(servers(plan, "k8s-server").length + servers(plan, "k8s-node").length);
        for (const a of configs) {
            const role = a.machine.startsWith("control-plane") ? "server" : "agent";
            expect(unknownK3sKeys(role, parse(a.content) as Record<string, unknown>), a.machine).toEqual([]);
        }
    });

    it("has no mandatory policy violation", () => {
        for (const p of [plan, edited, withAgents])
            expect(p.policy.violations.filter((v) => v.level === "mandatory")).toEqual([]);
    });

    it("protects the cluster's identity (root, CAs, service key, token passwords) but not the admin certificate", () => {
        const pki = plan.resources.filter(
            (r) => r.custom && /^(tls|random):/.test(r.type) && r.name.startsWith("k3s-"),
        );
        const unprotected = pki.filter((r) => !r.protect).map((r) => r.name);
        expect(unprotected.sort()).toEqual(["k3s-admin-cert", "k3s-admin-csr", "k3s-admin-key"]);
        expect(pki.filter((r) => r.protect).length).toBeGreaterThanOrEqual(15);
    });

    it("gives every tenant a protected namespace that a tenant edit leaves in place, with its guards inside it", () => {
        const namespaces = (p: Plan) =>
            ofType(p, "kubernetes:core/v1:Namespace").filter((n) =>
                (n.inputs["metadata"] as { name: string }).name.startsWith("tenant-"),
            );
        const before = namespaces(plan);
        expect(before.map((n) => (n.inputs["metadata"] as { name: string }).name).sort()).toEqual([
            "tenant-alice",
            "tenant-bob",
        ]);
        for (const ns of before) expect(ns.protect).toBe(true);
        const after = new Map(namespaces(edited).map((n) => [n.urn, n]));
        for (const ns of before) expect(after.get(ns.urn)?.inputs).toEqual(ns.inputs);
        expect(after.size).toBe(3);
        // Every object of a tenant is created after its namespace.
        const bob = before.find((n) => n.name.endsWith("tenant-bob"))!;
        const inBob = kubeObjects(plan).filter(
            (r) => (r.inputs["metadata"] as { namespace?: string }).namespace === "tenant-bob",
        );
        expect(inBob.length).toBeGreaterThanOrEqual(5);
        for (const r of inBob) expect(r.dependencies).toContain(bob.urn);
    });

    it("keeps the kubeconfig and the provider through config edits, so nothing behind the provider is replaced", () => {
        const provider = (p: Plan) => ofType(p, PROVIDER);
        expect(provider(plan)).toHaveLength(1);
        expect(provider(edited)[0]?.inputs).toEqual(provider(plan)[0]?.inputs);
        expect(provider(edited)[0]?.urn).toBe(provider(plan)[0]?.urn);
        expect(edited.outputs["kubeconfig"]).toEqual(plan.outputs["kubeconfig"]);
        expect(provider(plan)[0]?.inputs["clusterIdentifier"]).toBe("k3s-phase5");
        // The edit did change what it should: the Plans' version and the autoscaler's groups.
        expect(containerArgs(deployment(edited, "cluster-autoscaler"))).toContain(
            "--nodes=0:9:cx53:nbg1:app",
        );
    });
});

const meta = (r: PlanResource) => r.inputs["metadata"] as { name: string; namespace?: string };
const objectsOf = (p: Plan, kind: string, namespace?: string) =>
    kubeObjects(p).filter(
        (r) => r.inputs["kind"] === kind && (namespace === undefined || meta(r).namespace === namespace),
    );

describe("the phase 5 platform", () => {
    it("runs the application as Deployments with autoscalers and disruption budgets in the app namespace", () => {
        const names = (kind: string) => objectsOf(plan, kind, "app").map((r) => meta(r).name);
        for (const service of ["api", "frontend", "worker", "crawler"]) {
            expect(names("Deployment")).toContain(service);
            const hpa = objectsOf(plan, "HorizontalPodAutoscaler", "app").find(
                (r) => meta(r).name === service,
            );
            expect((hpa?.inputs["spec"] as { scaleTargetRef: { name: string } }).scaleTargetRef.name).toBe(
                service,
            );
            expect(names("PodDisruptionBudget")).toContain(service);
        }
        // The edit's factor raises every autoscaler's ceiling.
        const max = (p: Plan) =>
            objectsOf(p, "HorizontalPodAutoscaler", "app").map(
                (r) => (r.inputs["spec"] as { maxReplicas: number }).maxReplicas,
            );
        expect(max(edited).every((m, i) => m > (max(plan)[i] ?? 0))).toBe(true);
    });

    it("proxies the site's hostnames to the one load balancer the CCM makes for the ingress", () => {
        const lbs = objectsOf(plan, "Service").filter(
            (r) => (r.inputs["spec"] as { type?: string }).type === "LoadBalancer",
        );
        expect(lbs.map((r) => meta(r).namespace)).toEqual(["ingress"]);
        const addresses = plan.outputs["ingressAddresses"] as string[];
        expect(addresses).toHaveLength(2);
        const records = ofType(plan, "cloudflare:index/dnsRecord:DnsRecord");
        expect(records.length).toBeGreaterThanOrEqual(4);
        for (const r of records) {
            expect(addresses).toContain(r.inputs["content"]);
            expect(r.inputs["proxied"]).toBe(true);
        }
        expect(plan.outputs["urls"]).toEqual(["https://app.example.com", "https://api.example.com"]);
    });

    it("installs the operators and observability as pinned Helm releases, each after the ones it needs", () => {
        const releases = ofType(plan, RELEASE);
        const byName = new Map(releases.map((r) => [r.inputs["name"] as string, r]));
        expect([...byName.keys()].sort()).toEqual(
            ["alloy", "barman-cloud", "cert-manager", "cnpg", "kube-prometheus-stack", "loki"].sort(),
        );
        for (const r of releases) expect(r.inputs["version"]).toMatch(/^v?\d+\.\d+\.\d+$/);
        const barman = byName.get("barman-cloud")!;
        for (const needed of ["cert-manager", "cnpg"])
            expect(barman.dependencies).toContain(byName.get(needed)!.urn);
        // The database waits for its operator.
        const cluster = objectsOf(plan, "Cluster", "app")[0]!;
        expect(cluster.dependencies).toContain(byName.get("cnpg")!.urn);
    });

    it("protects the database, the data StatefulSets and the app namespace, and no platform edit replaces or deletes them", () => {
        const held = [
            ...objectsOf(plan, "Cluster", "app"),
            ...objectsOf(plan, "StatefulSet", "app"),
            ...objectsOf(plan, "Namespace").filter((r) => meta(r).name === "app"),
        ];
        expect(held.map((r) => `${r.inputs["kind"] as string}/${meta(r).name}`).sort()).toEqual([
            "Cluster/app-db",
            "Namespace/app",
            "StatefulSet/meilisearch",
            "StatefulSet/redis",
        ]);
        for (const r of held) expect(r.protect).toBe(true);
        for (const r of objectsOf(plan, "StatefulSet"))
            expect(r.ignoreChanges).toContain("spec.volumeClaimTemplates");
        // The edit did reach the claim templates and the database's volume ...
        const redis = (p: Plan) => objectsOf(p, "StatefulSet", "app").find((r) => meta(r).name === "redis")!;
        expect(redis(edited).inputs["spec"] as object).not.toEqual(redis(plan).inputs["spec"]);
        // ... and the engine would replace or delete none of the cluster's data (the edit's smaller system pool
        // does delete a node server, which holds none).
        const changes = statefulChanges(plan.resources, edited.resources);
        expect(changes.filter((c) => c.urn.includes("$kubernetes:"))).toEqual([]);
        expect(changes.map((c) => c.urn.replace(/.*::/, ""))).toEqual(["pool-system-2-server"]);
    });

    it("prices what the cluster buys outside Pulumi: the CCM's load balancer and every claimed volume", () => {
        const items = (plan.outputs["externalCosts"] as { item: string; monthlyEur: number }[]).map(
            (e) => e.item,
        );
        expect(items.some((i) => i.startsWith("ingress load balancer lb11"))).toBe(true);
        // Postgres 3 × (40 data + 10 WAL), Redis 3 × 10, Meilisearch 10, Prometheus 20, Alertmanager 10, Loki 20.
        const volumes = items.find((i) => i.includes("volumes the CSI driver makes"));
        expect(volumes).toMatch(/^240 GiB /);
        const grown = (edited.outputs["externalCosts"] as { item: string }[]).find((e) =>
            e.item.includes("volumes the CSI driver makes"),
        );
        // The edit: Postgres 3 × (80 + 10), Redis 3 × 20, Meilisearch 30, Prometheus 40, Alertmanager 10, Loki 20.
        expect(grown?.item).toMatch(/^430 GiB /);
    });
});
