/**
 * npm run bench [-- --runs N] [--quick]: how long the offline plan and the policy pack take, in fresh processes
 * of the compiled program (what `npm run plan` runs), on this machine. It prints; it never fails on a number.
 *
 * 1. The offline plan of every built stack: wall time, the part of it before the program runs (start-up),
 *    peak memory and time per resource.
 * 2. The plan of generated stacks of growing size (phase 1 with a growing free tier).
 * 3. Phase 5 with 10, 100 and 1,000 generated tenants, against the target: 1,000 tenants in under 10 s and
 *    1 GiB, and at most 1.5x the time per resource from 100 to 1,000.
 * 4. The pack over generated resource files of growing size, against an empty file's start-up.
 * Each growing series ends with the ratio of the largest to the smallest time per resource: near 1 is linear.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import type { PolicyResource } from "../../policies/evaluate";
import { PHASES } from "../../core/phases";
import { findRoot } from "../plan/root";
import { syntheticResources } from "./generate";

const ROOT = findRoot(__dirname);
const BIN = join(ROOT, "bin/tools");
/** Every phase is built. */
const BUILT = PHASES;
/** Phase 1 free-tier users giving about 100, 1,000 and 5,000 resources (about 10 users per resource). */
const GROWN = [600, 9_450, 48_700];
const PACK_SIZES = [100, 1_000, 5_000, 10_000];
const TENANTS = [10, 100, 1_000];
const TENANT_TARGET = { wallMs: 10_000, rssMb: 1_024, growth: 1.5 };

const { values: flags } = parseArgs({
    options: { runs: { type: "string", default: "3" }, quick: { type: "boolean", default: false } },
});
const RUNS = Number(flags.runs);
const TMP = mkdtempSync(join(tmpdir(), "bench-"));

interface Run {
    readonly wallMs: number;
    readonly maxRssMb: number;
    readonly stdout: string;
    readonly status: number | null;
}

/** One fresh node process on a compiled tool, timed from spawn to exit. */
function timed(script: string, args: readonly string[]): Run {
    const rss = join(TMP, "rss");
    const started = process.hrtime.bigint();
    const r = spawnSync(
        process.execPath,
        ["--require", join(ROOT, "tools/bench/peakRss.cjs"), script, ...args],
        {
            cwd: ROOT,
            encoding: "utf8",
            maxBuffer: 512 * 1024 * 1024,
            env: { ...process.env, BENCH_RSS_FILE: rss },
        },
    );
    const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
    if (r.status !== 0 && r.status !== 1) throw new Error(`${script} ${args.join(" ")} failed: ${r.stderr}`);
    return { wallMs, maxRssMb: Number(readFileSync(rss, "utf8")) / 1024, stdout: r.stdout, status: r.status };
}

