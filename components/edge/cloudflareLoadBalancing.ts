import * as cloudflare from "@pulumi/cloudflare";
import * as pulumi from "@pulumi/pulumi";
import type { NetworkZone } from "../../core/catalog/hetzner";
import type { LoadBalancingConfig } from "../../core/config/loadBalancing";
import {
    planLoadBalancing,
    type LoadBalancingHostnames,
    type LoadBalancingPlan,
    type MonitorKind,
} from "../../core/edge/loadBalancing";

export interface CloudflareLoadBalancingRegion {
    readonly name: string;
    readonly networkZone: NetworkZone;
    readonly primary: boolean;
    /** The region's public entry (its Hetzner load balancer's IPv4). */
    readonly entryIpv4: pulumi.Input<string>;
}

export interface CloudflareLoadBalancingArgs {
    readonly accountId: string;
    readonly zoneId: string;
    /** The zone's name (example.com): monitors emulate it so their probes pass Authenticated Origin Pulls. */
    readonly zone: string;
    /** Fully qualified hostnames. */
    readonly hostnames: LoadBalancingHostnames;
    /** Primary first. */
    readonly regions: readonly CloudflareLoadBalancingRegion[];
    readonly config: LoadBalancingConfig;
    /** Prefixes the account-wide pool names: the stack name. */
    readonly namePrefix: string;
    /** The app monitor's path when `config.monitor.path` is unset: the API's health path. */
    readonly defaultHealthPath?: string;
}

/**
 * Cloudflare Load Balancing in front of each region's entry (core/edge/loadBalancing.ts plans it): two
 * monitors, two pools per region and proxied load balancers on the app, API and write hostnames. Child names
 * come from region names and roles only (`-pool-<region>`, `-write-pool-<region>`, `-lb-<role>`), so adding a
 * region adds resources and renames none.
 */
export class CloudflareLoadBalancing extends pulumi.ComponentResource {
    public readonly plan: LoadBalancingPlan;
    /** Load balancer ids by role. */
    public readonly loadBalancerIds: Record<"app" | "api" | "write", pulumi.Output<string>>;

    constructor(name: string, args: CloudflareLoadBalancingArgs, opts?: pulumi.ComponentResourceOptions) {
        super("phase-stacks:edge:CloudflareLoadBalancing", name, {}, opts);
        const plan = planLoadBalancing({
            regions: args.regions,
            hostnames: args.hostnames,
            zone: args.zone,
            namePrefix: args.namePrefix,
            config: args.config,
            ...(args.defaultHealthPath === undefined ? {} : { defaultHealthPath: args.defaultHealthPath }),
        });
        const accountId = args.accountId;
        const monitorIds = {} as Record<MonitorKind, pulumi.Output<string>>;
        for (const m of plan.monitors) {
            monitorIds[m.kind] = new cloudflare.LoadBalancerMonitor(
                `${name}-monitor-${m.kind}`,
                {
                    accountId,
                    type: m.type,
                    method: m.method,
                    path: m.path,
                    header: { Host: [m.host] },
                    expectedCodes: m.expectedCodes,
                    interval: m.intervalSeconds,
                    timeout: m.timeoutSeconds,
                    retries: m.retries,
                    consecutiveDown: m.consecutiveDown,
                    consecutiveUp: m.consecutiveUp,
                    allowInsecure: m.allowInsecure,
                    followRedirects: m.followRedirects,
                    probeZone: m.probeZone,
                    description: m.description,
                },
                { parent: this },
            ).id;
        }
        const entries = new Map(args.regions.map((r) => [r.name, r.entryIpv4]));
        const poolIds = new Map<string, pulumi.Output<string>>();
        for (const p of plan.pools) {
            const role = p.monitor === "app" ? "pool" : "write-pool";
            const pool = new cloudflare.LoadBalancerPool(
                `${name}-${role}-${p.region}`,
                {
                    accountId,
                    name: p.name,
                    description: p.description,
                    enabled: p.enabled,
                    origins: [
                        {
                            name: p.originName,
                            address: entries.get(p.region)!,
                            enabled: p.enabled,
                            weight: 1,
                        },
                    ],
                    monitor: monitorIds[p.monitor],
                    checkRegions: [...p.checkRegions],
                    ...(p.healthSources ? { healthSources: [...p.healthSources] } : {}),
                    minimumOrigins: p.minimumOrigins,
                },
                { parent: this },
            );
            poolIds.set(p.key, pool.id);
        }
        const id = (key: string): pulumi.Output<string> => poolIds.get(key)!;
        const ids = {} as Record<"app" | "api" | "write", pulumi.Output<string>>;
        for (const b of plan.balancers) {
            ids[b.role] = new cloudflare.LoadBalancer(
                `${name}-lb-${b.role}`,
                {
                    zoneId: args.zoneId,
                    name: b.hostname,
                    description: b.description,
                    steeringPolicy: b.steeringPolicy,
                    defaultPools: b.defaultPools.map(id),
                    fallbackPool: id(b.fallbackPool),
                    ...(b.regionPools
                        ? {
                              regionPools: Object.fromEntries(
                                  Object.entries(b.regionPools).map(([region, keys]) => [
                                      region,
                                      keys.map(id),
                                  ]),
                              ),
                          }
                        : {}),
                    adaptiveRouting: { failoverAcrossPools: b.failoverAcrossPools },
                    proxied: b.proxied,
                },
                { parent: this },
            ).id;
        }
        this.plan = plan;
        this.loadBalancerIds = ids;
        this.registerOutputs({ loadBalancerIds: ids });
    }
}
