// `npm test`: every check, with the static ones beside the unit suite. The unit suite runs one file at a time
// and mostly waits on the real tools it spawns, so on two cores the type check, eslint and prettier fit in the
// idle one. The real-server integration suite runs last, alone, because its failover timings need the CPU.
// The static checks' output is held back and printed whole when they finish; the unit suite streams.
import { spawn } from "node:child_process";

const npx = (...args) => ["npx", "--no-install", ...args];
const STATIC = [
    ["type check", npx("tsc", "--noEmit", "-p", ".")],
    ["eslint", npx("eslint", ".")],
    ["prettier", npx("prettier", "--check", ".")],
];
const UNIT = ["unit tests", npx("vitest", "run")];
const INTEGRATION = ["integration tests", npx("vitest", "run", "--config", "vitest.integration.config.mts")];

const results = [];

function run([name, [cmd, ...args]], { quiet }) {
    const started = Date.now();
    return new Promise((resolve) => {
        const child = spawn(cmd, args, {
            stdio: ["ignore", quiet ? "pipe" : "inherit", quiet ? "pipe" : "inherit"],
        });
        let output = "";
        child.stdout?.on("data", (d) => (output += d));
        child.stderr?.on("data", (d) => (output += d));
        child.on("close", (code, signal) => {
            const seconds = (Date.now() - started) / 1000;
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
