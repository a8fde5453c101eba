import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { SERVICE_NAMES, type Workload } from "../../core/workload/services";
import { memoryPlanProblem, planMemory } from "../../core/workload/memoryPlan";
import { shippedStack } from "../helpers/stackFiles";
import { loadStackConfig } from "../../core/config/load";

function defaultWorkload(): Workload {
    const r = loadStackConfig(shippedStack("phase1"));
    if (!r.ok) throw new Error(r.message);
    return r.config.workload;
}

describe("memory plan", () => {
    it("the seed's Phase-1 allocation with the exporters, Alertmanager, blackbox_exporter, Loki, the log agent and the collector on a cx33 overcommits usable RAM by 1.25x and reservations fit", () => {
        const plan = planMemory(defaultWorkload(), 8, 1024);
        // 8384 MiB of the seed's services; the Postgres and Redis exporters 64, Alertmanager and blackbox_exporter
        // 80, Loki, the log agent and the collector 432.
        expect(plan.limitsMb).toBe(8384 + 64 + 80 + 432);
        expect(plan.usableMb).toBe(7168);
        expect(plan.overcommit).toBe(1.25);
        const reserved = SERVICE_NAMES.reduce(
            (s, n) => s + plan.reservationsMb[n] * defaultWorkload()[n].replicas,
            0,
        );
        expect(reserved).toBeLessThanOrEqual(plan.usableMb);
        expect(memoryPlanProblem(plan, 1.25, "cx33")).toBeUndefined();
    });

    it("a cx23 (4 GB) cannot hold it", () => {
        expect(memoryPlanProblem(planMemory(defaultWorkload(), 4, 1024), 1.25, "cx23")).toMatch(
            /2.92x the 3072 MiB usable on cx23/,
        );
    });

    it("reservations never exceed usable RAM nor any limit, whatever the workload", () => {
        const base = defaultWorkload();
        fc.assert(
            fc.property(
                fc.array(fc.integer({ min: 32, max: 8192 }), {
                    minLength: SERVICE_NAMES.length,
                    maxLength: SERVICE_NAMES.length,
                }),
                fc.integer({ min: 2, max: 64 }),
                (mems, ramGb) => {
                    const w = Object.fromEntries(
                        SERVICE_NAMES.map((n, i) => [n, { ...base[n], memoryMb: mems[i] ?? 32 }]),
                    ) as Workload;
                    const plan = planMemory(w, ramGb, 1024);
                    const reserved = SERVICE_NAMES.reduce(
                        (s, n) => s + plan.reservationsMb[n] * w[n].replicas,
                        0,
                    );
                    expect(reserved).toBeLessThanOrEqual(Math.max(plan.usableMb, 0));
                    for (const n of SERVICE_NAMES)
                        expect(plan.reservationsMb[n]).toBeLessThanOrEqual(w[n].memoryMb);
                },
            ),
        );
    });
});
