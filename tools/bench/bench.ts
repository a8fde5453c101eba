/**
 * npm run bench [-- RUNS]: times the offline plan of each built stack in fresh processes (as CI and users run
 * it) and reports the median and worst wall time, in-process plan time and peak memory.
 */
import { spawnSync } from "node:child_process";
import { join, resolve } from "node:path";

const ROOT = resolve(__dirname, "../..");
const TSX = join(ROOT, "node_modules/tsx/dist/cli.mjs");
const STACKS = ["dev", "phase1", "phase2", "phase3"];

interface Sample {
    readonly wallMs: number;
    readonly planMs: number;
    readonly maxRssMb: number;
    readonly resources: number;
}

function sample(stack: string): Sample {
    const started = process.hrtime.bigint();
    const r = spawnSync(process.execPath, [TSX, join(__dirname, "planOnce.ts"), stack], {
        cwd: ROOT,
        encoding: "utf8",
    });
    const wallMs = Math.round(Number(process.hrtime.bigint() - started) / 1e6);
    if (r.status !== 0) throw new Error(`plan of ${stack} failed: ${r.stderr}`);
    const parsed = JSON.parse(r.stdout) as { planMs: number; maxRssMb: number; resources: number };
    return { wallMs, ...parsed };
}

function median(xs: number[]): number {
    const s = [...xs].sort((a, b) => a - b);
    return s[Math.floor(s.length / 2)] ?? 0;
}

const runs = Number(process.argv[2] ?? 5);
console.log(`offline plan, ${runs} runs per stack, fresh process each (node ${process.version})`);
console.log("stack    resources  wall median  wall max  plan median  peak RSS");
for (const stack of STACKS) {
    const samples = Array.from({ length: runs }, () => sample(stack));
    const wall = samples.map((s) => s.wallMs);
    console.log(
        `${stack.padEnd(8)} ${String(samples[0]?.resources).padStart(9)}  ${`${median(wall)} ms`.padStart(11)}  ${`${Math.max(...wall)} ms`.padStart(8)}  ` +
            `${`${median(samples.map((s) => s.planMs))} ms`.padStart(11)}  ${`${Math.max(...samples.map((s) => s.maxRssMb))} MB`.padStart(8)}`,
    );
}
