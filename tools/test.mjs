// `npm test`: every check. The real-server suite starts at once, at normal priority. Beside it, under
// `nice -n 19`, run the unit suite with one worker fewer than the cores and the type check, eslint and prettier
// one after the other: that is one core for the real servers whenever they wake, and the rest of the time it
// goes to the checks. The servers mostly wait on Patroni's and Sentinel's timers, but their failovers and pauses
// are measured in seconds: with a second unit worker beside them, even at nice 19, the Patroni failsafe test lost
// its leader within the TTL. Measured on 2 cores (2026-12-03): one after the other 184 s (static and unit beside
// each other 65 s, then real servers 118 s); overlapped like this 121-127 s, with Patroni's failover 8.7-8.8 s (8.7 s
// alone) and its rejoin 5.3-7.6 s (5.2-5.4 s alone).
// The static checks' and the unit suite's output is held back and printed whole when each ends, so that only the
// real-server suite streams.
import { spawn } from "node:child_process";
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
const INTEGRATION = ["integration tests", npx("vitest", "run", "--config", "vitest.integration.config.mts")];

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
const [integrationOk, staticOk, unitOk] = await Promise.all([
    run(INTEGRATION, { quiet: false }),
    sequence(STATIC, { quiet: true }),
    run(UNIT, { quiet: true }),
]);
console.log(`\nnpm test: ${((Date.now() - started) / 1000).toFixed(1)} s`);
for (const r of results)
    console.log(`  ${r.code === 0 ? "ok  " : "FAIL"} ${r.name.padEnd(18)} ${r.seconds.toFixed(1)} s`);
process.exitCode = staticOk && unitOk && integrationOk ? 0 : 1;
