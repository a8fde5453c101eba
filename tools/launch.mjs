// `npm run <tool>` runs the tool's compiled JavaScript: node on JS starts a plan in about 1 s, tsx in about 2-3 s
// (transpiling, and a source-mapped stack for every promise the Pulumi SDK creates). When any source is newer
// than the last build, it rebuilds first (incremental tsc, a few seconds), so an edit is never run stale.
// Plain JavaScript: it must run before anything is compiled.
import { spawnSync } from "node:child_process";
import { readdirSync, statSync, utimesSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
const BUILD_INFO = join(ROOT, "bin/.tsbuildinfo");
const SOURCES = [
    "index.ts",
    "stacks",
    "components",
    "core",
    "tools",
    "policies",
    "tsconfig.json",
    "tsconfig.build.json",
];

function newest(path) {
    let s;
    try {
        s = statSync(path);
    } catch {
        return 0;
    }
    if (!s.isDirectory()) return path.endsWith(".ts") || path.endsWith(".json") ? s.mtimeMs : 0;
    return readdirSync(path)
        .filter((f) => f !== "node_modules" && f !== "tests")
        .reduce((m, f) => Math.max(m, newest(join(path, f))), 0);
}

function built() {
    try {
        return statSync(BUILD_INFO).mtimeMs;
    } catch {
        return -1;
    }
}

const [tool, ...args] = process.argv.slice(2);
if (built() < Math.max(...SOURCES.map((s) => newest(join(ROOT, s))))) {
    const tsc = spawnSync(
        process.execPath,
        [join(ROOT, "node_modules/typescript/bin/tsc"), "-p", join(ROOT, "tsconfig.build.json")],
        {
            // Diagnostics to stderr: stdout may be a --json document.
            stdio: ["ignore", 2, 2],
        },
    );
    if (tsc.status !== 0) {
        console.error(`${tool}: the TypeScript build failed (npx tsc -p tsconfig.build.json shows why)`);
        process.exit(3);
    }
    // tsc leaves the build info alone when nothing it emits changed; mark the sources as seen.
    const now = new Date();
    utimesSync(BUILD_INFO, now, now);
}
// In this process: the CLI reads its arguments from process.argv as if node had started it.
const cli = join(ROOT, "bin/tools", tool, "cli.js");
process.argv = [process.argv[0], cli, ...args];
createRequire(import.meta.url)(cli);
