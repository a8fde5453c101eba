/**
 * The repository root: the nearest directory above `start` holding Pulumi.yaml. Found by walking up rather
 * than by `__dirname` arithmetic, so the same code works from `tools/plan/` under tsx and from the compiled
 * `bin/tools/plan/`.
 */
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";

export function findRoot(start: string): string {
    for (let dir = start; ; dir = dirname(dir)) {
        if (existsSync(join(dir, "Pulumi.yaml"))) return dir;
        if (dirname(dir) === dir) throw new Error(`no Pulumi.yaml above ${start}`);
    }
}
