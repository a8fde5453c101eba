/** The seed's auto-scaling logic: scale up above 80%, drain below 40% while above the minimum, and no flapping. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decideScale, DRAIN_BELOW, SCALE_UP_ABOVE, utilization } from "../../core/capacity/scale";

const state = fc
    .record({
        nodes: fc.integer({ min: 1, max: 300 }),
        containersPerNode: fc.integer({ min: 1, max: 60 }),
        minNodes: fc.integer({ min: 0, max: 10 }),
        load: fc.double({ min: 0, max: 1.5, noNaN: true }),
    })
    .map(({ load, ...s }) => ({
        ...s,
        activeContainers: Math.floor(load * s.nodes * s.containersPerNode),
    }));

describe("scale decisions", () => {
    it("follow the seed's thresholds on examples", () => {
        // 2 free nodes hold 100: 81 active is above 80%, 80 is not; 39 is below 40%.
        expect(decideScale({ activeContainers: 81, nodes: 2, containersPerNode: 50, minNodes: 1 })).toBe(
            "scale-up",
        );
        expect(decideScale({ activeContainers: 80, nodes: 2, containersPerNode: 50, minNodes: 1 })).toBe(
            "hold",
        );
        expect(decideScale({ activeContainers: 39, nodes: 2, containersPerNode: 50, minNodes: 1 })).toBe(
            "drain",
        );
        expect(decideScale({ activeContainers: 40, nodes: 2, containersPerNode: 50, minNodes: 1 })).toBe(
            "hold",
        );
        expect(decideScale({ activeContainers: 0, nodes: 2, containersPerNode: 50, minNodes: 2 })).toBe(
            "hold",
        );
    });

    it("scale up exactly when more than 80% of the pool's capacity is in use", () => {
        fc.assert(
            fc.property(state, (s) => {
                expect(decideScale(s) === "scale-up").toBe(utilization(s) > SCALE_UP_ABOVE);
            }),
        );
    });

    it("drain exactly when below 40% and above the minimum node count, never at or below it", () => {
        fc.assert(
            fc.property(state, (s) => {
                expect(decideScale(s) === "drain").toBe(utilization(s) < DRAIN_BELOW && s.nodes > s.minNodes);
                if (s.nodes <= s.minNodes) expect(decideScale(s)).not.toBe("drain");
            }),
        );
    });

    it("never flap: after a drain the smaller pool does not scale up, after a scale-up the bigger pool does not drain", () => {
        fc.assert(
            fc.property(state, (s) => {
                const decision = decideScale(s);
                if (decision === "drain")
                    expect(decideScale({ ...s, nodes: s.nodes - 1 })).not.toBe("scale-up");
                if (decision === "scale-up" && s.activeContainers <= (s.nodes + 1) * s.containersPerNode)
                    expect(decideScale({ ...s, nodes: s.nodes + 1 })).not.toBe("drain");
            }),
        );
    });

    it("an empty pool with demand scales up; one without demand holds", () => {
        expect(decideScale({ activeContainers: 1, nodes: 0, containersPerNode: 50, minNodes: 0 })).toBe(
            "scale-up",
        );
        expect(decideScale({ activeContainers: 0, nodes: 0, containersPerNode: 50, minNodes: 0 })).toBe(
            "hold",
        );
    });
});
