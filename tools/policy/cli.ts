/**
 * `npm run policy` runs the pack over every stack's offline plan; `npm run policy -- --resources FILE [--json]`
 * evaluates it over a JSON array of {type, name, props, opts?}. Exit 0 clean, 1 on a mandatory violation,
 * 2 on unreadable or invalid input (a message naming the file and the problem, never a stack trace).
 */
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { z } from "zod";
import { PHASES } from "../../core/phases";
import { concernOf } from "../../policies/all";
import { evaluatePolicies, type PolicyResource, type Violation } from "../../policies/evaluate";
import { PolicyConfigError } from "../../policies/lib/config";
import { findRoot } from "../plan/root";

class InputError extends Error {}

const ResourceFile = z.array(
    z.strictObject({
        type: z.string().min(1),
        name: z.string().min(1),
        urn: z.string().optional(),
        props: z.record(z.string(), z.unknown()),
        opts: z
            .strictObject({
                protect: z.boolean().optional(),
                ignoreChanges: z.array(z.string()).optional(),
                deleteBeforeReplace: z.boolean().optional(),
                retainOnDelete: z.boolean().optional(),
                parent: z.string().optional(),
                dependencies: z.array(z.string()).optional(),
                provider: z.string().optional(),
            })
            .optional(),
    }),
);

const PlanOutput = z.object({
    policy: z.object({
        violations: z.array(
            z.object({
                policy: z.string(),
                level: z.enum(["mandatory", "advisory"]),
                urn: z.string().optional(),
                message: z.string(),
            }),
        ),
    }),
});

function readJson<S extends z.ZodType>(file: string, schema: S, what: string): z.output<S> {
    let text: string;
    try {
        text = readFileSync(file, "utf8");
    } catch (e) {
        throw new InputError(
            `cannot read ${what} file ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`,
        );
    }
    let data: unknown;
    try {
        data = JSON.parse(text);
    } catch (e) {
        // V8's message quotes the text around the error, which may hold a secret: say only where it is.
        throw new InputError(`${what} file ${file} is not valid JSON ${jsonErrorPosition(text, e)}`);
    }
    const parsed = schema.safeParse(data);
    if (!parsed.success) {
        const problems = parsed.error.issues
            .slice(0, 10)
            .map(
                (i) =>
                    `  - ${i.path.map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`)).join("") || "(top level)"}: ${i.message}`,
            );
        throw new InputError(`${what} file ${file} is invalid:\n${problems.join("\n")}`);
    }
    return parsed.data;
}

/** "at line L, column C" of a JSON.parse failure, from V8's offset or by finding the first bad prefix. */
function jsonErrorPosition(text: string, e: unknown): string {
    const reported = /position (\d+)/.exec(e instanceof Error ? e.message : "");
    const offset = reported ? Number(reported[1]) : firstBadOffset(text);
    const before = text.slice(0, offset).split("\n");
    return `at line ${before.length}, column ${(before.at(-1)?.length ?? 0) + 1}`;
}

/** True when `prefix` is valid JSON so far: it parses, or fails only because it ends early. */
function isJsonPrefix(prefix: string): boolean {
    try {
        JSON.parse(prefix);
        return true;
    } catch (e) {
        return e instanceof Error && /end of JSON input|Unterminated string/.test(e.message);
    }
}

/** The offset of the first character that no valid JSON continues with, found by bisecting on prefixes. */
function firstBadOffset(text: string): number {
    let good = 0;
    let bad = text.length;
    while (bad - good > 1) {
        const mid = (good + bad) >> 1;
        if (isJsonPrefix(text.slice(0, mid))) good = mid;
        else bad = mid;
    }
    return isJsonPrefix(text) ? text.length : good;
}

const nameOf = (v: Violation) => v.name ?? v.urn?.split("::").pop() ?? "(stack)";

function table(violations: readonly Violation[]): string {
    const sorted = [...violations].sort((a, b) =>
        a.level === b.level ? 0 : a.level === "mandatory" ? -1 : 1,
    );
    return sorted
        .map(
            (v) =>
                `  ${v.level.toUpperCase().padEnd(9)} ${v.concern.padEnd(7)} ${v.policy}\n      ${v.message}`,
        )
        .join("\n");
}

function summary(violations: readonly Violation[]): string {
    const mandatory = violations.filter((v) => v.level === "mandatory").length;
    return `${mandatory} mandatory, ${violations.length - mandatory} advisory`;
}

function runResources(
    file: string,
    json: boolean,
    phase: string | undefined,
    config: Record<string, unknown> | undefined,
): number {
    const resources: PolicyResource[] = readJson(file, ResourceFile, "resources");
    const violations = evaluatePolicies(resources, {
        ...(phase ? { phase } : {}),
        ...(config ? { config } : {}),
    });
    if (json) {
        const out = violations.map((v) => ({
            policy: v.policy,
            concern: v.concern,
            level: v.level,
            name: nameOf(v),
            message: v.message,
        }));
        console.log(JSON.stringify({ violations: out }, null, 2));
    } else {
        console.log(`${file}: ${resources.length} resources, ${summary(violations)}`);
        if (violations.length) console.log(table(violations));
    }
    return violations.some((v) => v.level === "mandatory") ? 1 : 0;
}

const ROOT = findRoot(__dirname);
/** The plan CLI beside this one, run by the same runtime (tsx, or node on the compiled JS). */
const PLAN_CLI = require.resolve("../plan/cli");

function stacksInRepo(): string[] {
    const order = (s: string) =>
        ((PHASES as readonly string[]).indexOf(s) + PHASES.length + 1) % (PHASES.length + 1);
    return readdirSync(ROOT)
        .map((f) => /^Pulumi\.([^.]+)\.yaml$/.exec(f)?.[1])
        .filter((s): s is string => s !== undefined)
        .sort((a, b) => order(a) - order(b) || a.localeCompare(b));
}

interface StackVerdict {
    stack: string;
    violations: Violation[];
    error?: string;
}

function planStack(stack: string): StackVerdict {
    const run = spawnSync(process.execPath, [...process.execArgv, PLAN_CLI, stack, "--json"], {
        cwd: ROOT,
        encoding: "utf8",
        maxBuffer: 256 * 1024 * 1024,
    });
    if (run.status !== 0 && run.status !== 1) {
        const said = `${run.stderr}\n${run.stdout}`
            .split("\n")
            .filter((l) => l.trim() && !/^npm warn/i.test(l));
        return {
            stack,
            violations: [],
            error: `offline plan exited ${run.status ?? run.signal}: ${said.slice(-3).join(" ")}`,
        };
    }
    let parsed;
    try {
        parsed = PlanOutput.safeParse(JSON.parse(run.stdout));
    } catch (e) {
        return {
            stack,
            violations: [],
            error: `offline plan printed no JSON: ${e instanceof Error ? e.message : String(e)}`,
        };
    }
    if (!parsed.success)
        return {
            stack,
            violations: [],
            error: `offline plan JSON has no policy.violations: ${parsed.error.issues[0]?.message ?? ""}`,
        };
    const violations = parsed.data.policy.violations.map((v) => ({
        ...v,
        concern: concernOf(v.policy) ?? "sandbox",
        name: v.urn?.split("::").pop() ?? "(stack)",
    }));
    return { stack, violations };
}

function runPlans(json: boolean): number {
    const stacks = stacksInRepo();
    if (!stacks.length) throw new InputError(`no Pulumi.<stack>.yaml files in ${ROOT}`);
    const verdicts = stacks.map(planStack);
    if (json) console.log(JSON.stringify({ stacks: verdicts }, null, 2));
    else {
        for (const v of verdicts) {
            const verdict = v.error ? `ERROR ${v.error}` : summary(v.violations);
            console.log(`${v.stack}: ${verdict}`);
            if (v.violations.length) console.log(table(v.violations));
        }
    }
    if (verdicts.some((v) => v.error)) return 2;
    return verdicts.some((v) => v.violations.some((x) => x.level === "mandatory")) ? 1 : 0;
}

const USAGE = `usage: npm run policy -- [--resources FILE [--phase PHASE]] [--config FILE] [--json]

