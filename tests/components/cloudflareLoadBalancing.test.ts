/**
 * The Cloudflare load balancing component under Pulumi's mocks: the inputs each monitor, pool and load
 * balancer passes to @pulumi/cloudflare 6.22.1 (its argument names), ids wired between them, and child names
 * that depend on region names only.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import {
    CloudflareLoadBalancing,
    type CloudflareLoadBalancingRegion,
} from "../../components/edge/cloudflareLoadBalancing";
import { CLOUDFLARE_REGIONS } from "../../core/catalog/cloudflareLoadBalancing";
import { LoadBalancing } from "../../core/config/loadBalancing";
import { PlanMocks } from "../../tools/plan/mocks";
import { recordRegistrations, type RecordedResource } from "../../tools/plan/recorder";

const MONITOR = "cloudflare:index/loadBalancerMonitor:LoadBalancerMonitor";
const POOL = "cloudflare:index/loadBalancerPool:LoadBalancerPool";
const LB = "cloudflare:index/loadBalancer:LoadBalancer";

/** The argument names an `export interface <name> {` in the installed @pulumi/cloudflare declares. */
function declaredArgs(file: string, iface: string): string[] {
    const path = createRequire(__filename).resolve(`@pulumi/cloudflare/${file}`);
    const text = readFileSync(path, "utf8");
    const body = text.slice(text.indexOf(`export interface ${iface} {`));
    return [...body.slice(0, body.indexOf("\n}")).matchAll(/^ {4}(\w+)\??:/gm)].map((m) => m[1]!);
}

let recorded: RecordedResource[];
const byName = (name: string) => {
    const r = recorded.find((x) => x.name === name);
    if (!r) throw new Error(`${name} was not registered`);
    return r;
};
/** PlanMocks gives Cloudflare resources the id `<name>-id`. */
const idOf = (name: string) => `${byName(name).name}-id`;

const REGIONS: CloudflareLoadBalancingRegion[] = [
    { name: "eu", networkZone: "eu-central", primary: true, entryIpv4: "198.51.100.10" },
    { name: "us-east", networkZone: "us-east", primary: false, entryIpv4: pulumi.output("198.51.100.20") },
];

function build(name: string, steering: "geo" | "off", regions = REGIONS): void {
    new CloudflareLoadBalancing(name, {
        accountId: "0123456789abcdef0123456789abcdef",
        zoneId: "fedcba9876543210fedcba9876543210",
        zone: "example.com",
        hostnames: { app: "app.example.com", api: "api.example.com", write: "write.example.com" },
        regions,
        config: LoadBalancing.parse({ accountId: "0123456789abcdef0123456789abcdef", steering }),
        namePrefix: "phase4",
        defaultHealthPath: "/health",
    });
}

beforeAll(async () => {
    await pulumi.runtime.setMocks(new PlanMocks(), "phase-stacks", "unit", true);
    recorded = recordRegistrations();
    await pulumi.runtime.runInPulumiStack(() => {
        build("geo", "geo");
        build("off", "off");
        build("grown", "off", [
            ...REGIONS,
            { name: "us-west", networkZone: "us-west", primary: false, entryIpv4: "198.51.100.30" },
        ]);
        return Promise.resolve({});
    });
    await pulumi.runtime.disconnect();
});

