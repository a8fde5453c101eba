/**
 * npm run snapshot:plans -- [--from DIR] [STACK...]
 *
 * Refreshes the committed plan snapshots (tests/snapshots/plans/<stack>.json) that the snapshot test
 * compares every new plan against. Run it only for a deliberate change, after the test has shown the
 * differences and you have checked that no live resource would be replaced; say why in the commit.
 * `--from DIR` reads saved plans (`DIR/<stack>.json` and `DIR/<stack>-files/`, from
 * `npm run plan -- <stack> --json --out DIR/<stack>-files`) instead of planning each stack now.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { format, resolveConfig } from "prettier";
import { findRoot } from "./root";
import { filesOf, SNAPSHOT_STACKS, snapshotOf, type PlanJsonResource } from "./snapshot";

const ROOT = findRoot(__dirname);
const USAGE = "usage: npm run snapshot:plans -- [--from DIR] [dev|phase1|phase2|phase3|phase4|phase5 ...]";

interface PlanJson {
    stack: string;
    project: string;
    resources: PlanJsonResource[];
    artifacts: { path: string }[];
}

/** Plans `stack` now with the plan CLI beside this file (compiled JS under node, TypeScript under tsx). */
function planNow(stack: string): string {
    const dir = mkdtempSync(join(tmpdir(), `snapshot-${stack}-`));
    const cli = __filename.endsWith(".js")
        ? [join(__dirname, "cli.js")]
        : [join(ROOT, "node_modules/tsx/dist/cli.mjs"), join(ROOT, "tools/plan/cli.ts")];
    const r = spawnSync(process.execPath, [...cli, stack, "--json", "--out", join(dir, `${stack}-files`)], {
        cwd: ROOT,
        encoding: "utf8",
        maxBuffer: 256 * 1024 * 1024,
    });
    if (r.status !== 0 && r.status !== 1) throw new Error(`plan of ${stack} exited ${r.status}: ${r.stderr}`);
    writeFileSync(join(dir, `${stack}.json`), r.stdout);
    return dir;
}

async function main(): Promise<void> {
    let args;
    try {
        args = parseArgs({ allowPositionals: true, options: { from: { type: "string" } } });
    } catch (e) {
        process.stderr.write(`${(e as Error).message}\n${USAGE}\n`);
        process.exit(2);
    }
    const stacks = args.positionals.length > 0 ? args.positionals : [...SNAPSHOT_STACKS];
    const unknown = stacks.filter((s) => !(SNAPSHOT_STACKS as readonly string[]).includes(s));
    if (unknown.length > 0) {
        process.stderr.write(`unknown stack ${unknown.join(", ")}\n${USAGE}\n`);
        process.exit(2);
    }
    const outDir = join(ROOT, "tests/snapshots/plans");
    mkdirSync(outDir, { recursive: true });
    for (const stack of stacks) {
        const dir = args.values.from === undefined ? planNow(stack) : resolve(args.values.from);
        const plan = JSON.parse(readFileSync(join(dir, `${stack}.json`), "utf8")) as PlanJson;
        const snapshot = snapshotOf(plan, filesOf(plan.artifacts, join(dir, `${stack}-files`)));
        const path = join(outDir, `${stack}.json`);
        // Formatted as `prettier --check .` expects, so a refresh is a clean diff.
        const options = { ...(await resolveConfig(path)), parser: "json" };
        writeFileSync(path, await format(JSON.stringify(snapshot), options));
        process.stdout.write(
            `${stack}: ${Object.keys(snapshot.resources).length} resources, ${Object.keys(snapshot.files).length} files\n`,
        );
    }
}

main().catch((e: unknown) => {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(3);
});
