/** The `--resources` mode of tools/policy/cli.ts (`npm run policy`), run as users run it. */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { T } from "../../policies/lib/typeTokens";
import { phase1Stack } from "../../policies/tests/stacks";
import { res } from "../../policies/tests/table";
import { compliantContainer } from "../../policies/tests/tables/docker";
import { runCompiled } from "../helpers/planCli";

const dir = mkdtempSync(join(tmpdir(), "policy-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, content: unknown): string {
    const path = join(dir, name);
    writeFileSync(path, typeof content === "string" ? content : JSON.stringify(content));
    return path;
}

const cli = (...args: string[]) => runCompiled("tools/policy/cli", args);

const privileged = file("privileged.json", [
    { type: T.dockerContainer, name: "api", props: { ...compliantContainer().props, privileged: true } },
]);

describe("policy --resources", () => {
    it("prints {violations:[{policy, concern, level, name, message}]} and exits 1 on a mandatory violation", () => {
        const r = cli("--resources", privileged, "--json", "--phase", "dev");
        expect(r.status).toBe(1);
        expect(JSON.parse(r.stdout)).toEqual({
            violations: [
                {
                    policy: "docker-not-privileged",
                    concern: "sandbox",
                    level: "mandatory",
                    name: "api",
                    message:
                        "docker Container 'api': privileged is true, which gives the container every capability and all host devices [CIS Docker Benchmark 5.5]. Fix: remove privileged",
                },
            ],
        });
    });

    it("exits 0 with no violations for a compliant phase-1 stack", () => {
        const r = cli(
            "--resources",
            file(
                "phase1.json",
                phase1Stack().map(({ urn: _, ...r }) => r),
            ),
            "--json",
            "--phase",
            "phase1",
        );
        expect([r.status, JSON.parse(r.stdout)]).toEqual([0, { violations: [] }]);
    });

    it("prints a readable table without --json and honours --config", () => {
        const r = cli("--resources", privileged, "--phase", "dev");
        expect(r.status).toBe(1);
        expect(r.stdout).toContain(`${privileged}: 1 resources, 1 mandatory, 0 advisory`);
        expect(r.stdout).toContain(
            "  MANDATORY sandbox docker-not-privileged\n      docker Container 'api': privileged is true",
        );
        const relaxed = cli(
            "--resources",
            privileged,
            "--phase",
            "dev",
            "--config",
            file("config.json", { "docker-not-privileged": "advisory" }),
        );
        expect([relaxed.status, relaxed.stdout]).toEqual([
            0,
            expect.stringContaining("0 mandatory, 1 advisory"),
        ]);
    });

    it.each([
        ["a missing file", () => join(dir, "missing.json"), "cannot read resources file", "ENOENT"],
        ["invalid JSON", () => file("broken.json", "[{"), "is not valid JSON", "broken.json"],
        [
            "a wrong shape",
            () => file("shape.json", [{ type: T.dockerContainer, props: [] }]),
            "is invalid:\n  - [0].name: Invalid input: expected string, received undefined\n  - [0].props: Invalid input: expected record, received array",
            "shape.json",
        ],
    ])("exits 2 with a clear message for %s", (_, path, message, names) => {
        const r = cli("--resources", path(), "--json");
        expect(r.status).toBe(2);
        expect(r.stderr).toContain(message);
        expect(r.stderr).toContain(names);
        expect(r.stderr).not.toMatch(/\n\s+at /);
        expect(r.stdout).toBe("");
    });

    it("says where a file stops being JSON, never what it holds there", () => {
        const secret = "hunter2-not-echoed";
        const trailing = file(
            "trailing.json",
            `[{"type": "x", "name": "y",\n  "props": {"password": "${secret}", }}]`,
        );
        const truncated = file("truncated.json", `[{"type":"x","props":{"k":"${secret}`);
        const r1 = cli("--resources", trailing);
        const r2 = cli("--resources", truncated);
        expect([r1.status, r1.stderr.trim()]).toEqual([
            2,
            `policy: resources file ${trailing} is not valid JSON at line 2, column 47`,
        ]);
        expect([r2.status, r2.stderr.trim()]).toEqual([
            2,
            `policy: resources file ${truncated} is not valid JSON at line 1, column 46`,
        ]);
    });

    it("documents every option in --help, and judges --resources by --phase alone", () => {
        const help = cli("--help");
        expect(help.status).toBe(0);
        for (const option of ["--resources", "--phase", "--config", "--json", "--help"])
            expect(help.stdout).toContain(option);
        const compliant = file("phase1.json", phase1Stack());
        const untagged = cli("--resources", compliant, "--json");
        expect(untagged.status).toBe(1);
        expect(JSON.parse(untagged.stdout)).toMatchObject({
            violations: [{ policy: "stack-phase-declared" }],
        });
        expect(cli("--resources", compliant, "--phase", "phase1").status).toBe(0);
    });

    it("exits 2 on an invalid pack config or an unknown option", () => {
        const bad = cli(
            "--resources",
            privileged,
            "--config",
            file("bad-config.json", { "docker-resource-limits": { tiers: "none" } }),
        );
        expect([bad.status, bad.stderr]).toEqual([
            2,
            expect.stringContaining("policy: invalid policy pack config: docker-resource-limits.tiers:"),
        ]);
        const unknown = cli("--resoures", privileged);
        expect([unknown.status, unknown.stderr]).toEqual([
            2,
            expect.stringContaining("policy: Unknown option '--resoures'"),
        ]);
    });

    it("judges a resource given with a URN and options", () => {
        const volume = file("volume.json", [
            res(T.hcloudVolume, "pgdata", { size: 40, deleteProtection: true }, { protect: false }),
        ]);
        const r = cli("--resources", volume, "--json", "--phase", "phase2");
        expect(r.status).toBe(1);
        const out = JSON.parse(r.stdout) as { violations: { policy: string }[] };
        expect(out.violations.map((v) => v.policy)).toEqual(["stateful-protected"]);
    });
});
