/**
 * The Cloudflare Load Balancing plan as plain data: geo against off steering, every region listing every pool,
 * the write hostname's failover, Cloudflare's limits, the config section's errors and the subscription's cost.
 */
import { describe, expect, it } from "vitest";
import {
    CLOUDFLARE_REGIONS,
    LOAD_BALANCING_PRICES,
    type CloudflareRegion,
} from "../../core/catalog/cloudflareLoadBalancing";
import {
    LoadBalancing,
    loadBalancingIssues,
    type LoadBalancingConfig,
} from "../../core/config/loadBalancing";
import { pathToString } from "../../core/config/problems";
import {
    LoadBalancingPlanError,
    planLoadBalancing,
    priceLoadBalancing,
    ZONE_PREFERENCE,
    ZONE_REGIONS,
    type LoadBalancedRegion,
    type LoadBalancingPlanInput,
} from "../../core/edge/loadBalancing";
import { USD_PER_EUR } from "../../core/phases";

const ACCOUNT = "0123456789abcdef0123456789abcdef";
const config = (extra: Record<string, unknown> = {}): LoadBalancingConfig =>
    LoadBalancing.parse({ accountId: ACCOUNT, ...extra });

const EU: LoadBalancedRegion = { name: "eu", networkZone: "eu-central", primary: true };
const US_EAST: LoadBalancedRegion = { name: "us-east", networkZone: "us-east", primary: false };
const US_WEST: LoadBalancedRegion = { name: "us-west", networkZone: "us-west", primary: false };

const input = (
    c: LoadBalancingConfig,
    regions: readonly LoadBalancedRegion[] = [EU, US_EAST, US_WEST],
): LoadBalancingPlanInput => ({
    regions,
    hostnames: { app: "app.example.com", api: "api.example.com", write: "write.example.com" },
    zone: "example.com",
    namePrefix: "phase4",
    config: c,
    defaultHealthPath: "/health",
});

const balancer = (plan: ReturnType<typeof planLoadBalancing>, role: string) => {
    const b = plan.balancers.find((x) => x.role === role);
    if (!b) throw new Error(`no ${role} balancer`);
    return b;
};

