/** The cluster plan: fixed control-plane addresses, pools from config and the formula, the placement budget. */
import { describe, expect, it } from "vitest";
import { Agents } from "../../../core/capacity/config";
import { DEFAULT_SYSTEM_RESERVE_MB } from "../../../core/capacity/plan";
import { planAgentPools } from "../../../core/capacity/pools";
import { Kubernetes } from "../../../core/config/kubernetes";
import {
    clusterPlan,
    keptPlacementGroups,
    PLACEMENT_GROUPS_PER_PROJECT,
    SPREAD_GROUP_MAX,
} from "../../../core/k8s/clusterPlan";

const k8s = (over: Record<string, unknown> = {}) =>
    Kubernetes.parse({
        version: "v1.33.13+k3s2",
        controlPlane: { type: "cx33", count: 3 },
        nodePools: [
            { name: "system", role: "system", type: "cx23", min: 2, max: 2 },
            { name: "app", type: "cx43", min: 2, max: 6 },
        ],
        ...over,
    });
const agents = (free: number, pro = 0) =>
    Agents.parse({
        image: "ghcr.io/a/agent:1",
        tiers: { free: { activeUsers: free }, pro: { activeUsers: pro } },
    });

describe("the cluster plan", () => {
    it("puts the API load balancer and the control plane at fixed addresses of the subnet, the first initialising etcd", () => {
        const plan = clusterPlan(k8s(), undefined, "10.0.1.0/24", DEFAULT_SYSTEM_RESERVE_MB);
        expect(plan.apiLoadBalancerIp).toBe("10.0.1.2");
        expect(plan.controlPlane).toEqual([
            { name: "control-plane-1", ip: "10.0.1.11", first: true },
            { name: "control-plane-2", ip: "10.0.1.12", first: false },
            { name: "control-plane-3", ip: "10.0.1.13", first: false },
        ]);
    });

    it("keeps min servers, lets the autoscaler add the rest, and taints the system pool", () => {
        const [system, app] = clusterPlan(k8s(), undefined, "10.0.1.0/24", DEFAULT_SYSTEM_RESERVE_MB).pools;
        expect(system).toMatchObject({
            nodes: 2,
            autoscaleMax: 0,
            autoscalePlacement: false,
            spreadGroups: 1,
        });
        expect(system?.taints).toEqual([
            { key: "phase-stacks/pool-kind", value: "system", effect: "NoSchedule" },
        ]);
        expect(app).toMatchObject({ nodes: 2, autoscaleMax: 4, autoscalePlacement: true, taints: [] });
    });

    it("sizes agent pools by the seed's formula and lets them grow by agentMaxFactor", () => {
        const a = agents(300, 100);
        const plan = clusterPlan(k8s({ agentMaxFactor: 1.5 }), a, "10.0.1.0/24", DEFAULT_SYSTEM_RESERVE_MB);
        for (const spec of planAgentPools(a, DEFAULT_SYSTEM_RESERVE_MB)) {
            const pool = plan.pools.find((p) => p.name === spec.name);
            expect(pool?.nodes).toBe(spec.plan.totalNodes);
            expect(pool?.autoscaleMax).toBe(Math.ceil(spec.plan.totalNodes * 1.5) - spec.plan.totalNodes);
            expect(pool?.taints).toEqual([
                { key: "phase-stacks/tier", value: spec.tier, effect: "NoSchedule" },
            ]);
        }
    });

    it("never plans more than the project's 50 placement groups, however big the pools", () => {
        for (const users of [0, 500, 3000, 20000]) {
            const plan = clusterPlan(
                k8s(),
                agents(users, users / 2),
                "10.0.1.0/24",
                DEFAULT_SYSTEM_RESERVE_MB,
            );
            const autoscaled = plan.pools
                .filter((p) => p.autoscalePlacement)
                .reduce((n, p) => n + Math.ceil(p.autoscaleMax / SPREAD_GROUP_MAX), 0);
            expect(keptPlacementGroups(plan) + autoscaled).toBeLessThanOrEqual(PLACEMENT_GROUPS_PER_PROJECT);
            for (const p of plan.pools)
                expect(p.spreadGroups).toBeLessThanOrEqual(Math.ceil(p.nodes / SPREAD_GROUP_MAX));
        }
        // Small pools keep their spread: every kept server of the app pool is placed.
        const small = clusterPlan(k8s(), agents(200), "10.0.1.0/24", DEFAULT_SYSTEM_RESERVE_MB);
        for (const p of small.pools)
            expect(p.spreadGroups * SPREAD_GROUP_MAX).toBeGreaterThanOrEqual(p.nodes);
    });

    it("refuses a node pool named like an agent pool", () => {
        const clash = k8s({ nodePools: [{ name: "agents-free", type: "cx43", min: 1, max: 1 }] });
        expect(() => clusterPlan(clash, agents(10), "10.0.1.0/24", DEFAULT_SYSTEM_RESERVE_MB)).toThrow(
            /agents-free.*rename the node pool/,
        );
    });
});
