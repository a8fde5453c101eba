/**
 * One offline plan in this process, for the benchmark:
 * `planOnce STACK [--free-users N] [--tenants N] [--records FILE]`. Prints the plan's in-process time, resource
 * count and the process's peak RSS as JSON. `--free-users` grows the stack's free agent tier (one agent host per
 * ~10 users' worth of containers) and `--tenants` replaces phase 5's tenants with N generated ones: the two ways
 * the benchmark generates stacks of growing size. `--records` also writes the records the pack judged, with
 * their real (unmasked) inputs, as input for the pack benchmark.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { deferUnusedSdkImports } from "../plan/deferImports";
import { findRoot } from "../plan/root";
import { readStackFile, type LoadedStackFile } from "../plan/stackFile";

const ROOT = findRoot(__dirname);
const AGENTS = "phase-stacks:agents";
const KUBERNETES = "phase-stacks:kubernetes";

function withFreeUsers(file: LoadedStackFile, users: number): LoadedStackFile {
    const agents = JSON.parse(file.values[AGENTS] ?? "{}") as { tiers?: Record<string, object> };
    const tiers = { ...agents.tiers, free: { ...agents.tiers?.["free"], activeUsers: users } };
    return { ...file, values: { ...file.values, [AGENTS]: JSON.stringify({ ...agents, tiers }) } };
}

/** N tenants on the stack's shared tiers in turn, each with two containers (names tenant-0001 ...). */
function withTenants(file: LoadedStackFile, count: number): LoadedStackFile {
    const agents = JSON.parse(file.values[AGENTS] ?? "{}") as { tiers?: Record<string, object> };
    const tiers = Object.keys(agents.tiers ?? {});
    if (tiers.length === 0) throw new Error("--tenants needs a stack with agent tiers (phase5)");
    const kubernetes = JSON.parse(file.values[KUBERNETES] ?? "{}") as object;
    const tenants = Array.from({ length: count }, (_, i) => ({
        name: `t${String(i + 1).padStart(4, "0")}`,
        tier: tiers[i % tiers.length],
        containers: 2,
    }));
    return { ...file, values: { ...file.values, [KUBERNETES]: JSON.stringify({ ...kubernetes, tenants }) } };
}

async function main(): Promise<void> {
    const { positionals, values } = parseArgs({
        allowPositionals: true,
        options: {
            "free-users": { type: "string" },
            tenants: { type: "string" },
            records: { type: "string" },
        },
    });
    const stack = positionals[0] ?? "phase1";
    const shipped = readStackFile(join(ROOT, `Pulumi.${stack}.yaml`), join(ROOT, "Pulumi.yaml"));
    const grown = values["free-users"] ? withFreeUsers(shipped, Number(values["free-users"])) : shipped;
    const file = values.tenants ? withTenants(grown, Number(values.tenants)) : grown;
    deferUnusedSdkImports();
    const { policyInput, recordStack, runPlan } = await import("../plan/run.js");
    if (values.records) {
        writeFileSync(values.records, JSON.stringify(policyInput((await recordStack(file)).recorded)));
        return;
    }
    const started = process.hrtime.bigint();
    const plan = await runPlan(file);
    const planMs = Number(process.hrtime.bigint() - started) / 1e6;
    const result = {
        stack,
        resources: plan.resources.length,
        planMs: Math.round(planMs),
        maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().catch((e: unknown) => {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
});
