/** One offline plan in this process; prints its wall time and the process's peak RSS as JSON. */
import { join, resolve } from "node:path";
import { runPlan } from "../plan/run";
import { readStackFile } from "../plan/stackFile";

const ROOT = resolve(__dirname, "../..");

async function main(): Promise<void> {
    const stack = process.argv[2] ?? "phase1";
    const started = process.hrtime.bigint();
    const plan = await runPlan(readStackFile(join(ROOT, `Pulumi.${stack}.yaml`), join(ROOT, "Pulumi.yaml")));
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
