import { defineConfig } from "vitest/config";

/** The real-server tests: Postgres, HAProxy and Redis Sentinel on loopback (npm run test:integration). */
export default defineConfig({
    test: {
        include: ["tests/integration/**/*.test.ts"],
        pool: "forks",
        // Fixed ports and CPU-bound failovers: one file at a time keeps the timings honest on 2 cores.
        fileParallelism: false,
        testTimeout: 120_000,
        hookTimeout: 180_000,
    },
});
