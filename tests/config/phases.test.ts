/**
 * Config per phase: each phase accepts exactly the sections and `servers` roles its topology reads, and
 * phases 4 and 5 validate `regions` and `kubernetes` with every problem reported at once.
 */
import { describe, expect, it } from "vitest";
import { loadStackConfig, type LoadResult } from "../../core/config/load";
import { SECTIONS_BY_PHASE } from "../../core/config/schema";
import { loadedConfig, shippedStack, withValues } from "../helpers/stackFiles";

const P = "phase-stacks";

function problems(r: LoadResult): string[] {
    if (r.ok) throw new Error("expected the config to be rejected");
    return r.problems.map((p) => `${p.key.slice(P.length + 1)}: ${p.message} | ${p.fix}`);
}

const regions = (stack = "phase4"): Record<string, unknown>[] =>
    JSON.parse(shippedStack(stack).values[`${P}:regions`] ?? "[]") as Record<string, unknown>[];

describe("sections per phase", () => {
    it("the phases read what their topologies build", () => {
        const has = (phase: keyof typeof SECTIONS_BY_PHASE) => SECTIONS_BY_PHASE[phase].sections;
        expect(has("dev")).not.toContain("servers");
        expect(SECTIONS_BY_PHASE.phase1.servers).toEqual(["app"]);
        expect(SECTIONS_BY_PHASE.phase2.servers).toEqual(["app", "data"]);
        expect(SECTIONS_BY_PHASE.phase3.servers).toEqual(["app", "backend", "frontend", "database", "lb"]);
        expect(has("phase4")).toEqual(expect.arrayContaining(["regions", "loadBalancer"]));
        expect(has("phase4")).not.toContain("servers");
        expect(has("phase5")).toContain("kubernetes");
        expect(has("phase5")).not.toContain("servers");
    });

    it.each([
        ["dev", { [`${P}:postgres`]: { database: "app" } }, "postgres"],
        ["phase1", { [`${P}:kubernetes`]: {} }, "kubernetes"],
        ["phase2", { [`${P}:replication`]: { replicas: 2 } }, "replication"],
        ["phase3", { [`${P}:regions`]: [] }, "regions"],
        ["phase4", { [`${P}:servers`]: { app: { type: "cx33" } } }, "servers"],
        ["phase5", { [`${P}:location`]: "hel1", [`${P}:loadBalancer`]: { kind: "haproxy" } }, "loadBalancer"],
    ])("%s refuses %j as a section it does not use, with a removal fix", (stack, set, key) => {
        const found = problems(loadStackConfig(withValues(shippedStack(stack), set)));
        expect(found).toContain(
            `${key}: is not used by ${stack} | pulumi config rm --path '${key}' --stack ${stack}`,
        );
    });

    it("a server role of another phase is not used; a role no phase has is misspelled", () => {
        const file = withValues(shippedStack("phase2"), {
            [`${P}:servers`]: {
                app: { type: "cx33" },
                data: { type: "cx33" },
                database: { type: "cx33" },
                datta: { type: "cx33" },
            },
        });
        expect(problems(loadStackConfig(file))).toEqual([
            "servers.datta: is not a known setting (check its spelling) | pulumi config rm --path 'servers.datta' --stack phase2",
            "servers.database: is not used by phase2 | pulumi config rm --path 'servers.database' --stack phase2",
        ]);
    });

    it("an unknown phase names the phases", () => {
        const found = problems(
            loadStackConfig(withValues(shippedStack("phase1"), { [`${P}:phase`]: "phase6" })),
        );
        expect(found).toEqual([
            "phase: must be one of dev, phase1, phase2, phase3, phase4, phase5 | pulumi config set --path 'phase' <value> --stack phase1",
        ]);
    });

    it("phase 3 with an HAProxy load balancer needs servers.lb", () => {
        const file = shippedStack("phase3");
        const { lb, ...servers } = JSON.parse(file.values[`${P}:servers`] ?? "{}") as Record<string, unknown>;
        expect(lb).toBeDefined();
        const haproxy = { [`${P}:loadBalancer`]: { kind: "haproxy" }, [`${P}:servers`]: servers };
        expect(problems(loadStackConfig(withValues(file, haproxy)))).toContain(
            "servers.lb: is required for phase3 with loadBalancer.kind haproxy | pulumi config set --path 'servers.lb' <value> --stack phase3",
        );
    });
});

