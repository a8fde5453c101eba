/** The seed's capacity planning formula: its own examples, then properties over any input (fast-check). */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BUFFER_RATIO, memoryLowerBound, nodesFor } from "../../core/capacity/formula";
import { TIERS } from "../../core/capacity/tiers";

const free = TIERS.free.maxPerNode ?? 0;

describe("the seed's examples (free tier, 50 per node, one container per active user)", () => {
    // required = ceil(users / 50), buffer = ceil(required * 0.3), worked by hand from the seed's formula.
    it.each([
        [100, 2, 1, 3],
        [500, 10, 3, 13],
        [1_000, 20, 6, 26],
        [10_000, 200, 60, 260],
    ])("%i active users need %i + %i buffer = %i nodes", (users, required, buffer, total) => {
        expect(nodesFor({ activeUsers: users, containersPerUser: 1, containersPerNode: free })).toEqual({
            requiredNodes: required,
            bufferNodes: buffer,
            totalNodes: total,
        });
    });

    it("does not round a product that floating point makes a hair above an integer up to the next node", () => {
        // 0.1 containers per user x 1,000 users is 100.00000000000001 in floating point: exactly 2 nodes of 50.
        expect(
            nodesFor({ activeUsers: 1_000, containersPerUser: 0.1, containersPerNode: 50 }).requiredNodes,
        ).toBe(2);
    });

    it("rejects inputs that cannot size a pool, naming the input", () => {
        expect(() => nodesFor({ activeUsers: -1, containersPerUser: 1, containersPerNode: 50 })).toThrow(
            /activeUsers/,
        );
        expect(() => nodesFor({ activeUsers: 1, containersPerUser: 1, containersPerNode: 0 })).toThrow(
            /containersPerNode/,
        );
    });
});

const input = fc.record({
    activeUsers: fc.integer({ min: 0, max: 1_000_000 }),
    containersPerUser: fc.double({ min: 0, max: 20, noNaN: true }),
    containersPerNode: fc.integer({ min: 1, max: 500 }),
});

describe("formula properties", () => {
    it("required nodes hold every container, and one node fewer would not", () => {
        fc.assert(
            fc.property(input, (i) => {
                const { requiredNodes } = nodesFor(i);
                const containers = i.activeUsers * i.containersPerUser;
                expect(requiredNodes * i.containersPerNode).toBeGreaterThanOrEqual(containers - 1e-6);
                if (requiredNodes > 0)
                    expect((requiredNodes - 1) * i.containersPerNode).toBeLessThan(containers + 1e-6);
            }),
        );
    });

    it("buffer nodes are the smallest whole number at least 30% of the required nodes", () => {
        fc.assert(
            fc.property(input, (i) => {
                const n = nodesFor(i);
                expect(n.bufferNodes).toBeGreaterThanOrEqual(n.requiredNodes * BUFFER_RATIO - 1e-9);
                if (n.bufferNodes > 0) expect(n.bufferNodes - 1).toBeLessThan(n.requiredNodes * BUFFER_RATIO);
                expect(n.totalNodes).toBe(n.requiredNodes + n.bufferNodes);
            }),
        );
    });

    it("never needs fewer nodes for more users", () => {
        fc.assert(
            fc.property(input, fc.integer({ min: 0, max: 10_000 }), (i, more) => {
                expect(
                    nodesFor({ ...i, activeUsers: i.activeUsers + more }).totalNodes,
                ).toBeGreaterThanOrEqual(nodesFor(i).totalNodes);
            }),
        );
    });

    it("never plans below the bin-packing lower bound when the per-node cap is within what memory allows", () => {
        fc.assert(
            fc.property(input, fc.integer({ min: 0, max: 100 }), (i, extra) => {
                const byMemory = i.containersPerNode + extra;
                const containers = i.activeUsers * i.containersPerUser;
                expect(nodesFor(i).totalNodes).toBeGreaterThanOrEqual(memoryLowerBound(containers, byMemory));
            }),
        );
    });
});
