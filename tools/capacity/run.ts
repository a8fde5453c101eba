/**
 * What `npm run capacity` prints for its arguments, without touching the process: the seed's capacity formula
 * for one tier's agent host pool (required, buffer and total nodes, the server type, the monthly cost) and the
 * exit code (2 for bad arguments or a server type too small for the tier).
 */
import { planPool } from "../../core/capacity/plan";
import { parseCapacityArgs, UsageError, USAGE } from "./args";

export function runCapacity(argv: readonly string[]): { code: number; stdout: string; stderr: string } {
    try {
        const args = parseCapacityArgs(argv);
        const p = planPool(args);
        const result = {
            requiredNodes: p.requiredNodes,
            bufferNodes: p.bufferNodes,
            totalNodes: p.totalNodes,
            serverType: p.serverType,
            monthlyEur: p.monthlyEur,
        };
        const stdout = args.json
            ? `${JSON.stringify(result)}\n`
            : `${args.tier}: ${args.activeUsers} active users x ${args.containersPerUser} containers, ` +
              `${p.containersPerNode} per ${p.serverType} node\n` +
              `  nodes: ${p.requiredNodes} required + ${p.bufferNodes} buffer = ${p.totalNodes}\n` +
              `  full node: ${p.memory.requiredMb} of ${p.memory.nodeMb} MiB (containers + system reserve)\n` +
              `  monthly: EUR ${p.monthlyEur.toFixed(2)} (servers and their IPv4, catalog prices)\n`;
        return { code: 0, stdout, stderr: "" };
    } catch (e) {
        const message = (e as Error).message;
        return {
            code: 2,
            stdout: "",
            stderr: e instanceof UsageError ? `${message}\n${USAGE}\n` : `${message}\n`,
        };
    }
}
