/**
 * The phase-4 plan: one fleet per region, each on its own private network with its own Patroni cluster (the EU
 * primary, a standby cluster in the US), replication between them over TLS through 5432 opened only to the other
 * regions' database addresses, Cloudflare Load Balancing with a pool per region and a write hostname; within the
 * seed's budget, free of mandatory violations, with no database node touched by config edits.
 */
import { parse } from "yaml";
import { beforeAll, describe, expect, it } from "vitest";
import { statefulChanges } from "../../tools/plan/diff";
import { runPlan, type Plan, type PlanResource } from "../../tools/plan/run";
import { CLOUDFLARE_REGIONS } from "../../core/catalog/cloudflareLoadBalancing";
import { PATRONI_CONFIG_SECRET } from "../../core/render/data/patroniNode";
import { WRITABLE_HEALTH_PATH } from "../../core/render/app/caddy";
import { sharedPlanObject } from "../helpers/sharedPlans";
import { shippedStack, withValues } from "../helpers/stackFiles";
import { isStateful, SERVER } from "./splitStacks";

const P = "phase-stacks";
const base = shippedStack("phase4");
const regionsConfig = JSON.parse(base.values[`${P}:regions`] ?? "[]") as Record<string, unknown>[];
const US_WEST = {
    name: "us-west",
    location: "hil",
    network: { ipRange: "10.2.0.0/16", subnet: "10.2.1.0/24" },
    servers: {
        backend: { type: "cpx32", count: 1 },
        frontend: { type: "cpx22" },
        database: { type: "cpx42" },
    },
};

let plan: Plan;
let geo: Plan;
let three: Plan;
beforeAll(async () => {
    plan = sharedPlanObject("phase4");
    // One after the other: the Pulumi runtime the plan runs on is process-global.
    geo = await runPlan(
        withValues(base, {
            [`${P}:loadBalancing`]: { accountId: "0123456789abcdef0123456789abcdef", steering: "geo" },
        }),
    );
    three = await runPlan(withValues(base, { [`${P}:regions`]: [...regionsConfig, US_WEST] }));
}, 120_000);

const ofType = (p: Plan, type: string) => p.resources.filter((r) => r.type === type);
const named = (p: Plan, name: string) => {
    const r = p.resources.find((x) => x.name === name);
    if (!r) throw new Error(`no resource ${name} in the plan`);
    return r;
};
const label = (r: PlanResource, key: string) => (r.inputs["labels"] as Record<string, string>)[key];
const outputs = (p: Plan) =>
    p.outputs as {
        regions: Record<
            string,
            { role: string; entryIpv4: string; databasePublicIpv4: Record<string, string> }
        >;
        writeUrl: string;
        urls: string[];
    };
const patroniYml = (p: Plan, server: string) =>
    parse(
        p.artifacts.find((a) => a.machine === server && a.target === PATRONI_CONFIG_SECRET)?.content ?? "",
    ) as {
        scope: string;
        bootstrap: { dcs: Record<string, unknown> };
        postgresql: {
            listen: string;
            authentication: Record<string, Record<string, string>>;
            pg_hba: string[];
        };
    };

