/**
 * npm run costs -- [--json] [--svg PATH] [--plans DIR]
 *
 * Every phase's monthly cost from its offline plan (the seed's figure, marked, where a phase's plan fails),
 * the users it is sized for, cost per user, the seed's figures side by side, and an SVG chart of cost
 * and capacity (default plan-out/costs.svg). `--plans DIR` reads `DIR/<stack>.json` (a saved `npm run plan --
 * <stack> --json`) instead of planning that stack again. Exit codes: 0 ok, 2 invalid arguments.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { parseArgs } from "node:util";
import { PHASES } from "../../core/phases";
import { buildCostChart } from "./chart";
import { planCosts } from "./planCost";
import { serializeXml } from "./svg";
import { costRow, renderCostTable } from "./table";

const USAGE = "usage: npm run costs -- [--json] [--svg PATH] [--plans DIR]";
export const DEFAULT_SVG = "plan-out/costs.svg";

async function main(): Promise<void> {
    let args;
    try {
        args = parseArgs({
            options: {
                json: { type: "boolean", default: false },
                svg: { type: "string", default: DEFAULT_SVG },
                plans: { type: "string" },
            },
        });
    } catch (e) {
        process.stderr.write(`${(e as Error).message}\n${USAGE}\n`);
        process.exit(2);
    }
    const plans = args.values.plans === undefined ? undefined : resolve(args.values.plans);
    const rows = (await planCosts(PHASES, plans)).map(costRow);
    const svgPath = resolve(args.values.svg);
    mkdirSync(dirname(svgPath), { recursive: true });
    writeFileSync(svgPath, serializeXml(buildCostChart(rows)));
    process.stdout.write(
        args.values.json
            ? `${JSON.stringify({ rows, svg: svgPath }, null, 2)}\n`
            : `${renderCostTable(rows)}\n\nChart: ${svgPath}\n`,
    );
}

main().catch((e: unknown) => {
    process.stderr.write(`costs failed: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(3);
});
