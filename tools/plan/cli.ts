/**
 * npm run plan -- <stack> [--json | --markdown] [--out DIR] [--stack-file PATH]
 *
 * Runs the stack's program offline (Pulumi runtime with mocks) and reports resources, cost, policy verdicts,
 * shipped files and the critical path. Exit codes: 0 ok, 1 mandatory policy violation, 2 invalid config or
 * arguments, 3 the stack's program failed.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { loadStackConfig } from "../../core/config/load";
import type { Plan } from "./run";
import { deferUnusedSdkImports } from "./deferImports";
import { findRoot } from "./root";
import { readStackFile, StackFileError, type LoadedStackFile } from "./stackFile";

const USAGE = "usage: npm run plan -- <stack> [--json | --markdown] [--out DIR] [--stack-file PATH]";
const HELP = `${USAGE}

Plans Pulumi.<stack>.yaml offline (the real program on the Pulumi runtime with mocks: no cloud, no token) and
prints its resources, monthly cost, policy verdicts and shipped files.

  <stack>            a stack of this repository: dev, phase1 ... phase5
  --stack-file PATH  plan this stack file instead (beside this project's Pulumi.yaml)
  --json             one JSON document: resources, cost, policy, artifacts, criticalPath, outputs
  --markdown         the cost table and verdicts as Markdown (CI job summaries)
  --out DIR          also write every shipped file under DIR/<machine>/
  --help             this text

Exit codes: 0 planned, 1 a mandatory policy violation, 2 invalid arguments or config, 3 the program failed.`;
const ROOT = findRoot(__dirname);

function fail(code: number, message: string): never {
    process.stderr.write(`${message}\n`);
    process.exit(code);
}

function firstLine(e: unknown): string {
    return (e instanceof Error ? e.message : String(e)).split("\n")[0] ?? "";
}

function writeArtifacts(plan: Plan, outDir: string): string[] {
    return plan.artifacts.map((a) => {
        const rel = join(a.machine, a.target === "user-data" ? "user-data.yaml" : a.target);
        const path = join(outDir, rel);
        mkdirSync(dirname(path), { recursive: true });
        writeFileSync(path, a.content);
        return rel;
    });
}

function toJson(plan: Plan, written: readonly string[]): unknown {
    return {
        stack: plan.stack,
        phase: plan.phase,
        project: plan.project,
        resources: plan.resources,
        cost: plan.cost,
        policy: plan.policy,
        artifacts: plan.artifacts.map((a, i) => ({
            path: written[i] ?? join(a.machine, a.target),
            kind: a.kind,
            machine: a.machine,
            target: a.target,
        })),
        criticalPath: plan.criticalPath,
        outputs: plan.outputs,
    };
}

async function main(): Promise<void> {
    let args;
    try {
        args = parseArgs({
            allowPositionals: true,
            options: {
                json: { type: "boolean", default: false },
                markdown: { type: "boolean", default: false },
                out: { type: "string" },
                "stack-file": { type: "string" },
                help: { type: "boolean", default: false },
            },
        });
    } catch (e) {
        fail(2, `${(e as Error).message}\n${USAGE}`);
    }
    if (args.values.help) {
        process.stdout.write(`${HELP}\n`);
        return;
    }
    const [stackArg, ...extra] = args.positionals;
    const stackFile =
        args.values["stack-file"] ?? (stackArg ? join(ROOT, `Pulumi.${stackArg}.yaml`) : undefined);
    if (!stackFile || extra.length > 0) fail(2, USAGE);

    let file: LoadedStackFile;
    try {
        file = readStackFile(resolve(stackFile), join(ROOT, "Pulumi.yaml"));
    } catch (e) {
        if (e instanceof StackFileError) fail(2, e.message);
        throw e;
    }
    const config = loadStackConfig(file);
    if (!config.ok) fail(2, config.message);
    // Imported only now: the Pulumi SDK and the program take ~2 s to load, which a usage error need not pay,
    // and a module that fails to load becomes exit 3 with its message instead of a stack trace.
    let run: typeof import("./run");
    try {
        deferUnusedSdkImports();
        run = await import("./run.js");
    } catch (e) {
        fail(3, `the stack program failed to load: ${firstLine(e)}`);
    }
    const { renderMarkdown, renderReport } = await import("./report.js");
    let plan: Plan;
    try {
        plan = await run.runPlan(file);
    } catch (e) {
        if (e instanceof run.InvalidConfigError) fail(2, e.message);
        if (e instanceof run.ProgramError) fail(3, `the stack program failed: ${e.message}`);
        throw e;
    }
    const written = args.values.out ? writeArtifacts(plan, resolve(args.values.out)) : [];
    const text = args.values.json
        ? JSON.stringify(toJson(plan, written), null, 2)
        : args.values.markdown
          ? renderMarkdown(plan)
          : renderReport(plan, written);
    process.stdout.write(`${text}\n`);
    process.exitCode = plan.policy.violations.some((v) => v.level === "mandatory") ? 1 : 0;
}

// A failure inside an output's apply (a host's user data over the 32 KiB cap) surfaces as a rejection the
// runtime does not await: still exit 3 with its message, never a stack trace and exit 1 (a policy verdict).
process.on("unhandledRejection", (e: unknown) => fail(3, `the stack program failed: ${firstLine(e)}`));
main().catch((e: unknown) => fail(3, `offline plan failed: ${firstLine(e)}`));