describe("phase4 plan", () => {
    it("gives each region its own private network in its own zone, and every server of a region joins only it", () => {
        const networks = ofType(plan, "hcloud:index/networkSubnet:NetworkSubnet");
        expect(networks.map((n) => [n.name, n.inputs["networkZone"], n.inputs["ipRange"]]).sort()).toEqual([
            ["eu-private-subnet", "eu-central", "10.0.1.0/24"],
            ["us-east-private-subnet", "us-east", "10.1.1.0/24"],
        ]);
        const servers = ofType(plan, SERVER);
        for (const s of servers) {
            const region = label(s, "region");
            expect(["eu", "us-east"], s.name).toContain(region);
            const subnets = s.dependencies.filter((d) => d.includes("networkSubnet:NetworkSubnet::"));
            expect(subnets, s.name).toEqual([expect.stringContaining(`::${region}-private-subnet`)]);
            expect(s.name.startsWith(`${region}-`), s.name).toBe(true);
        }
        expect(
            servers
                .filter((s) => label(s, "region") === "us-east")
                .every((s) => s.inputs["location"] === "ash"),
        ).toBe(true);
    });

    it("selects load balancer targets only within the selector's own region", () => {
        const targets = ofType(plan, "hcloud:index/loadBalancerTarget:LoadBalancerTarget");
        expect(targets.length).toBeGreaterThanOrEqual(6);
        for (const t of targets) {
            const region = t.name.startsWith("us-east-") ? "us-east" : "eu";
            expect(t.inputs["labelSelector"], t.name).toMatch(
                new RegExp(`^stack=phase4,role=\\w+,region=${region}$`),
            );
        }
    });

    it("runs the EU's Patroni cluster as primary and the US's as a standby cluster of it, each with its own etcd", () => {
        const eu = patroniYml(plan, "eu-db-primary-host-server");
        const us = patroniYml(plan, "us-east-db-primary-host-server");
        expect([eu.scope, us.scope]).toEqual(["phase4-eu", "phase4-us-east"]);
        const { regions } = outputs(plan);
        const euIps = Object.values(regions["eu"]?.databasePublicIpv4 ?? {});
        const usIps = Object.values(regions["us-east"]?.databasePublicIpv4 ?? {});
        expect(euIps).toHaveLength(2);
        expect(eu.bootstrap.dcs["slots"]).toEqual({ standby_us_east: { type: "physical" } });
        expect(eu.bootstrap.dcs["standby_cluster"]).toBeUndefined();
        expect(us.bootstrap.dcs["standby_cluster"]).toEqual({
            host: euIps.join(","),
            port: 5432,
            primary_slot_name: "standby_us_east",
        });
        // Verify-full both ways: the standby checks the EU's certificate, the EU the standby's client certificate.
        expect(us.postgresql.authentication["replication"]).toMatchObject({ sslmode: "verify-full" });
        for (const ip of usIps)
            expect(eu.postgresql.pg_hba).toContain(
                `hostssl replication replicator ${ip}/32 scram-sha-256 clientcert=verify-full`,
            );
        expect(
            eu.postgresql.pg_hba.filter((l) => l.includes("replication") && !l.startsWith("hostssl")),
        ).toEqual(
            eu.postgresql.pg_hba.filter((l) =>
                /^(host|local) replication .*(10\.0\.|127\.0\.0\.1|postgres)/.test(l),
            ),
        );
        // The etcd members of each cluster are its own region's private addresses only.
        const etcdOf = (server: string) =>
            plan.artifacts.find((a) => a.machine === server && a.target.endsWith("etcd-new.yml"))?.content;
        expect(etcdOf("eu-db-primary-host-server")).toMatch(/10\.0\.1\.100/);
        expect(etcdOf("eu-db-primary-host-server")).not.toMatch(/10\.1\./);
        expect(etcdOf("us-east-db-primary-host-server")).toMatch(/10\.1\.1\.100/);
        expect(etcdOf("us-east-db-primary-host-server")).not.toMatch(/10\.0\./);
        // A standby is a physical copy: both regions log in with the same Patroni roles.
        expect(us.postgresql.authentication["superuser"]?.["password"]).toBe(
            eu.postgresql.authentication["superuser"]?.["password"],
        );
    });

    it("opens 5432 only to the other regions' database addresses, and only on database nodes", () => {
        const { regions } = outputs(plan);
        const ips = (r: string) =>
            Object.values(regions[r]?.databasePublicIpv4 ?? {}).map((ip) => `${ip}/32`);
        const rules = (name: string) =>
            named(plan, name).inputs["rules"] as { port: string; sourceIps: string[] }[];
        expect(rules("eu-replication-firewall")).toEqual([
            expect.objectContaining({ port: "5432", sourceIps: ips("us-east") }),
        ]);
        expect(rules("us-east-replication-firewall")).toEqual([
            expect.objectContaining({ port: "5432", sourceIps: ips("eu") }),
        ]);
        for (const fw of ofType(plan, "hcloud:index/firewall:Firewall").filter(
            (f) => !f.name.endsWith("replication-firewall"),
        ))
            for (const rule of fw.inputs["rules"] as { port: string }[])
                expect(rule.port, fw.name).not.toBe("5432");
        const replicationFirewalls = ofType(plan, "hcloud:index/firewall:Firewall")
            .filter((f) => f.name.endsWith("replication-firewall"))
            .map((f) => f.urn);
        for (const s of ofType(plan, SERVER)) {
            const attached = s.dependencies.some((d) => replicationFirewalls.includes(d));
            expect(attached, s.name).toBe(label(s, "role") === "database");
        }
    });

    it("puts one pool per region in front of its entry, app and API failing over EU first, writes following the primary", () => {
        const { regions } = outputs(plan);
        for (const r of ["eu", "us-east"]) {
            for (const pool of [`edge-lb-pool-${r}`, `edge-lb-write-pool-${r}`])
                expect(named(plan, pool).inputs["origins"]).toEqual([
                    expect.objectContaining({ address: regions[r]?.entryIpv4, enabled: true }),
                ]);
        }
        for (const role of ["app", "api"])
            expect(named(plan, `edge-lb-lb-${role}`).inputs).toMatchObject({
                steeringPolicy: "off",
                defaultPools: ["edge-lb-pool-eu-id", "edge-lb-pool-us-east-id"],
                fallbackPool: "edge-lb-pool-eu-id",
                adaptiveRouting: { failoverAcrossPools: true },
                proxied: true,
            });
        expect(named(plan, "edge-lb-lb-write").inputs).toMatchObject({
            name: "write.example.com",
            steeringPolicy: "off",
            defaultPools: ["edge-lb-write-pool-eu-id", "edge-lb-write-pool-us-east-id"],
        });
        expect(named(plan, "edge-lb-monitor-write").inputs).toMatchObject({
            path: WRITABLE_HEALTH_PATH,
            expectedCodes: "200",
        });
        // The load balancers answer for the hostnames: no DNS record competes with them.
        expect(ofType(plan, "cloudflare:index/dnsRecord:DnsRecord")).toEqual([]);
        expect(outputs(plan).writeUrl).toBe("https://write.example.com");
    });

    it("with geo steering lists both pools in every Cloudflare region, the nearest first", () => {
        const pools = named(geo, "edge-lb-lb-api").inputs["regionPools"] as Record<string, string[]>;
        expect(Object.keys(pools).sort()).toEqual([...CLOUDFLARE_REGIONS].sort());
        for (const list of Object.values(pools))
            expect([...list].sort()).toEqual(["edge-lb-pool-eu-id", "edge-lb-pool-us-east-id"]);
        expect(pools["WEU"]?.[0]).toBe("edge-lb-pool-eu-id");
        expect(pools["ENAM"]?.[0]).toBe("edge-lb-pool-us-east-id");
        expect(named(geo, "edge-lb-lb-write").inputs["steeringPolicy"]).toBe("off");
    });

    it("backends answer the writable check from their own region's database nodes", () => {
        const caddy = (server: string) =>
            JSON.parse(
                geo.artifacts.find((a) => a.machine === server && a.target.endsWith("caddy.json"))?.content ??
                    "{}",
            ) as object;
        for (const [server, subnet] of [
            ["eu-backend-1-server", "10.0.1."],
            ["us-east-backend-1-server", "10.1.1."],
        ] as const) {
            const text = JSON.stringify(caddy(server));
            expect(text, server).toContain(WRITABLE_HEALTH_PATH);
            const dials = [...text.matchAll(/"dial":"([\d.]+):8009"/g)].map((m) => m[1]);
            expect(dials.length, server).toBeGreaterThan(0);
            for (const d of dials) expect(d?.startsWith(subnet), `${server} dials ${d}`).toBe(true);
        }
    });

    it("adds a third region (us-west) with its own network, pools, slot and firewall, renaming nothing", () => {
        const urns = new Set(three.resources.map((r) => r.urn));
        expect(plan.resources.filter((r) => !urns.has(r.urn)).map((r) => r.name)).toEqual([]);
        expect(named(three, "us-west-private-subnet").inputs["networkZone"]).toBe("us-west");
        expect(named(three, "edge-lb-pool-us-west").inputs["checkRegions"]).toEqual(["WNAM"]);
        expect(patroniYml(three, "eu-db-primary-host-server").bootstrap.dcs["slots"]).toEqual({
            standby_us_east: { type: "physical" },
            standby_us_west: { type: "physical" },
        });
        expect(outputs(three).regions["us-west"]?.role).toBe("standby");
        // A third region's EUR ~76 takes the stack past the Chrono seed's EUR 200: the pack says so, and only that.
        expect(three.policy.violations.filter((v) => v.level === "mandatory").map((v) => v.policy)).toEqual([
            "stack-monthly-budget",
        ]);
    });

    it("backs up one cluster history hourly for 30 days, copies it to another location, and each region's Redis apart", () => {
        const script = (server: string, name: string) =>
            plan.artifacts.find((a) => a.machine === server && a.target.endsWith(`/bin/${name}`))?.content ??
            "";
        for (const [server, region] of [
            ["eu-db-primary-host-server", "eu"],
            ["us-east-db-primary-host-server", "us-east"],
        ] as const) {
            const base = script(server, "base-backup.sh");
            expect(base, server).toContain("backup:example-com-backups/backups/phase4/postgres/base");
            expect(base, server).toContain("copy:example-com-backups-copy/backups/phase4");
            expect(base, server).toContain("readonly retention_days=30");
            expect(script(server, "redis-snapshot.sh"), server).toContain(
                `backup:example-com-backups/backups/phase4/redis/${region}'`,
            );
        }
    });

    it("protects every database node, volume and reserved database address", () => {
        const stateful = plan.resources.filter(isStateful).filter((r) => r.name.includes("-db-"));
        expect(stateful.map((r) => r.name).sort()).toEqual(
            ["eu", "us-east"]
                .flatMap((r) =>
                    ["primary", "replica1"].flatMap((n) => [
                        `${r}-db-${n}-host-server`,
                        `${r}-db-${n}-ipv4`,
                        `${r}-db-${n}-postgres-volume`,
                    ]),
                )
                .sort(),
        );
        for (const r of stateful) expect(r.protect, r.name).toBe(true);
    });

    it("costs the seed's EUR 150-200 without the agent hosts, with no mandatory violation", () => {
        const lines = plan.cost.lines.filter((l) => !/(^|-)agents-/.test(l.resource));
        const total = lines.reduce((sum, l) => sum + l.monthlyEur, 0);
        expect(total).toBeGreaterThanOrEqual(150);
        expect(total).toBeLessThanOrEqual(200);
        expect(lines.some((l) => l.item.includes("Cloudflare Load Balancing subscription"))).toBe(true);
        expect(plan.policy.violations.filter((v) => v.level === "mandatory")).toEqual([]);
    });
});

