/**
 * Phase 5's `kubernetes`: a k3s cluster on Hetzner, its control plane and its node pools. Odd control-plane
 * counts only: embedded etcd needs a majority, and an even count adds a member without adding a failure it
 * survives.
 */
import { z } from "zod";
import type { AgentsConfig } from "../capacity/config";
import { TIER_NAMES } from "../capacity/tiers";
import { K3S_RELEASE } from "../k8s/k3sFlags";
import { cidrProblem, ipv4Overlap } from "./net";
import type { PlacedType } from "./placement";
import { Platform } from "./platform";
import { checkedBy, DnsLabel, ServerTypeEnum } from "./sections";

/** `v1.33.`: patch releases of a minor keep its flags; the hcloud CCM and the autoscaler match the minor. */
const K3S_MINOR = K3S_RELEASE.replace(/^(v\d+\.\d+\.).*$/, "$1");

export const ControlPlane = z
    .object({
        type: ServerTypeEnum,
        count: z
            .number()
            .int()
            .min(1)
            .max(7)
            .refine((n) => n % 2 === 1, "must be odd (1, 3, 5 or 7): etcd needs a majority of its members")
            .default(3),
    })
    .strict();

/** A label or taint key as Kubernetes takes it: an optional DNS prefix, then a name. */
const LabelKey = z
    .string()
    .regex(
        /^([a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?\/)?[A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?$/,
        "must be a Kubernetes label key such as example.com/gpu",
    );
const LabelValue = z
    .string()
    .regex(/^([A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?)?$/, "must be a Kubernetes label value");

export const NodePool = z
    .object({
        /** Names the pool's servers and its node label. */
        name: DnsLabel,
        /**
         * `system` runs the cluster's own add-ons (ingress, monitoring) and is tainted so workloads stay off it;
         * `app` runs the application's workloads.
         */
        role: z.enum(["system", "app"]).default("app"),
        type: ServerTypeEnum,
        /** Servers the program keeps; the cluster-autoscaler adds up to `max` and removes only what it added. */
        min: z.number().int().min(0).max(100),
        max: z.number().int().min(1).max(100),
        labels: z.record(LabelKey, LabelValue).default({}),
    })
    .strict()
    .refine((p) => p.max >= p.min, { message: "must be at least min", path: ["max"] });

/** etcd snapshots of the cluster's state to the stack's S3 bucket (`backup`), on a schedule. */
export const EtcdSnapshots = z
    .object({
        /** Cron in the servers' time zone (UTC); k3s's default is every 12 hours. */
        scheduleCron: z
            .string()
            .regex(/^(\S+\s+){4}\S+$/, "must be a five-field cron schedule such as '0 */6 * * *'")
            .default("0 */6 * * *"),
        /** Snapshots kept, per server and in the bucket: 28 every 6 hours is a week. */
        retention: z.number().int().min(1).max(1000).default(28),
    })
    .strict();

const Ipv4Cidr = z.string().superRefine(checkedBy(cidrProblem));

/** A ClawHQ customer on the cluster: its own namespace, quota, limits and network policy, from its tier. */
export const Tenant = z
    .object({
        /** Names the namespace (`tenant-<name>`): renaming it is a new tenant. */
        name: DnsLabel,
        tier: z.enum(TIER_NAMES),
        /** Agent containers the tenant may run at once: its quota is this many times the tier's container. */
        containers: z.number().int().min(1).max(1000).default(1),
        /** Enterprise tenants: the `agents.enterprise` customer whose dedicated pool they run on. */
        customer: DnsLabel.optional(),
    })
    .strict()
    .superRefine((t, ctx) => {
        if (t.tier === "enterprise" && t.customer === undefined)
            ctx.addIssue({
                code: "custom",
                path: ["customer"],
                message: "is required for an enterprise tenant: name its agents.enterprise customer",
            });
        if (t.tier !== "enterprise" && t.customer !== undefined)
            ctx.addIssue({
                code: "custom",
                path: ["customer"],
                message: `is for enterprise tenants only; a ${t.tier} tenant shares its tier's pool`,
            });
    });

export const Kubernetes = z
    .object({
        /** The k3s release every node installs, pinned. */
        version: z
            .string()
            .regex(/^v\d+\.\d+\.\d+\+k3s\d+$/, `must be a k3s release such as ${K3S_RELEASE}`)
            .refine(
                (v) => v.startsWith(K3S_MINOR),
                `must be on the ${K3S_MINOR.slice(0, -1)} line, whose config keys the program checks (core/k8s/k3sFlags.ts); ${K3S_RELEASE} is tested`,
            ),
        controlPlane: ControlPlane,
        nodePools: z.array(NodePool).min(1, "needs at least one pool for workloads"),
        etcdSnapshots: EtcdSnapshots.default(EtcdSnapshots.parse({})),
        tenants: z.array(Tenant).default([]),
        /** Agent pools autoscale from the formula's node count up to this multiple of it. */
        agentMaxFactor: z.number().min(1).max(10).default(2),
        /** Pod addresses (flannel): outside the private network, so no route is ambiguous. */
        clusterCidr: Ipv4Cidr.default("10.244.0.0/16"),
        serviceCidr: Ipv4Cidr.default("10.43.0.0/16"),
        platform: Platform.prefault({}),
    })
    .strict()
    .superRefine((k, ctx) => {
        if (ipv4Overlap(k.clusterCidr, k.serviceCidr))
            ctx.addIssue({ code: "custom", path: ["serviceCidr"], message: "overlaps clusterCidr" });
        const tenants = k.tenants.map((t) => t.name);
        tenants.forEach((n, i) => {
            if (tenants.indexOf(n) !== i)
                ctx.addIssue({
                    code: "custom",
                    path: ["tenants", i, "name"],
                    message: "names another tenant too: tenant names must differ",
                });
        });
        const names = k.nodePools.map((p) => p.name);
        names.forEach((n, i) => {
            if (names.indexOf(n) !== i)
                ctx.addIssue({
                    code: "custom",
                    path: ["nodePools", i, "name"],
                    message: "names another pool too: pool names must differ",
                });
        });
    });
export type KubernetesConfig = z.output<typeof Kubernetes>;

type Issue = { path: (string | number)[]; message: string };

/**
 * Every tenant needs the agent pool its pods are placed on: its shared tier's (a tier with users) or its
 * enterprise customer's.
 */
export function tenantPoolIssues(k: KubernetesConfig, agents: AgentsConfig | undefined): Issue[] {
    return k.tenants.flatMap((t, i): Issue[] => {
        if (t.customer !== undefined)
            return agents?.enterprise.some((c) => c.name === t.customer)
                ? []
                : [
                      {
                          path: ["kubernetes", "tenants", i, "customer"],
                          message: `names no agents.enterprise customer: add '${t.customer}' there, whose dedicated pool the tenant runs on`,
                      },
                  ];
        if (t.tier === "enterprise") return [];
        return (agents?.tiers[t.tier].activeUsers ?? 0) > 0
            ? []
            : [
                  {
                      path: ["kubernetes", "tenants", i, "tier"],
                      message: `has no agent pool to run on: set agents.tiers.${t.tier}.activeUsers`,
                  },
              ];
    });
}

/** Checks against the private network: the cluster's ranges must not collide with its subnets. */
export function kubernetesNetworkIssues(k: KubernetesConfig, network: { readonly ipRange: string }): Issue[] {
    const issues: Issue[] = [];
    const at = (key: string, message: string) => issues.push({ path: ["kubernetes", key], message });
    for (const key of ["clusterCidr", "serviceCidr"] as const)
        if (ipv4Overlap(network.ipRange, k[key]))
            at(
                key,
                `overlaps network.ipRange ${network.ipRange}: pod and service addresses must be apart from it`,
            );
    return issues;
}

/** The cluster's server types and the keys that set them. */
export function kubernetesTypes(k: KubernetesConfig): PlacedType[] {
    return [
        { path: ["kubernetes", "controlPlane", "type"], type: k.controlPlane.type },
        ...k.nodePools.map((p, i) => ({ path: ["kubernetes", "nodePools", i, "type"], type: p.type })),
    ];
}
