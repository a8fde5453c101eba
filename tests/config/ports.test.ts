import { describe, expect, it } from "vitest";
import { DEFAULT_PORTS, withDefaultPorts } from "../../core/config/ports";
import { loadStackConfig } from "../../core/config/load";
import type { Workload } from "../../core/workload/services";
import { shippedStack } from "../helpers/stackFiles";

describe("port defaults resolved once", () => {
    const r = loadStackConfig(shippedStack("phase1"));
    if (!r.ok) throw new Error(r.message);
    const unset = Object.fromEntries(
        Object.entries(r.config.workload).map(([n, { port: _port, ...spec }]) => [n, spec]),
    ) as Workload;

    it("fills every networked service's unset port with its default", () => {
        const w = withDefaultPorts(unset);
        for (const [name, port] of Object.entries(DEFAULT_PORTS))
            expect(w[name as keyof typeof DEFAULT_PORTS].port).toBe(port);
        expect(w.worker.port).toBeUndefined();
    });

    it("keeps a port the workload sets", () => {
        const w = withDefaultPorts({ ...unset, redis: { ...unset.redis, port: 6380 } });
        expect(w.redis.port).toBe(6380);
    });
});
