/**
 * The compiled program the CLI tests run: `tsc -p tsconfig.build.json` emits the product code into `bin/`
 * (gitignored, incremental, so an unchanged tree costs a second or two). Plain `node` on the JS starts in
 * about half the time tsx needs (no loader, no source-mapped stack per promise).
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { findRoot } from "../../tools/plan/root";

export const ROOT = findRoot(__dirname);
export const BIN = join(ROOT, "bin");

/** The compiled entry point of a tool, e.g. `compiled("tools/plan/cli")`. */
export function compiled(module: string): string {
    return join(BIN, `${module}.js`);
}

export function buildProgram(): void {
    const r = spawnSync(
        process.execPath,
        [join(ROOT, "node_modules/typescript/bin/tsc"), "-p", join(ROOT, "tsconfig.build.json")],
        { cwd: ROOT, encoding: "utf8" },
    );
    if (r.status !== 0) throw new Error(`tsc -p tsconfig.build.json failed:\n${r.stdout}${r.stderr}`);
}
