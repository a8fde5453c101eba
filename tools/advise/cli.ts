/**
 * npm run advise -- METRICS.json [--json] [--min-triggers N] [--plans DIR]
 * npm run advise -- --prometheus URL --phase <phase> [--json] [--min-triggers N] [--plans DIR]
 *
 * Evaluates the seed's scaling triggers on the current metrics and answers: stay or move, to which phase,
 * which triggers hold and by how much, the monthly cost now and after, and the migration runbook.
 * `--plans DIR` reads saved plans (`DIR/<stack>.json`) instead of planning the two phases again.
 * Exit codes: 0 answered, 2 invalid metrics or arguments, 3 Prometheus unreachable or a query failed.
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { checkMinTriggers, decide } from "../../core/scaling/evaluate";
import { DEFAULT_MIN_TRIGGERS, METRIC_INPUT_KEYS } from "../../core/scaling/matrix";
import { MetricsError, parseMetrics, type Measurements, type MetricsInput } from "../../core/scaling/metrics";
import { planCost } from "../costs/planCost";
import { buildAdvice, renderAdvice } from "./advice";
import { fetchMeasurements, PrometheusError } from "./prometheus";

const USAGE = [
    "usage: npm run advise -- METRICS.json [--json] [--min-triggers N] [--plans DIR]",
    "       npm run advise -- --prometheus URL --phase <phase1..phase5> [--json] [--min-triggers N] [--plans DIR]",
].join("\n");

class UsageError extends Error {}

function readMetricsFile(path: string): MetricsInput {
    let text: string;
    try {
        text = readFileSync(path, "utf8");
    } catch (e) {
        throw new UsageError(
            `cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
        );
    }
    let value: unknown;
    try {
        value = JSON.parse(text);
    } catch (e) {
        throw new MetricsError(`${path} is not valid JSON: ${(e as Error).message}`);
    }
    return parseMetrics(path, value);
}

async function readInput(values: {
    prometheus?: string;
    phase?: string;
    positionals: string[];
}): Promise<MetricsInput> {
    if (values.prometheus === undefined) {
        if (values.positionals.length !== 1 || values.phase !== undefined) throw new UsageError(USAGE);
        return readMetricsFile(values.positionals[0]!);
    }
    if (values.positionals.length > 0)
        throw new UsageError(`give either METRICS.json or --prometheus, not both\n${USAGE}`);
    if (values.phase === undefined)
        throw new UsageError(`--prometheus needs --phase: the phase you run now\n${USAGE}`);
    const measurements = await fetchMeasurements(values.prometheus);
    return parseMetrics(`--phase`, { currentPhase: values.phase, ...measurements });
}

async function main(): Promise<number> {
    const args = parseArgs({
        allowPositionals: true,
        options: {
            json: { type: "boolean", default: false },
            prometheus: { type: "string" },
            phase: { type: "string" },
            "min-triggers": { type: "string", default: String(DEFAULT_MIN_TRIGGERS) },
            plans: { type: "string" },
        },
    });
    const minRaw = args.values["min-triggers"];
    const minTriggers = Number(minRaw);
    try {
        checkMinTriggers(minTriggers);
    } catch (e) {
        throw new UsageError(`--min-triggers '${minRaw}': ${(e as Error).message}`);
    }
    const input = await readInput({ ...args.values, positionals: args.positionals });
    const decision = decide(input.currentPhase, input, minTriggers);
    // Both plans run at once, each in its own process.
    const plans = args.values.plans;
    const current = planCost(decision.currentPhase, plans);
    const recommended = decision.migrate ? planCost(decision.recommendedPhase, plans) : current;
    const measurements = Object.fromEntries(METRIC_INPUT_KEYS.map((k) => [k, input[k]])) as Measurements;
    const advice = buildAdvice(decision, measurements, {
        current: await current,
        recommended: await recommended,
    });
    process.stdout.write(`${args.values.json ? JSON.stringify(advice, null, 2) : renderAdvice(advice)}\n`);
    return 0;
}

function fail(code: number, message: string): never {
    process.stderr.write(`${message}\n`);
    process.exit(code);
}

main().then(
    (code) => process.exit(code),
    (e: unknown) => {
        const message = e instanceof Error ? e.message : String(e);
        if (e instanceof PrometheusError) fail(3, message);
        if (e instanceof MetricsError || e instanceof UsageError) fail(2, message);
        if ((e as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) fail(2, `${message}\n${USAGE}`);
        fail(3, `advise failed: ${message}`);
    },
);