describe("planLoadBalancing", () => {
    it("geo: every Cloudflare region lists every region's app pool, nearest first", () => {
        const plan = planLoadBalancing(input(config({ steering: "geo" })));
        for (const role of ["app", "api"]) {
            const b = balancer(plan, role);
            expect(b.steeringPolicy).toBe("geo");
            expect(Object.keys(b.regionPools ?? {}).sort()).toEqual([...CLOUDFLARE_REGIONS].sort());
            for (const pools of Object.values(b.regionPools ?? {}))
                expect([...pools].sort()).toEqual(["app:eu", "app:us-east", "app:us-west"]);
            expect(b.regionPools?.WEU).toEqual(["app:eu", "app:us-east", "app:us-west"]);
            expect(b.regionPools?.EEU).toEqual(["app:eu", "app:us-east", "app:us-west"]);
            expect(b.regionPools?.ENAM).toEqual(["app:us-east", "app:us-west", "app:eu"]);
            expect(b.regionPools?.WNAM).toEqual(["app:us-west", "app:us-east", "app:eu"]);
            expect(b.regionPools?.SSAM?.[0]).toBe("app:us-east");
            expect(b.defaultPools).toEqual(["app:eu", "app:us-east", "app:us-west"]);
            expect(b.fallbackPool).toBe("app:eu");
            expect(b.failoverAcrossPools).toBe(true);
            expect(b.proxied).toBe(true);
        }
    });

    it("off: plain failover, primary first, no region pools", () => {
        const plan = planLoadBalancing(input(config()));
        for (const role of ["app", "api"]) {
            const b = balancer(plan, role);
            expect(b.steeringPolicy).toBe("off");
            expect(b.regionPools).toBeUndefined();
            expect(b.defaultPools).toEqual(["app:eu", "app:us-east", "app:us-west"]);
            expect(b.fallbackPool).toBe("app:eu");
        }
    });

    it("the write hostname fails over off-steered over its own pools, with the writable monitor", () => {
        for (const steering of ["geo", "off"]) {
            const plan = planLoadBalancing(input(config({ steering })));
            const w = balancer(plan, "write");
            expect(w).toMatchObject({
                hostname: "write.example.com",
                steeringPolicy: "off",
                defaultPools: ["write:eu", "write:us-east", "write:us-west"],
                fallbackPool: "write:eu",
                proxied: true,
            });
            expect(w.regionPools).toBeUndefined();
            const writePools = plan.pools.filter((p) => w.defaultPools.includes(p.key));
            expect(writePools.map((p) => p.monitor)).toEqual(["write", "write", "write"]);
            const monitor = plan.monitors.find((m) => m.kind === "write");
            expect(monitor).toMatchObject({
                path: "/healthz/writable",
                host: "write.example.com",
                expectedCodes: "200",
            });
        }
    });

    it("monitors probe over HTTPS as the zone (origin pulls) with the api Host header and the API's health path", () => {
        const plan = planLoadBalancing(input(config()));
        expect(plan.monitors).toHaveLength(2);
        expect(plan.monitors.find((m) => m.kind === "app")).toMatchObject({
            type: "https",
            path: "/health",
            host: "api.example.com",
            expectedCodes: "2xx",
            intervalSeconds: 60,
            probeZone: "example.com",
            allowInsecure: true,
        });
        const custom = planLoadBalancing(input(config({ monitor: { path: "/ready" } })));
        expect(custom.monitors[0]?.path).toBe("/ready");
    });

    it("pools: one per region and monitor, checked from the region's Cloudflare regions, names Cloudflare takes", () => {
        const plan = planLoadBalancing(input(config()));
        expect(plan.pools.map((p) => p.name)).toEqual([
            "phase4-eu-app",
            "phase4-us-east-app",
            "phase4-us-west-app",
            "phase4-eu-write",
            "phase4-us-east-write",
            "phase4-us-west-write",
        ]);
        for (const p of plan.pools) {
            expect(p.name).toMatch(/^[A-Za-z0-9_-]+$/);
            expect(p.minimumOrigins).toBe(1);
            expect(p.healthSources).toBeUndefined();
        }
        const eu = plan.pools.find((p) => p.key === "app:eu");
        expect(eu?.checkRegions).toEqual(["WEU", "EEU"]);
        expect(plan.pools.find((p) => p.key === "app:us-east")?.checkRegions).toEqual(["ENAM"]);
        expect(plan.pools.find((p) => p.key === "app:us-west")?.checkRegions).toEqual(["WNAM"]);
        expect(plan.endpoints).toBe(6);
        expect(plan.checkRegions).toEqual(["WNAM", "ENAM", "WEU", "EEU"]);
        const regional = planLoadBalancing(input(config({ regionalHealth: true })));
        for (const p of regional.pools) expect(p.healthSources).toEqual(["regional", "global"]);
    });

    it("every network zone maps to Cloudflare regions and every Cloudflare region ranks every zone", () => {
        expect(ZONE_REGIONS["ap-southeast"]).toEqual(["SEAS"]);
        for (const r of CLOUDFLARE_REGIONS)
            expect([...ZONE_PREFERENCE[r]].sort()).toEqual([
                "ap-southeast",
                "eu-central",
                "us-east",
                "us-west",
            ]);
        const home = Object.entries(ZONE_REGIONS).flatMap(([zone, regions]) =>
            regions.map((r) => [r, zone] as [CloudflareRegion, string]),
        );
        for (const [r, zone] of home) expect(ZONE_PREFERENCE[r][0]).toBe(zone);
    });

    it("adding a region leaves the existing pools' keys and names as they were", () => {
        const two = planLoadBalancing(input(config(), [EU, US_EAST]));
        const three = planLoadBalancing(input(config(), [EU, US_EAST, US_WEST]));
        for (const p of two.pools)
            expect(three.pools.find((q) => q.key === p.key)).toMatchObject({ name: p.name });
    });

    it("refuses more regions than Cloudflare's 20 pools and 20 endpoints allow", () => {
        const regions = Array.from({ length: 11 }, (_, i) => ({
            name: `r${i}`,
            networkZone: "eu-central" as const,
            primary: i === 0,
        }));
        expect(() => planLoadBalancing(input(config(), regions))).toThrow(LoadBalancingPlanError);
        expect(() => planLoadBalancing(input(config(), regions))).toThrow(
            /22 pools .* exceed Cloudflare's 20 .* at most 10 regions/,
        );
        expect(() => planLoadBalancing(input(config(), regions))).toThrow(/22 endpoints exceed/);
        expect(() => planLoadBalancing(input(config(), regions.slice(0, 10)))).not.toThrow();
    });

    it("refuses a primary that is not first, two primaries, duplicate names and clashing hostnames", () => {
        expect(() => planLoadBalancing(input(config(), [{ ...US_EAST, primary: false }, { ...EU }]))).toThrow(
            /primary region \(eu\) must be listed first/,
        );
        expect(() => planLoadBalancing(input(config(), [EU, { ...US_EAST, primary: true }]))).toThrow(
            /exactly one primary region, got 2/,
        );
        expect(() => planLoadBalancing(input(config(), [EU, { ...US_EAST, name: "eu" }]))).toThrow(
            /region name eu is used twice/,
        );
        expect(() =>
            planLoadBalancing({
                ...input(config()),
                hostnames: { app: "app.example.com", api: "api.example.com", write: "api.example.com" },
            }),
        ).toThrow(/hostnames must differ/);
        expect(() => planLoadBalancing({ ...input(config()), namePrefix: "phase 4" })).toThrow(
            /may hold only letters, digits, - and _/,
        );
    });
});

