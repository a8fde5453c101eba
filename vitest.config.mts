import { defineConfig } from "vitest/config";

export default defineConfig({
    test: {
        include: ["tests/**/*.test.ts", "core/**/*.test.ts", "policies/**/*.test.ts", "tools/**/*.test.ts"],
        exclude: ["**/node_modules/**", "tests/integration/**"],
        // Compiles the program and plans every shipped stack once; test files read those plans.
        globalSetup: ["tests/helpers/globalSetup.ts"],
        // Each file gets its own worker: the Pulumi SDK keeps its runtime state in a process global.
        pool: "forks",
        testTimeout: 60_000,
        hookTimeout: 60_000,
    },
});
