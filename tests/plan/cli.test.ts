import { spawnSync } from "node:child_process";
import { copyFileSync, cpSync, existsSync, mkdtempSync, readFileSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { ProgramError, runPlan } from "../../tools/plan/run";
import { BIN } from "../helpers/build";
import { planCli, tempStackFile } from "../helpers/planCli";
import { sharedPlan } from "../helpers/sharedPlans";
import { ROOT, shippedStack } from "../helpers/stackFiles";

const P = "phase-stacks";
const phase1 = (
    parse(readFileSync(join(ROOT, "Pulumi.phase1.yaml"), "utf8")) as { config: Record<string, unknown> }
).config;

function withoutKey(config: Record<string, unknown>, key: string): Record<string, unknown> {
    return Object.fromEntries(Object.entries(config).filter(([k]) => k !== key));
}

describe("npm run plan", () => {
    it("prints the JSON contract for phase1 and writes every shipped file under --out", () => {
        // The run's shared plan: `node bin/tools/plan/cli.js phase1 --json --out DIR` (tests/helpers/globalSetup.ts).
        const r = sharedPlan("phase1");
        const out = r.out;
        expect(r.stderr).toBe("");
        expect(r.status).toBe(0);
        const plan = JSON.parse(r.stdout) as Record<string, unknown> & {
            resources: Record<string, unknown>[];
            cost: { monthlyEur: number; lines: unknown[] };
            policy: { violations: unknown[] };
            artifacts: { path: string; kind: string }[];
            criticalPath: { seconds: number };
        };
        expect(plan).toMatchObject({ stack: "phase1", phase: "phase1" });
        for (const r of plan.resources)
            expect(Object.keys(r)).toEqual(
                expect.arrayContaining([
                    "urn",
                    "type",
                    "name",
                    "dependencies",
                    "protect",
                    "ignoreChanges",
                    "replaceOnChanges",
                    "deleteBeforeReplace",
                    "aliases",
                    "inputs",
                ]),
            );
        // The DNS records moved from cloudflare:Record to DnsRecord: the alias that keeps them is recorded.
        const record = plan.resources.find((r) => r.name === "edge-app-a") as { aliases: unknown[] };
        expect(record.aliases).toContainEqual(
            expect.objectContaining({ type: "cloudflare:index/record:Record" }),
        );
        expect(plan.cost.monthlyEur).toBeGreaterThan(0);
        expect(plan.cost.lines.length).toBeGreaterThan(3);
        expect(Array.isArray(plan.policy.violations)).toBe(true);
        expect(plan.criticalPath.seconds).toBeGreaterThan(0);
        expect(plan.artifacts.length).toBeGreaterThan(10);
        for (const a of plan.artifacts) expect(existsSync(join(out, a.path)), a.path).toBe(true);
    });

    it("prints a readable report by default", () => {
        const r = planCli(["phase1"]);
        expect(r.status).toBe(0);
        expect(r.stdout).toMatch(/^Offline plan of phase-stacks\/phase1 \(phase1\)/);
        expect(r.stdout).toMatch(
            /Monthly cost: EUR \d+\.\d\d \(seed budget EUR 71.96; within budget\), sized for 0-100 active users/,
        );
        expect(r.stdout).toMatch(/Critical path: ~\d+(\.\d)? s/);
    });

    it.each<[string, Record<string, unknown>, string, RegExp]>([
        [
            "a wrong type",
            { ...phase1, [`${P}:servers`]: { app: { type: 33 } } },
            `${P}:servers.app.type`,
            /pulumi config set --path 'servers.app.type' <value> --stack phase1/,
        ],
        [
            "an unknown key",
            { ...phase1, [`${P}:sever`]: "x" },
            `${P}:sever`,
            /pulumi config rm --path 'sever' --stack phase1/,
        ],
        [
            "an unknown server type",
            { ...phase1, [`${P}:servers`]: { app: { type: "cx32" } } },
            `${P}:servers.app.type`,
            /expected one of/,
        ],
        ["an unknown location", { ...phase1, [`${P}:location`]: "fra1" }, `${P}:location`, /expected one of/],
        [
            "a missing secret",
            withoutKey(phase1, "hcloud:token"),
            "hcloud:token",
            /pulumi config set --secret hcloud:token <value> --stack phase1/,
        ],
    ])("exits 2 on %s, naming the key and the fix, without a stack trace", (_case, config, key, fix) => {
        const r = planCli(["--stack-file", tempStackFile("phase1", config)]);
        expect(r.status).toBe(2);
        expect(r.stderr).toContain(`${key}:`);
        expect(r.stderr).toMatch(fix);
        expect(r.stderr).not.toMatch(/\n\s+at /);
        expect(r.stdout).toBe("");
    });

    it("exits 2 when the stack file does not exist, naming it", () => {
        const r = planCli(["nosuchstack"]);
        expect(r.status).toBe(2);
        expect(r.stderr).toMatch(/cannot read .*Pulumi\.nosuchstack\.yaml/);
    });

    it("exits 2 with usage on bad arguments", () => {
        expect(planCli([]).status).toBe(2);
        expect(planCli(["phase1", "--colour"]).stderr).toMatch(/usage: npm run plan/);
    });

    it("plans phase5, the last phase, like every other (0 clean or 1 a policy verdict, never a failure)", () => {
        const r = sharedPlan("phase5");
        expect([0, 1], r.stderr).toContain(r.status);
        expect((JSON.parse(r.stdout) as { phase: string }).phase).toBe("phase5");
    });

    it("exits 3 when the stack's program fails, with its message and no stack trace", () => {
        const r = planCli([
            "--stack-file",
            tempStackFile("phase1", {
                ...phase1,
                [`${P}:workloadOverrides`]: { proxy: { image: "nginx:1.27" } },
            }),
        ]);
        expect(r.status).toBe(3);
        expect(r.stderr).toMatch(/the stack program failed: .*workload.proxy.image must be a Caddy image/);
        expect(r.stderr).not.toMatch(/\n\s+at /);
    });
});

describe("the offline plan refuses what the engine refuses", () => {
    it("a URN registered twice fails the plan with the engine's message, naming both registrations", async () => {
        // A fixture program: two volumes under one name, as dev's Prometheus config volume once was.
        class Volume extends pulumi.CustomResource {
            constructor(name: string, props: pulumi.Inputs) {
                super("test:index:Volume", name, props);
            }
        }
        const program = () => {
            new Volume("local-config", { driver: "local", mount: "/a" });
            new Volume("local-config", { driver: "local", mount: "/b" });
            return {};
        };
        const error = await runPlan(shippedStack("phase1"), program).then(
            () => undefined,
            (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(ProgramError);
        const message = (error as Error).message;
        expect(message).toContain(
            "Duplicate resource URN 'urn:pulumi:phase1::phase-stacks::pulumi:pulumi:Stack$test:index:Volume::local-config'; try giving it a unique name.",
        );
        expect(message).toMatch(/first registered at the stack root with inputs .*"mount":"\/a"/);
        expect(message).toMatch(/then again at the stack root with inputs .*"mount":"\/b"/);
    });

    it("exits 3 without a stack trace when the program cannot be loaded (a missing module)", () => {
        // A copy of the compiled tree without stacks/: run.js cannot require the program.
        const dir = mkdtempSync(join(tmpdir(), "plan-broken-"));
        cpSync(BIN, join(dir, "bin"), {
            recursive: true,
            filter: (src) => !src.startsWith(join(BIN, "stacks")),
        });
        for (const f of ["Pulumi.yaml", "Pulumi.phase1.yaml"]) copyFileSync(join(ROOT, f), join(dir, f));
        symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"));
        const r = spawnSync(process.execPath, [join(dir, "bin/tools/plan/cli.js"), "phase1"], {
            encoding: "utf8",
        });
        expect(r.status).toBe(3);
        expect(r.stderr).toMatch(
            /^the stack program failed to load: Cannot find module '\.\.\/\.\.\/stacks'/,
        );
        expect(r.stderr).not.toMatch(/\n\s+at /);
        expect(r.stdout).toBe("");
    });
});
