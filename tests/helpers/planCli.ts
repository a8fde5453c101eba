/** Runs `npm run plan`'s CLI, compiled, in a child process: one Pulumi runtime per process, as in real use. */
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { compiled, ROOT } from "./build";

export interface CliResult {
    readonly status: number | null;
    readonly stdout: string;
    readonly stderr: string;
}

/** Runs a compiled CLI (`tools/plan/cli`, `tools/costs/cli`, ...) with `args`. */
export function runCompiled(module: string, args: readonly string[], timeout = 120_000): CliResult {
    const r = spawnSync(process.execPath, [compiled(module), ...args], {
        cwd: ROOT,
        encoding: "utf8",
        timeout,
    });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

export function planCli(args: readonly string[]): CliResult {
    return runCompiled("tools/plan/cli", args);
}

/** Writes a stack file (a `config:` mapping) to a temp dir and returns its path. */
export function tempStackFile(stack: string, config: Record<string, unknown>): string {
    const path = join(mkdtempSync(join(tmpdir(), "phase-stacks-")), `Pulumi.${stack}.yaml`);
    writeFileSync(path, stringify({ config }));
    return path;
}
