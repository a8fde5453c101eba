import { defineConfig } from "vitest/config";

/** The real-server tests: Postgres, HAProxy and Redis Sentinel on loopback (npm run test:integration). */
export default defineConfig({
    test: {
        include: ["tests/integration/**/*.test.ts"],
        pool: "forks",
        // One file at a time. Two at a time took 106 s instead of 144 s and passed three clean runs, but with
        // Postgres's restores beside it the Patroni switchover saw a write succeed in the middle of its pause
        // (failed writes in two stretches): these timings need the CPU to themselves.
        fileParallelism: false,
        testTimeout: 120_000,
        hookTimeout: 180_000,
    },
});
