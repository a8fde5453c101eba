// `npm test`: every check. The unit suite gets a worker per core (vitest's default leaves one of two idle) and
// the type check, eslint and prettier run beside it; the real-server suite runs last, without the unit suite's
// load, since its replication and Sentinel waits time out when it shares the CPU with it. Measured on 2 cores
// (2026-12-02, Patroni suite included): unit 156 s beside the static checks, then real servers 144 s.
// The static checks' output is held back and printed whole when they finish; the test suites stream.
import { spawn } from "node:child_process";
import { availableParallelism } from "node:os";

const npx = (...args) => ["npx", "--no-install", ...args];
const STATIC = [
    ["type check", npx("tsc", "--noEmit", "-p", ".")],
    ["eslint", npx("eslint", ".")],
    ["prettier", npx("prettier", "--check", ".")],
];
const UNIT = ["unit tests", npx("vitest", "run", `--maxWorkers=${Math.max(2, availableParallelism() - 1)}`)];
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
const [staticOk, unitOk] = await Promise.all([
    sequence(STATIC, { quiet: true }),
    run(UNIT, { quiet: false }),
]);
const integrationOk = await run(INTEGRATION, { quiet: false });
console.log(`\nnpm test: ${((Date.now() - started) / 1000).toFixed(1)} s`);
for (const r of results)
    console.log(`  ${r.code === 0 ? "ok  " : "FAIL"} ${r.name.padEnd(18)} ${r.seconds.toFixed(1)} s`);
process.exitCode = staticOk && unitOk && integrationOk ? 0 : 1;
