/**
 * Phase 5's cluster as data: the control-plane servers at fixed private addresses, and every node pool with
 * the servers the program keeps, the range the cluster-autoscaler may add, and the labels and taints that steer
 * workloads. Agent pools are sized by the seed's capacity formula (core/capacity), one per shared tier with
 * users and one per enterprise customer, whose nodes nobody else's pods may use.
 */
import type { AgentsConfig } from "../capacity/config";
import { planAgentPools } from "../capacity/pools";
import type { TierName } from "../capacity/tiers";
import type { KubernetesConfig } from "../config/kubernetes";
import { TIER_LABEL } from "../contracts/labels";
import { subnetPlan } from "../topology/subnetPlan";

/** Node labels the program sets; the workloads of phase 5 select on them. */
export const POOL_LABEL = "phase-stacks/pool";
export const POOL_KIND_LABEL = "phase-stacks/pool-kind";
export const CUSTOMER_LABEL = "phase-stacks/customer";

/** Hetzner puts at most 10 servers in a spread placement group, and a project holds at most 50 groups. */
export const SPREAD_GROUP_MAX = 10;
export const PLACEMENT_GROUPS_PER_PROJECT = 50;
/** The kept servers' share of the 50: the rest is left to the autoscaler's groups (and the control plane's). */
const KEPT_PLACEMENT_GROUPS = 25;

/** Private host numbers inside `network.subnet` (Hetzner's gateway is .1). */
const API_LB_HOST = 2;
const FIRST_CONTROL_PLANE_HOST = 11;

export type PoolKind = "system" | "app" | "agents" | "enterprise";

export interface Taint {
    readonly key: string;
    readonly value: string;
    readonly effect: "NoSchedule" | "PreferNoSchedule" | "NoExecute";
}

export interface ControlPlaneNode {
    /** The component name, and so the node's name: `control-plane-<n>`. */
    readonly name: string;
    readonly ip: string;
    /** The server that initialises embedded etcd; the others join it. */
    readonly first: boolean;
}

export interface PoolPlan {
    readonly name: string;
    readonly kind: PoolKind;
    readonly serverType: string;
    /** Servers the program keeps: the autoscaler never deletes these. */
    readonly nodes: number;
    /** Servers the cluster-autoscaler may add on top (0: it leaves the pool alone). */
    readonly autoscaleMax: number;
    /**
     * Spread groups for the kept servers, 10 each in order; servers past them are unplaced. Big pools run out of
     * the project's 50 groups first, and lose least by it: one host failure is a small share of them.
     */
    readonly spreadGroups: number;
    /** Whether the autoscaler's servers of this pool go into spread groups of their own. */
    readonly autoscalePlacement: boolean;
    readonly labels: Readonly<Record<string, string>>;
    readonly taints: readonly Taint[];
    readonly tier?: TierName;
    readonly customer?: string;
}

export interface ClusterPlan {
    readonly apiLoadBalancerIp: string;
    readonly controlPlane: readonly ControlPlaneNode[];
    readonly pools: readonly PoolPlan[];
}

/** `key=value:Effect`, as k3s's `node-taint` and kubectl spell a taint. */
export const taintText = (t: Taint) => `${t.key}=${t.value}:${t.effect}`;

type UnplacedPool = Omit<PoolPlan, "spreadGroups" | "autoscalePlacement">;

function pool(
    name: string,
    kind: PoolKind,
    serverType: string,
    nodes: number,
    max: number,
    extra: { labels?: Record<string, string>; taints?: Taint[]; tier?: TierName; customer?: string } = {},
): UnplacedPool {
    return {
        name,
        kind,
        serverType,
        nodes,
        autoscaleMax: Math.max(0, max - nodes),
        labels: { [POOL_LABEL]: name, [POOL_KIND_LABEL]: kind, ...extra.labels },
        taints: extra.taints ?? [],
        ...(extra.tier ? { tier: extra.tier } : {}),
        ...(extra.customer ? { customer: extra.customer } : {}),
    };
}