Without --resources: plans every Pulumi.<stack>.yaml in the repository offline and prints each stack's verdict.

  --resources FILE  judge a JSON array of {type, name, props, urn?, opts?} instead of the shipped stacks
  --phase PHASE     the phase whose rules apply to --resources (${PHASES.join(", ")}); the stack's name never
                    decides it, and without it the stack fails stack-phase-declared
  --config FILE     pack config as for --policy-pack-config: {"<policy>": level | {enforcementLevel?, ...}, "all"?}
  --json            print JSON: {violations: [...]} with --resources, {stacks: [...]} otherwise
  --help            this text

Exit codes: 0 no mandatory violation, 1 at least one, 2 unreadable or invalid input, or a stack whose plan failed.`;

const OPTIONS = {
    resources: { type: "string" },
    json: { type: "boolean", default: false },
    phase: { type: "string" },
    config: { type: "string" },
    help: { type: "boolean", default: false },
} as const;

function options(argv: string[]) {
    try {
        return parseArgs({ args: argv, options: OPTIONS, strict: true }).values;
    } catch (e) {
        throw new InputError(e instanceof Error ? e.message : String(e));
    }
}

function main(argv: string[]): number {
    const values = options(argv);
    if (values.help) {
        console.log(USAGE);
        return 0;
    }
    const config = values.config
        ? readJson(values.config, z.record(z.string(), z.unknown()), "policy pack config")
        : undefined;
    if (values.phase !== undefined && !values.resources)
        throw new InputError(
            "--phase goes with --resources (plan mode reads each stack's phase from its config)",
        );
    if (values.resources) return runResources(values.resources, values.json, values.phase, config);
    return runPlans(values.json);
}

try {
    process.exitCode = main(process.argv.slice(2));
} catch (e) {
    if (e instanceof InputError || e instanceof PolicyConfigError) {
        console.error(`policy: ${e.message}`);
        process.exitCode = 2;
    } else throw e;
}
