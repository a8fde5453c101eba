/** The memory check: a node's containers plus the system reserve fit its RAM. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { SERVER_TYPES } from "../../core/catalog/hetzner";
import { checkNodeMemory, containersByMemory, containersPerNode } from "../../core/workload/memoryPlan";
import { DEFAULT_SERVER_TYPES, DEFAULT_SYSTEM_RESERVE_MB } from "../../core/capacity/plan";
import { TIER_NAMES, TIERS } from "../../core/capacity/tiers";

describe("the seed's Tier 1 host", () => {
    it("holds 50 x 256 MB = 12.8 GB on a 16 GB host with the 1 GB system reserve", () => {
        const check = checkNodeMemory({
            containers: 50,
            containerMemoryMb: 256,
            systemReserveMb: DEFAULT_SYSTEM_RESERVE_MB,
            nodeMemoryGb: 16,
        });
        expect(check.requiredMb - DEFAULT_SYSTEM_RESERVE_MB).toBe(12_800);
        expect(check.fits).toBe(true);
        expect(check.headroomMb).toBe(16 * 1024 - 12_800 - 1024);
    });

    it("refuses a 51st..72nd container only when RAM runs out, not before (60 fit by memory)", () => {
        expect(containersByMemory(16, 256, 1024)).toBe(60);
        expect(
            checkNodeMemory({
                containers: 61,
                containerMemoryMb: 256,
                systemReserveMb: 1024,
                nodeMemoryGb: 16,
            }).fits,
        ).toBe(false);
    });

    it.each(TIER_NAMES)("every %s node of its default server type fits when full", (name) => {
        const type = SERVER_TYPES[DEFAULT_SERVER_TYPES[name]];
        const perNode = containersPerNode(TIERS[name], type.memoryGb, DEFAULT_SYSTEM_RESERVE_MB);
        expect(perNode).toBeGreaterThan(0);
        const check = checkNodeMemory({
            containers: perNode,
            containerMemoryMb: TIERS[name].memoryMb,
            systemReserveMb: DEFAULT_SYSTEM_RESERVE_MB,
            nodeMemoryGb: type.memoryGb,
        });
        expect(check.fits).toBe(true);
    });
});

describe("memory check properties", () => {
    const node = fc.record({
        containers: fc.integer({ min: 0, max: 400 }),
        containerMemoryMb: fc.integer({ min: 64, max: 8192 }),
        systemReserveMb: fc.integer({ min: 0, max: 4096 }),
        nodeMemoryGb: fc.constantFrom(...Object.values(SERVER_TYPES).map((t) => t.memoryGb)),
    });

    it("fits exactly when limits plus reserve are at most the node's RAM", () => {
        fc.assert(
            fc.property(node, (n) => {
                const fits = n.containers * n.containerMemoryMb + n.systemReserveMb <= n.nodeMemoryGb * 1024;
                expect(checkNodeMemory(n).fits).toBe(fits);
            }),
        );
    });

    it("containersByMemory is the largest count that fits", () => {
        fc.assert(
            fc.property(node, (n) => {
                const most = containersByMemory(n.nodeMemoryGb, n.containerMemoryMb, n.systemReserveMb);
                const at = (containers: number) => checkNodeMemory({ ...n, containers }).fits;
                if (most > 0) expect(at(most)).toBe(true);
                expect(at(most + 1)).toBe(false);
            }),
        );
    });

    it("a tier's per-node count never exceeds its seed cap and always fits", () => {
        fc.assert(
            fc.property(
                fc.constantFrom(...TIER_NAMES),
                fc.constantFrom(...Object.values(SERVER_TYPES).map((t) => t.memoryGb)),
                fc.integer({ min: 0, max: 4096 }),
                (name, memoryGb, reserve) => {
                    const tier = TIERS[name];
                    const perNode = containersPerNode(tier, memoryGb, reserve);
                    if (tier.maxPerNode !== undefined) expect(perNode).toBeLessThanOrEqual(tier.maxPerNode);
                    const check = checkNodeMemory({
                        containers: perNode,
                        containerMemoryMb: tier.memoryMb,
                        systemReserveMb: reserve,
                        nodeMemoryGb: memoryGb,
                    });
                    expect(check.fits || perNode === 0).toBe(true);
                },
            ),
        );
    });
});
