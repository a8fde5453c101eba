import { defineConfig } from "vitest/config";

/** The real-server tests: Postgres, HAProxy and Redis Sentinel on loopback (npm run test:integration). */
export default defineConfig({
    test: {
        include: ["tests/integration/**/*.test.ts"],
        pool: "forks",
        // Two files at a time, each on its own fixed ports: the suites mostly wait (Patroni's TTL, Sentinel's
        // down-after), so the Patroni suite beside the others measures the same failover times (median 9.4 s
        // either way) and the run takes 106 s instead of 144 s. The unit suite's load is what makes them time
        // out, so npm test still runs this after it.
        maxWorkers: 2,
        testTimeout: 120_000,
        hookTimeout: 180_000,
    },
});