const EDITS: Record<string, Record<string, unknown>> = {
    "bigger servers, more backends and a second replica in every region": {
        [`${P}:regions`]: regionsConfig.map((r) => ({
            ...r,
            servers: {
                ...(r["servers"] as object),
                backend: { type: "cpx42", count: 3 },
                database: { type: "cpx52" },
            },
            replication: { replicas: 2 },
        })),
        [`${P}:postgres`]: { volumeGb: 100 },
    },
    "geo steering, new SSH keys and another zone": {
        [`${P}:loadBalancing`]: { accountId: "fedcba9876543210fedcba9876543210", steering: "geo" },
        [`${P}:admin`]: {
            sshPublicKeys: [
                "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGrmxnwCbR8z6DFr8BApfwxtwZm0UpAqtd+rDtI7PLTV second@example.com",
            ],
            sshAllowedCidrs: ["198.51.100.0/24"],
        },
        [`${P}:edge`]: { zone: "example.org", zoneId: "fedcba9876543210fedcba9876543210" },
    },
};

describe("phase4 database tier across config edits", () => {
    it.each(Object.keys(EDITS))(
        "%s: no database node, volume or reserved address is deleted or replaced",
        async (edit) => {
            const before = plan.resources.filter(isStateful).filter((r) => r.name.includes("-db-"));
            const after = await runPlan(withValues(base, EDITS[edit] ?? {}));
            expect(statefulChanges(before, after.resources)).toEqual([]);
        },
        60_000,
    );
});