describe("CloudflareLoadBalancing", () => {
    it("registers two monitors, two pools per region and three load balancers under the component", () => {
        const mine = recorded.filter((r) => r.name.startsWith("geo-"));
        const component = recorded.find((r) => r.name === "geo");
        // Registration order follows when inputs resolve, so compare sorted names.
        const namesOf = (type: string) =>
            mine
                .filter((r) => r.type === type)
                .map((r) => r.name)
                .sort();
        expect(component?.type).toBe("phase-stacks:edge:CloudflareLoadBalancing");
        expect(namesOf(MONITOR)).toEqual(["geo-monitor-app", "geo-monitor-write"]);
        expect(namesOf(POOL)).toEqual([
            "geo-pool-eu",
            "geo-pool-us-east",
            "geo-write-pool-eu",
            "geo-write-pool-us-east",
        ]);
        expect(namesOf(LB)).toEqual(["geo-lb-api", "geo-lb-app", "geo-lb-write"]);
        for (const r of mine) expect(r.parent).toBe(component?.urn);
    });

    it("monitors: HTTPS with the Host header, the zone's origin-pull identity and the timings", () => {
        expect(byName("geo-monitor-app").inputs).toEqual({
            accountId: "0123456789abcdef0123456789abcdef",
            type: "https",
            method: "GET",
            path: "/health",
            header: { Host: ["api.example.com"] },
            expectedCodes: "2xx",
            interval: 60,
            timeout: 5,
            retries: 2,
            consecutiveDown: 2,
            consecutiveUp: 2,
            allowInsecure: true,
            followRedirects: false,
            probeZone: "example.com",
            description: "phase4: app and API health (api.example.com)",
        });
        expect(byName("geo-monitor-write").inputs).toMatchObject({
            path: "/healthz/writable",
            header: { Host: ["write.example.com"] },
            expectedCodes: "200",
        });
    });

    it("pools: the region's entry as the one origin, its monitor's id, its check regions", () => {
        expect(byName("geo-pool-eu").inputs).toEqual({
            accountId: "0123456789abcdef0123456789abcdef",
            name: "phase4-eu-app",
            description: "phase4: region eu (eu-central), app and API",
            enabled: true,
            origins: [{ name: "eu-entry", address: "198.51.100.10", enabled: true, weight: 1 }],
            monitor: idOf("geo-monitor-app"),
            checkRegions: ["WEU", "EEU"],
            minimumOrigins: 1,
        });
        expect(byName("geo-write-pool-us-east").inputs).toMatchObject({
            name: "phase4-us-east-write",
            origins: [{ address: "198.51.100.20" }],
            monitor: idOf("geo-monitor-write"),
            checkRegions: ["ENAM"],
        });
        expect(byName("geo-write-pool-us-east").dependencies).toContain(byName("geo-monitor-write").urn);
    });

    it("geo: region pools for every Cloudflare region by pool id, nearest first, fallback the primary's", () => {
        const lb = byName("geo-lb-api").inputs;
        const eu = idOf("geo-pool-eu");
        const us = idOf("geo-pool-us-east");
        expect(lb).toMatchObject({
            zoneId: "fedcba9876543210fedcba9876543210",
            name: "api.example.com",
            steeringPolicy: "geo",
            defaultPools: [eu, us],
            fallbackPool: eu,
            adaptiveRouting: { failoverAcrossPools: true },
            proxied: true,
        });
        const regionPools = lb["regionPools"] as Record<string, string[]>;
        expect(Object.keys(regionPools).sort()).toEqual([...CLOUDFLARE_REGIONS].sort());
        expect(regionPools["WEU"]).toEqual([eu, us]);
        expect(regionPools["ENAM"]).toEqual([us, eu]);
        expect(regionPools["WNAM"]).toEqual([us, eu]);
        expect(byName("geo-lb-app").inputs).toMatchObject({ name: "app.example.com", regionPools });
        expect(lb).not.toHaveProperty("ttl");
    });

    it("off: failover from the primary with no region pools; the write LB is off in both modes", () => {
        const off = byName("off-lb-app").inputs;
        expect(off).toMatchObject({
            steeringPolicy: "off",
            defaultPools: [idOf("off-pool-eu"), idOf("off-pool-us-east")],
            fallbackPool: idOf("off-pool-eu"),
        });
        expect(off).not.toHaveProperty("regionPools");
        for (const name of ["geo", "off"]) {
            const w = byName(`${name}-lb-write`).inputs;
            expect(w).toMatchObject({
                name: "write.example.com",
                steeringPolicy: "off",
                defaultPools: [idOf(`${name}-write-pool-eu`), idOf(`${name}-write-pool-us-east`)],
                fallbackPool: idOf(`${name}-write-pool-eu`),
                proxied: true,
            });
            expect(w).not.toHaveProperty("regionPools");
        }
    });

    it("adding a region adds resources and renames none", () => {
        const names = (prefix: string) =>
            recorded.filter((r) => r.name.startsWith(`${prefix}-`)).map((r) => r.name.slice(prefix.length));
        const before = names("off");
        const after = names("grown");
        expect(after).toEqual(expect.arrayContaining(before));
        expect(after.filter((n) => !before.includes(n)).sort()).toEqual([
            "-pool-us-west",
            "-write-pool-us-west",
        ]);
        expect(byName("grown-pool-eu").inputs["name"]).toBe(byName("off-pool-eu").inputs["name"]);
    });

    it("passes only argument names @pulumi/cloudflare declares, with every required one", () => {
        const specs = [
            [MONITOR, "loadBalancerMonitor.d.ts", "LoadBalancerMonitorArgs", ["accountId"]],
            [POOL, "loadBalancerPool.d.ts", "LoadBalancerPoolArgs", ["accountId", "name", "origins"]],
            [LB, "loadBalancer.d.ts", "LoadBalancerArgs", ["zoneId", "name", "defaultPools", "fallbackPool"]],
        ] as const;
        const origin = declaredArgs("types/input.d.ts", "LoadBalancerPoolOrigin");
        expect(origin).toContain("address");
        for (const [type, file, iface, required] of specs) {
            const declared = declaredArgs(file, iface);
            expect(declared).toEqual(expect.arrayContaining([...required]));
            for (const r of recorded.filter((x) => x.type === type)) {
                expect(Object.keys(r.inputs).filter((k) => !declared.includes(k))).toEqual([]);
                for (const k of required) expect(r.inputs).toHaveProperty(k);
                if (type === POOL)
                    for (const o of r.inputs["origins"] as Record<string, unknown>[])
                        expect(Object.keys(o).filter((k) => !origin.includes(k))).toEqual([]);
            }
        }
        const routing = declaredArgs("types/input.d.ts", "LoadBalancerAdaptiveRouting");
        expect(routing).toEqual(["failoverAcrossPools"]);
    });
});
