/** Runs `npm run plan`'s CLI in a child process: one Pulumi runtime per process, as in real use. */
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { ROOT } from "./stackFiles";

export interface CliResult {
    readonly status: number | null;
    readonly stdout: string;
    readonly stderr: string;
}

const TSX = join(ROOT, "node_modules/tsx/dist/cli.mjs");

export function planCli(args: readonly string[]): CliResult {
    const r = spawnSync(process.execPath, [TSX, join(ROOT, "tools/plan/cli.ts"), ...args], {
        cwd: ROOT,
        encoding: "utf8",
        timeout: 120_000,
    });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Writes a stack file (a `config:` mapping) to a temp dir and returns its path. */
export function tempStackFile(stack: string, config: Record<string, unknown>): string {
    const path = join(mkdtempSync(join(tmpdir(), "phase-stacks-")), `Pulumi.${stack}.yaml`);
    writeFileSync(path, stringify({ config }));
    return path;
}