/**
 * The agent pools: the formula's total (required plus the 30% buffer) is the floor the program keeps, and the
 * autoscaler may grow a pool to `agentMaxFactor` times that. Each pool is tainted to its tier (or customer), so
 * only the warm pods of that tier land there and its per-node container cap holds.
 */
function agentPools(k: KubernetesConfig, agents: AgentsConfig, systemReserveMb: number): UnplacedPool[] {
    return planAgentPools(agents, systemReserveMb).map((spec) => {
        const nodes = spec.plan.totalNodes;
        const max = Math.ceil(nodes * k.agentMaxFactor);
        return spec.customer
            ? pool(spec.name, "enterprise", spec.plan.serverType, nodes, max, {
                  labels: { [TIER_LABEL]: spec.tier, [CUSTOMER_LABEL]: spec.customer },
                  taints: [{ key: CUSTOMER_LABEL, value: spec.customer, effect: "NoSchedule" }],
                  tier: spec.tier,
                  customer: spec.customer,
              })
            : pool(spec.name, "agents", spec.plan.serverType, nodes, max, {
                  labels: { [TIER_LABEL]: spec.tier },
                  taints: [{ key: TIER_LABEL, value: spec.tier, effect: "NoSchedule" }],
                  tier: spec.tier,
              });
    });
}

export function clusterPlan(
    k: KubernetesConfig,
    agents: AgentsConfig | undefined,
    subnet: string,
    systemReserveMb: number,
): ClusterPlan {
    const { base } = subnetPlan(subnet);
    const controlPlane = Array.from({ length: k.controlPlane.count }, (_, i) => ({
        name: `control-plane-${i + 1}`,
        ip: `${base}.${FIRST_CONTROL_PLANE_HOST + i}`,
        first: i === 0,
    }));
    const configured = k.nodePools.map((p) =>
        pool(p.name, p.role, p.type, p.min, p.max, {
            labels: p.labels,
            // The system pool runs the cluster's add-ons only; they tolerate this taint.
            taints:
                p.role === "system" ? [{ key: POOL_KIND_LABEL, value: "system", effect: "NoSchedule" }] : [],
        }),
    );
    const pools = [...configured, ...(agents ? agentPools(k, agents, systemReserveMb) : [])];
    const names = pools.map((p) => p.name);
    const clash = names.find((n, i) => names.indexOf(n) !== i);
    if (clash)
        throw new Error(
            `kubernetes.nodePools: the pool name '${clash}' is also an agent pool's: rename the node pool`,
        );
    return { apiLoadBalancerIp: `${base}.${API_LB_HOST}`, controlPlane, pools: placed(pools) };
}

const groupsFor = (servers: number) => Math.ceil(servers / SPREAD_GROUP_MAX);

/**
 * Shares the project's 50 placement groups out in config order (system and app pools first): the control
 * plane's one, then up to 25 for kept servers, then whole pools' worth for the autoscaler while they fit.
 */
function placed(pools: readonly UnplacedPool[]): PoolPlan[] {
    let kept = KEPT_PLACEMENT_GROUPS;
    const withKept = pools.map((p) => {
        const spreadGroups = Math.min(groupsFor(p.nodes), kept);
        kept -= spreadGroups;
        return { ...p, spreadGroups };
    });
    let left = PLACEMENT_GROUPS_PER_PROJECT - 1 - withKept.reduce((n, p) => n + p.spreadGroups, 0);
    return withKept.map((p) => {
        const need = groupsFor(p.autoscaleMax);
        const autoscalePlacement = p.autoscaleMax > 0 && need <= left;
        if (autoscalePlacement) left -= need;
        return { ...p, autoscalePlacement };
    });
}

/** The placement groups the cluster plan uses: the control plane's and every pool's kept-server groups. */
export function keptPlacementGroups(plan: ClusterPlan): number {
    return 1 + plan.pools.reduce((n, p) => n + p.spreadGroups, 0);
}
