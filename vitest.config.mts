import { defineConfig } from "vitest/config";

export default defineConfig({
    test: {
        include: ["tests/**/*.test.ts", "core/**/*.test.ts", "policies/**/*.test.ts", "tools/**/*.test.ts"],
        exclude: ["**/node_modules/**", "tests/integration/**"],
        // Compiles the program and plans every shipped stack once; test files read those plans.
        globalSetup: ["tests/helpers/globalSetup.ts"],
        // Workers are reused from file to file (isolate: false): starting a fresh process per file cost about 50
        // of the suite's 310 CPU-seconds. The Pulumi SDK keeps its runtime state in a process global, so every
        // in-process plan (tools/plan/run.ts) and mock test sets its own mocks and state first; the suite passes
        // with its files in any order (`--sequence.shuffle.files`).
        pool: "forks",
        isolate: false,
        testTimeout: 60_000,
        hookTimeout: 60_000,
    },
});