describe("LoadBalancing config", () => {
    const problems = (raw: unknown) => {
        const r = LoadBalancing.safeParse(raw);
        if (r.success) throw new Error("parsed");
        return r.error.issues.map((i) => `${pathToString(["loadBalancing", ...i.path])}: ${i.message}`);
    };

    it("fills the defaults: off steering, write host, Pro's 60 s interval", () => {
        expect(config()).toEqual({
            accountId: ACCOUNT,
            steering: "off",
            writeHost: "write",
            regionalHealth: false,
            fencedRegions: [],
            monitor: {
                writablePath: "/healthz/writable",
                intervalSeconds: 60,
                timeoutSeconds: 5,
                retries: 2,
                consecutiveDown: 2,
                consecutiveUp: 2,
                allowInsecure: true,
            },
        });
    });

    it("names the key and the fix", () => {
        expect(problems({ accountId: "nope" })).toEqual([
            expect.stringMatching(
                /^loadBalancing\.accountId: must be the Cloudflare account's 32-character id/,
            ),
        ]);
        expect(problems({ accountId: ACCOUNT, steering: "dynamic" })).toEqual([
            expect.stringMatching(
                /^loadBalancing\.steering: must be geo \(needs .*Traffic steering add-on\) or off/,
            ),
        ]);
        expect(problems({ accountId: ACCOUNT, monitor: { intervalSeconds: 15 } })).toEqual([
            expect.stringMatching(
                /^loadBalancing\.monitor\.intervalSeconds: must be at least 60, .*Pro plan/,
            ),
        ]);
        expect(problems({ accountId: ACCOUNT, monitor: { intervalSeconds: 7200 } })).toEqual([
            "loadBalancing.monitor.intervalSeconds: must be at most 3600, Cloudflare's maximum",
        ]);
        expect(
            problems({ accountId: ACCOUNT, monitor: { intervalSeconds: 60, timeoutSeconds: 60 } }),
        ).toEqual([
            "loadBalancing.monitor.timeoutSeconds: must be shorter than monitor.intervalSeconds (60): lower timeoutSeconds or raise intervalSeconds",
        ]);
        expect(problems({ accountId: ACCOUNT, monitor: { retries: 9, consecutiveDown: 0 } })).toEqual([
            "loadBalancing.monitor.retries: must be at most 5: each retry probes again at once",
            "loadBalancing.monitor.consecutiveDown: must be at least 1",
        ]);
        expect(problems({ accountId: ACCOUNT, monitor: { path: "health" } })).toEqual([
            "loadBalancing.monitor.path: must be an absolute URL path such as /health",
        ]);
        expect(problems({ accountId: ACCOUNT, writeHost: "Write!" })).toEqual([
            "loadBalancing.writeHost: must be one DNS label such as app",
        ]);
        expect(problems({ accountId: ACCOUNT, zone: "example.com" })).toEqual([
            expect.stringMatching(/^loadBalancing: .*"zone"/),
        ]);
    });

    const EDGE = { appHost: "app", apiHost: "api" };
    const REGIONS = ["eu", "us-east"];

    it("refuses a write host the edge already publishes", () => {
        expect(loadBalancingIssues({ writeHost: "api", fencedRegions: [] }, EDGE, REGIONS)).toEqual([
            {
                path: ["loadBalancing", "writeHost"],
                message: "must differ from edge.apiHost (api): choose another label such as write",
            },
        ]);
        expect(loadBalancingIssues({ writeHost: "write", fencedRegions: ["eu"] }, EDGE, REGIONS)).toEqual([]);
    });

    it("refuses a fenced region that does not exist, and fencing every region", () => {
        expect(loadBalancingIssues({ writeHost: "write", fencedRegions: ["us"] }, EDGE, REGIONS)).toEqual([
            {
                path: ["loadBalancing", "fencedRegions", 0],
                message: "names no region (eu, us-east): list a region's name",
            },
        ]);
        expect(
            loadBalancingIssues({ writeHost: "write", fencedRegions: ["us-east", "eu"] }, EDGE, REGIONS),
        ).toEqual([expect.objectContaining({ path: ["loadBalancing", "fencedRegions"] })]);
    });

    it("disables a fenced region's pools and keeps the others", () => {
        const plan = planLoadBalancing(input(config({ fencedRegions: ["eu"] })));
        expect(plan.pools.map((p) => [p.region, p.monitor, p.enabled])).toEqual(
            expect.arrayContaining([
                ["eu", "app", false],
                ["eu", "write", false],
                ["us-east", "app", true],
                ["us-east", "write", true],
            ]),
        );
    });
});

