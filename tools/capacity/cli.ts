/**
 * npm run capacity -- --active-users N --containers-per-user X --tier T [--json]
 *
 * The seed's capacity formula for one tier's agent host pool (./run.ts). Exit codes: 0 ok, 2 bad arguments (or a
 * server type too small for the tier).
 */
import { runCapacity } from "./run";

const r = runCapacity(process.argv.slice(2));
process.stdout.write(r.stdout);
process.stderr.write(r.stderr);
process.exitCode = r.code;
