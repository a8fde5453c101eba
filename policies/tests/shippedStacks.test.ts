/** Issue 3's promise, end to end: `npm run policy` over every shipped stack finds no mandatory violation. */
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { compiled, ROOT } from "../../tests/helpers/build";

interface Verdict {
    stack: string;
    violations: { level: string; policy: string; name: string; message: string }[];
    error?: string;
}

describe("npm run policy over the shipped stacks", () => {
    it("plans every stack and finds no mandatory violation", () => {
        const r = spawnSync(process.execPath, [compiled("tools/policy/cli"), "--json"], {
            cwd: ROOT,
            encoding: "utf8",
            timeout: 240_000,
        });
        const { stacks } = JSON.parse(r.stdout) as { stacks: Verdict[] };
        expect(stacks.map((s) => s.stack)).toEqual(["dev", "phase1", "phase2", "phase3", "phase4", "phase5"]);
        expect(stacks.filter((s) => s.error)).toEqual([]);
        expect(stacks.flatMap((s) => s.violations.filter((v) => v.level === "mandatory"))).toEqual([]);
        expect(r.status).toBe(0);
    });
});
