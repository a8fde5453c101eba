import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "../helpers/stackFiles";

describe("the program under Pulumi's own TypeScript loader", () => {
    it("type-checks and runs phase1 with the vendored ts-node, as `pulumi up` would", () => {
        const r = spawnSync(process.execPath, [join(ROOT, "tests/helpers/pulumiLoader.cjs"), ROOT], {
            encoding: "utf8",
            timeout: 120_000,
        });
        expect(r.stderr).not.toMatch(/FAILED/);
        expect(r.stdout).toContain("export is a function: true");
        expect(r.stdout).toMatch(/program ran, outputs: 8 registered: \d{2}/);
        expect(r.status).toBe(0);
    });
});
