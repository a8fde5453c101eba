/** `npm run <tool>` goes through tools/launch.mjs, which runs the compiled CLI in its own process. */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "./helpers/build";

const launch = (...args: string[]) =>
    spawnSync(process.execPath, [join(ROOT, "tools/launch.mjs"), ...args], { cwd: ROOT, encoding: "utf8" });

describe("tools/launch.mjs", () => {
    it("runs the tool's compiled CLI with the arguments after the tool's name", () => {
        const r = launch("plan", "--help");
        expect(r.status).toBe(0);
        expect(r.stdout).toMatch(/usage: npm run plan/);
    });

    it("keeps the CLI's exit code and its message", () => {
        const r = launch("policy", "--phase", "phase1");
        expect(r.status).toBe(2);
        expect(r.stderr).toMatch(/--phase goes with --resources/);
    });
});
