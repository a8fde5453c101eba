/** The `agents` config section: defaults, and every mistake reported with its key and the fix, all at once. */
import { describe, expect, it } from "vitest";
import { loadStackConfig, type LoadResult } from "../../core/config/load";
import { planAgentPools } from "../../core/capacity/pools";
import { loadedConfig, shippedStack, withValues } from "../helpers/stackFiles";

const load = (agents: unknown): LoadResult =>
    loadStackConfig(withValues(shippedStack("phase1"), { "phase-stacks:agents": agents }));
const problems = (r: LoadResult) => (r.ok ? [] : r.problems.map((p) => `${p.key}: ${p.message} | ${p.fix}`));

describe("agents config", () => {
    it("phase 1 ships one free-tier pool of one host (ClawHQ Tier 1)", () => {
        const c = loadedConfig(shippedStack("phase1"), "phase1");
        const pools = planAgentPools(c.agents!, c.memory.systemReserveMb);
        expect(
            pools.map((p) => [p.name, p.plan.serverType, p.plan.totalNodes, p.plan.containersPerNode]),
        ).toEqual([["agents-free", "cx43", 1, 50]]);
    });

    it("applies the seed's formula defaults when only the image and users are given", () => {
        const c = loadedConfig(
            withValues(shippedStack("phase1"), {
                "phase-stacks:agents": {
                    image: "ghcr.io/example/agent:1.0.0",
                    tiers: { free: { activeUsers: 100 } },
                },
            }),
            "phase1",
        );
        expect(c.agents).toMatchObject({ containersPerUser: 1, bufferRatio: 0.3, enterprise: [] });
        expect(planAgentPools(c.agents!, 1024)[0]?.plan).toMatchObject({
            requiredNodes: 2,
            bufferNodes: 1,
        });
    });

    it("reports every mistake with its key and the pulumi config fix", () => {
        const r = load({
            image: "Not An Image",
            tiers: { free: { activeUsers: -1 }, gold: {} },
            dockerApiAllowedCidrs: ["0.0.0.0/0"],
        });
        const found = problems(r).join("\n");
        expect(found).toMatch(/phase-stacks:agents\.image: must be an image reference/);
        expect(found).toMatch(/phase-stacks:agents\.tiers\.free\.activeUsers: /);
        expect(found).toMatch(/phase-stacks:agents\.tiers\.gold: is not a known setting .*pulumi config rm/);
        expect(found).toMatch(
            /phase-stacks:agents\.dockerApiAllowedCidrs\[?\.?0\]?: must not open the Docker API/,
        );
        expect(found).toContain("pulumi config set --path");
    });

    it("rejects a server type too small for the tier and duplicate customers, after the shape is valid", () => {
        const found = problems(
            load({
                image: "ghcr.io/example/agent:1.0.0",
                enterprise: [
                    { name: "acme", activeUsers: 5, serverType: "cpx12" },
                    { name: "acme", activeUsers: 5 },
                ],
            }),
        ).join("\n");
        expect(found).toMatch(
            /agents\.enterprise\[0\]\.serverType: cpx12 \(2 GB\) cannot hold one 2048 MB enterprise container/,
        );
        expect(found).toMatch(/agents\.enterprise\[1\]\.name: repeats "acme"/);
    });
});
