/**
 * Once per `vitest run`: compile the program, then plan every shipped stack once (JSON and every shipped
 * file for the built ones, the exit code of the unbuilt ones) and hand the results to the test files through
 * `provide`, so no file re-plans a stack it only reads.
 */
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { buildProgram, compiled, ROOT } from "./build";
import { SHIPPED_STACKS, type SharedPlan, type SharedPlans } from "./sharedPlans";

function planOnce(dir: string, stack: string): Promise<SharedPlan> {
    const out = join(dir, `${stack}-files`);
    const json = join(dir, `${stack}.json`);
    mkdirSync(out, { recursive: true });
    return new Promise((resolve, reject) => {
        const child = spawn(process.execPath, [compiled("tools/plan/cli"), stack, "--json", "--out", out], {
            cwd: ROOT,
        });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
        child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
        child.on("error", reject);
        child.on("close", (status) => {
            writeFileSync(json, stdout);
            resolve({ stack, status: status ?? -1, stderr, json, out });
        });
    });
}

/** Two at a time: one per core. */
async function planAll(dir: string): Promise<SharedPlan[]> {
    const queue = [...SHIPPED_STACKS];
    const done: SharedPlan[] = [];
    const worker = async (): Promise<void> => {
        for (let s = queue.shift(); s !== undefined; s = queue.shift()) done.push(await planOnce(dir, s));
    };
    await Promise.all([worker(), worker()]);
    return done;
}

export default async function setup(project: TestProject): Promise<() => void> {
    buildProgram();
    const dir = mkdtempSync(join(tmpdir(), "shared-plans-"));
    const plans = await planAll(dir);
    const shared: SharedPlans = Object.fromEntries(plans.map((p) => [p.stack, p]));
    project.provide("plans", shared);
    return () => rmSync(dir, { recursive: true, force: true });
}