const median = (xs: readonly number[]): number =>
    [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
const ms = (n: number) => `${Math.round(n)} ms`;
const cols = (cells: readonly (string | number)[], widths: readonly number[]) =>
    cells.map((c, i) => String(c).padStart(widths[i] ?? 10)).join("  ");

interface PlanSample {
    readonly resources: number;
    readonly wallMs: number;
    readonly planMs: number;
    readonly maxRssMb: number;
}

function planSample(stack: string, grow: { freeUsers?: number; tenants?: number } = {}): PlanSample {
    const args = [
        stack,
        ...(grow.freeUsers ? ["--free-users", String(grow.freeUsers)] : []),
        ...(grow.tenants ? ["--tenants", String(grow.tenants)] : []),
    ];
    const run = timed(join(BIN, "bench/planOnce.js"), args);
    const out = JSON.parse(run.stdout) as { resources: number; planMs: number };
    return { resources: out.resources, planMs: out.planMs, wallMs: run.wallMs, maxRssMb: run.maxRssMb };
}

const PLAN_WIDTHS = [22, 9, 9, 9, 9, 9, 8];
function planRow(label: string, samples: readonly PlanSample[]): number {
    const wall = median(samples.map((s) => s.wallMs));
    const plan = median(samples.map((s) => s.planMs));
    const resources = samples[0]?.resources ?? 0;
    console.log(
        cols(
            [
                label,
                resources,
                ms(wall),
                ms(wall - plan),
                ms(plan),
                `${Math.round(Math.max(...samples.map((s) => s.maxRssMb)))} MB`,
                (plan / resources).toFixed(1),
            ],
            PLAN_WIDTHS,
        ),
    );
    return plan / resources;
}

function ratio(perResource: readonly number[]): string {
    return (Math.max(...perResource) / Math.min(...perResource)).toFixed(2);
}

function benchPlans(): void {
    console.log(`\n1. offline plan of the built stacks, median of ${RUNS} fresh processes`);
    console.log(
        cols(["stack", "resources", "wall", "start-up", "program", "peak RSS", "ms/res"], PLAN_WIDTHS),
    );
    for (const stack of BUILT)
        planRow(
            stack,
            Array.from({ length: RUNS }, () => planSample(stack)),
        );

    const grown = flags.quick ? GROWN.slice(0, 2) : GROWN;
    console.log("\n2. offline plan of generated stacks (phase 1, growing free tier), one process each");
    console.log(
        cols(["free users", "resources", "wall", "start-up", "program", "peak RSS", "ms/res"], PLAN_WIDTHS),
    );
    const per = grown.map((users) => planRow(String(users), [planSample("phase1", { freeUsers: users })]));
    console.log(`largest / smallest program time per resource: ${ratio(per)}`);
}

function benchTenants(): void {
    console.log("\n3. offline plan of phase 5 with generated tenants, one process each");
    console.log(
        cols(["tenants", "resources", "wall", "start-up", "program", "peak RSS", "ms/res"], PLAN_WIDTHS),
    );
    const samples = TENANTS.map((tenants) => planSample("phase5", { tenants }));
    const per = samples.map((s, i) => planRow(String(TENANTS[i]), [s]));
    const largest = samples[samples.length - 1] as PlanSample;
    const growth = (per[per.length - 1] as number) / (per[per.length - 2] as number);
    const verdict = (ok: boolean) => (ok ? "met" : "NOT met");
    console.log(
        `${TENANTS[TENANTS.length - 1]} tenants: plan ${ms(largest.wallMs)} wall (target < ${ms(TENANT_TARGET.wallMs)}: ` +
            `${verdict(largest.wallMs < TENANT_TARGET.wallMs)}), peak RSS ${Math.round(largest.maxRssMb)} MB ` +
            `(target < ${TENANT_TARGET.rssMb} MB: ${verdict(largest.maxRssMb < TENANT_TARGET.rssMb)}); ` +
            `time per resource ${TENANTS[TENANTS.length - 2]} → ${TENANTS[TENANTS.length - 1]}: ${growth.toFixed(2)}x ` +
            `(target ≤ ${TENANT_TARGET.growth}x: ${verdict(growth <= TENANT_TARGET.growth)})`,
    );
}

function packInput(): { phase3: PolicyResource[]; dev: PolicyResource[] } {
    const read = (stack: string) => {
        const file = join(TMP, `${stack}-records.json`);
        timed(join(BIN, "bench/planOnce.js"), [stack, "--records", file]);
        return JSON.parse(readFileSync(file, "utf8")) as PolicyResource[];
    };
    return { phase3: read("phase3"), dev: read("dev") };
}

const PACK_WIDTHS = [9, 8, 9, 9, 9, 8];
function benchPack(): void {
    const { phase3, dev } = packInput();
    const judge = (size: number) => {
        const file = join(TMP, `resources-${size}.json`);
        writeFileSync(file, JSON.stringify(syntheticResources(phase3, dev, size)));
        const args = ["--resources", file, "--phase", "phase3", "--json"];
        return Array.from({ length: RUNS }, () => timed(join(BIN, "policy/cli.js"), args));
    };
    const empty = median(judge(0).map((r) => r.wallMs));
    const sizes = flags.quick ? PACK_SIZES.slice(0, 3) : PACK_SIZES;
    console.log(
        `\n4. policy pack on generated resources (--phase phase3), median of ${RUNS}; start-up (empty file) ${ms(empty)}`,
    );
    console.log(cols(["resources", "MB in", "wall", "judging", "peak RSS", "ms/res"], PACK_WIDTHS));
    const per = sizes.map((size) => {
        const runs = judge(size);
        const wall = median(runs.map((r) => r.wallMs));
        const bytes = readFileSync(join(TMP, `resources-${size}.json`)).length;
        const perRes = (wall - empty) / size;
        console.log(
            cols(
                [
                    size,
                    (bytes / 1e6).toFixed(1),
                    ms(wall),
                    ms(wall - empty),
                    `${Math.round(Math.max(...runs.map((r) => r.maxRssMb)))} MB`,
                    perRes.toFixed(2),
                ],
                PACK_WIDTHS,
            ),
        );
        return perRes;
    });
    console.log(`largest / smallest judging time per resource: ${ratio(per)}`);
}

try {
    console.log(
        `phase-stacks benchmark: node ${process.version}, compiled JS, ${RUNS} runs where a median is shown`,
    );
    benchPlans();
    benchTenants();
    benchPack();
} finally {
    rmSync(TMP, { recursive: true, force: true });
}