describe("phase 4 regions", () => {
    it("the shipped stack has an EU primary and a US standby region", () => {
        const c = loadedConfig(shippedStack("phase4"), "phase4");
        expect(c.regions.map((r) => [r.name, r.location, r.network.subnet])).toEqual([
            ["eu", "nbg1", "10.0.1.0/24"],
            ["us-east", "ash", "10.1.1.0/24"],
        ]);
        expect(c.regions[1]?.replication.replicas).toBe(1);
    });

    it("reports every region's problems at once", () => {
        const [eu, us] = regions();
        const broken = [
            { ...us, fallbackLocations: ["hil"] },
            { ...eu, name: "us-east", network: { ipRange: "10.1.0.0/16", subnet: "10.1.2.0/24" } },
            {
                ...us,
                name: "us-west",
                location: "hil",
                servers: { ...(us?.servers as object), frontend: { type: "cx33" } },
            },
        ];
        const found = problems(
            loadStackConfig(withValues(shippedStack("phase4"), { [`${P}:regions`]: broken })),
        );
        const keys = found.map((f) => f.slice(0, f.indexOf(":")));
        expect(keys).toEqual(
            expect.arrayContaining([
                "regions[0].location",
                "regions[0].fallbackLocations[0]",
                "regions[1].name",
                "regions[1].network.ipRange",
                "regions[2].servers.frontend.type",
                "regions[2].network.ipRange",
            ]),
        );
        expect(found.find((f) => f.startsWith("regions[0].location"))).toMatch(/must be in eu-central/);
        expect(found.find((f) => f.startsWith("regions[2].servers.frontend.type"))).toMatch(
            /not sold in hil/,
        );
    });

    it("one region is not a multi-region stack", () => {
        const found = problems(
            loadStackConfig(withValues(shippedStack("phase4"), { [`${P}:regions`]: regions().slice(0, 1) })),
        );
        expect(found[0]).toMatch(/^regions: needs a primary region and at least one other/);
    });
});

describe("phase 5 kubernetes", () => {
    const kubernetes = (change: Record<string, unknown>) => ({
        [`${P}:kubernetes`]: {
            version: "v1.33.13+k3s2",
            controlPlane: { type: "cx33", count: 3 },
            nodePools: [{ name: "app", type: "cx43", min: 2, max: 6 }],
            ...change,
        },
    });

    it("the shipped stack pins k3s and runs three control-plane servers", () => {
        const c = loadedConfig(shippedStack("phase5"), "phase5");
        expect(c.kubernetes.version).toMatch(/^v1\.\d+\.\d+\+k3s\d+$/);
        expect(c.kubernetes.controlPlane.count).toBe(3);
    });

    it("refuses an even control plane, an unpinned version, pools out of order, all at once", () => {
        const found = problems(
            loadStackConfig(
                withValues(
                    shippedStack("phase5"),
                    kubernetes({
                        version: "latest",
                        controlPlane: { type: "cx33", count: 2 },
                        nodePools: [
                            { name: "app", type: "cx43", min: 3, max: 2 },
                            { name: "app", type: "cx43", min: 0, max: 2 },
                        ],
                    }),
                ),
            ),
        );
        expect(found.map((f) => f.slice(0, f.indexOf("|")))).toEqual(
            expect.arrayContaining([
                "kubernetes.version: must be a k3s release such as v1.33.13+k3s2 ",
                "kubernetes.controlPlane.count: must be odd (1, 3, 5 or 7): etcd needs a majority of its members ",
                "kubernetes.nodePools[0].max: must be at least min ",
            ]),
        );
    });

    it("refuses a pool type not sold where the cluster runs", () => {
        const found = problems(
            loadStackConfig(
                withValues(shippedStack("phase5"), {
                    [`${P}:location`]: "ash",
                    [`${P}:fallbackLocations`]: [],
                    ...kubernetes({ controlPlane: { type: "cpx32", count: 3 } }),
                }),
            ),
        );
        expect(found.find((f) => f.startsWith("kubernetes.nodePools[0].type"))).toMatch(/not sold in ash/);
    });

    it("refuses tenants without a pool to run on, duplicate names, and a customer on the wrong tier", () => {
        const found = problems(
            loadStackConfig(
                withValues(shippedStack("phase5"), {
                    ...kubernetes({
                        tenants: [
                            { name: "alice", tier: "pro" },
                            { name: "alice", tier: "free" },
                            { name: "globex", tier: "enterprise", customer: "globex" },
                            { name: "initech", tier: "enterprise" },
                            { name: "bob", tier: "free", customer: "acme" },
                        ],
                    }),
                }),
            ),
        );
        const keys = found.map((f) => f.slice(0, f.indexOf(":")));
        expect(keys).toEqual(
            expect.arrayContaining([
                "kubernetes.tenants[1].name",
                "kubernetes.tenants[3].customer",
                "kubernetes.tenants[4].customer",
            ]),
        );
        expect(found.find((f) => f.startsWith("kubernetes.tenants[3].customer"))).toMatch(
            /required for an enterprise/,
        );
        // Schema problems come first; once the shapes are right, the pools are checked.
        const pools = problems(
            loadStackConfig(
                withValues(shippedStack("phase5"), {
                    ...kubernetes({
                        tenants: [
                            { name: "alice", tier: "pro" },
                            { name: "globex", tier: "enterprise", customer: "globex" },
                            { name: "carol", tier: "free" },
                        ],
                    }),
                }),
            ),
        );
        expect(pools.find((f) => f.startsWith("kubernetes.tenants[0].tier"))).toMatch(
            /no agent pool.*agents\.tiers\.pro\.activeUsers/,
        );
        expect(pools.find((f) => f.startsWith("kubernetes.tenants[1].customer"))).toMatch(
            /agents\.enterprise/,
        );
        // The shipped stack's free tier has users, so carol has a pool.
        expect(pools.some((f) => f.startsWith("kubernetes.tenants[2]"))).toBe(false);
    });
});
