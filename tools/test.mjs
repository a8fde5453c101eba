// `npm test`: every check. The real-server suite starts at once, at normal priority. Beside it, under
// `nice -n 19`, run the unit suite with one worker fewer than the cores and the type check, eslint and prettier
// one after the other: that is one core for the real servers whenever they wake, and the rest of the time it
// goes to the checks. The servers mostly wait on Patroni's and Sentinel's timers, but their failovers and pauses
// are measured in seconds: with a second unit worker beside them, even at nice 19, the Patroni failsafe test lost
// its leader within the TTL. Measured on 2 cores (2026-12-03): one after the other 184 s (static and unit beside
// each other 65 s, then real servers 118 s); overlapped like this 121-127 s, with Patroni's failover 8.7-8.8 s (8.7 s
// alone) and its rejoin 5.3-7.6 s (5.2-5.4 s alone).
// The Patroni suite goes first and alone among the real servers; the other real-server files follow it. Two of those
// (the cross-region standby and the replication metrics, 47-51 s together) only wait on their own servers' clocks
// and bound nothing by the CPU: they start beside the rest as soon as Patroni is done. Measured 2026-12-03 on a
// fresh clone (.ci/run): at the end of one sequence 185.6 s (here); after Patroni and the checks 191.6 s.
// The static checks', the unit suite's and the side run's output is held back and printed whole when each ends, so
// that only one real-server run streams.
import { spawn } from "node:child_process";
import { readdirSync } from "node:fs";
import { availableParallelism } from "node:os";

const npx = (...args) => ["npx", "--no-install", ...args];
const niced = (...args) => ["nice", "-n", "19", ...npx(...args)];
const STATIC = [
    ["type check", niced("tsc", "--noEmit", "-p", ".")],
    ["eslint", niced("eslint", ".")],
    ["prettier", niced("prettier", "--check", ".")],
];
const UNIT = [
    "unit tests",
    niced("vitest", "run", `--maxWorkers=${Math.max(1, availableParallelism() - 1)}`),
];
const DIR = "tests/integration";
const TIMED = [`${DIR}/patroni.test.ts`];
const BESIDE = [`${DIR}/crossRegion.test.ts`, `${DIR}/replicationMetrics.test.ts`];
const REST = readdirSync(DIR)
    .filter((f) => f.endsWith(".test.ts"))
    .map((f) => `${DIR}/${f}`)
    .filter((f) => !TIMED.includes(f) && !BESIDE.includes(f));
const servers = (name, files) => [
    name,
    npx("vitest", "run", "--config", "vitest.integration.config.mts", ...files),
];

const results = [];

function run([name, [cmd, ...args]], { quiet }) {
    const began = Date.now();
    return new Promise((resolve) => {
        const stdio = ["ignore", quiet ? "pipe" : "inherit", quiet ? "pipe" : "inherit"];
        const child = spawn(cmd, args, { stdio });
        let output = "";
        child.stdout?.on("data", (d) => (output += d));
        child.stderr?.on("data", (d) => (output += d));
        child.on("close", (code, signal) => {
            const seconds = (Date.now() - began) / 1000;
            results.push({ name, code: code ?? signal, seconds });
            if (quiet)
                process.stdout.write(
                    `\n--- ${name} (${seconds.toFixed(1)} s, exit ${code ?? signal}) ---\n${output}`,
                );
            resolve(code === 0);
        });
    });
}

async function sequence(steps, options) {
    let ok = true;
    for (const step of steps) ok = (await run(step, options)) && ok;
    return ok;
}

const started = Date.now();
const timed = run(servers("Patroni (alone)", TIMED), { quiet: false });
const checks = Promise.all([sequence(STATIC, { quiet: true }), run(UNIT, { quiet: true })]);
const [timedOk, restOk, besideOk, [staticOk, unitOk]] = await Promise.all([
    timed,
    timed.then(() => run(servers("real servers", REST), { quiet: false })),
    timed.then(() => run(servers("servers beside", BESIDE), { quiet: true })),
    checks,
]);
const integrationOk = timedOk && restOk && besideOk;
console.log(`\nnpm test: ${((Date.now() - started) / 1000).toFixed(1)} s`);
for (const r of results)
    console.log(`  ${r.code === 0 ? "ok  " : "FAIL"} ${r.name.padEnd(18)} ${r.seconds.toFixed(1)} s`);
process.exitCode = staticOk && unitOk && integrationOk ? 0 : 1;