describe("priceLoadBalancing", () => {
    const base = Math.round((LOAD_BALANCING_PRICES.subscription.monthlyUsd / USD_PER_EUR.rate) * 100) / 100;

    it("prices the published subscription and lists what Cloudflare does not publish as unverified 0", () => {
        const off = priceLoadBalancing(planLoadBalancing(input(config())));
        expect(off.lines[0]).toEqual({
            item: "Cloudflare Load Balancing subscription",
            monthlyEur: base,
            basis: "quoted",
        });
        expect(base).toBe(4.8);
        expect(off.unpriced).toEqual([
            "Cloudflare Load Balancing endpoints (6)",
            "Cloudflare Load Balancing health-check regions (4: WNAM, ENAM, WEU, EEU)",
        ]);
        for (const l of off.lines.slice(1)) expect(l).toMatchObject({ monthlyEur: 0, basis: "unverified" });
        const geo = priceLoadBalancing(planLoadBalancing(input(config({ steering: "geo" }))));
        expect(geo.unpriced).toContain("Cloudflare Traffic steering (geo)");
        expect(geo.lines).toHaveLength(4);
    });

    it("prices every item once the catalog has a figure, units beyond those included", () => {
        const prices = {
            ...LOAD_BALANCING_PRICES,
            endpoints: {
                monthlyUsd: 1.0411,
                included: 2,
                basis: "quoted",
                source: "test",
                seen: "2026-10-01",
            },
            checkRegions: { monthlyUsd: 5, included: 4, basis: "quoted", source: "test", seen: "2026-10-01" },
            trafficSteering: { monthlyUsd: 20.822, basis: "quoted", source: "test", seen: "2026-10-01" },
        } as const;
        const cost = priceLoadBalancing(planLoadBalancing(input(config({ steering: "geo" }))), prices);
        expect(cost.unpriced).toEqual([]);
        expect(cost.lines.map((l) => l.monthlyEur)).toEqual([base, 4, 0, 20]);
    });
});
