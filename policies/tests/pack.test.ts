/** The pack as a whole: every policy carries its metadata, has a table of tests, and index.ts only builds the pack. */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { policies } from "../all";
import { CONCERNS } from "../lib/policy";
import { ALL_TABLES } from "./tables";

describe("the pack", () => {
    it("has unique policy names", () => {
        const names = policies.map((p) => p.name);
        expect(new Set(names).size).toBe(names.length);
    });

    it("counts its policies by concern", () => {
        const count = Object.fromEntries(
            CONCERNS.map((c) => [c, policies.filter((p) => p.concern === c).length]),
        );
        expect(count).toEqual({ sandbox: 30, caps: 12, network: 8, data: 7, edge: 7, secrets: 2 });
        expect(
            policies
                .filter((p) => p.enforcementLevel === "advisory")
                .map((p) => p.name)
                .sort(),
        ).toEqual([
            "docker-cpu-cap",
            "docker-healthcheck",
            "docker-image-pinned",
            "docker-not-default-bridge",
            "docker-restart-retries",
            "docker-user-data-containers-advisory",
            "stack-open-ended-budget",
            "stateful-server-ignore-changes",
        ]);
    });

    it.each(policies.map((p) => [p.name, p] as const))(
        "%s carries description, level, severity, framework id and remediation",
        (_, p) => {
            expect(p.description.length).toBeGreaterThan(20);
            expect(["mandatory", "advisory"]).toContain(p.enforcementLevel);
            expect(["low", "medium", "high", "critical"]).toContain(p.severity);
            expect(
                p.framework.name && p.framework.version && p.framework.specification && p.framework.reference,
            ).toBeTruthy();
            expect(p.frameworkId).toBe(`${p.framework.name} ${p.framework.specification}`);
            expect(p.remediationSteps.length).toBeGreaterThan(10);
            expect(p.tags).toEqual([p.concern]);
            if (p.configSchema) {
                expect(Object.keys(p.configSchema.properties)).not.toContain("enforcementLevel");
                for (const prop of Object.values(p.configSchema.properties))
                    expect(prop).toHaveProperty("default");
                expect(JSON.parse(JSON.stringify(p.configSchema))).toEqual(p.configSchema);
            }
        },
    );

    it("has a table with broken cases for every policy, and no table for a policy outside the pack", () => {
        const tested = new Set(ALL_TABLES.filter((t) => t.broken.length > 0).map((t) => t.policy.name));
        expect(policies.map((p) => p.name).filter((n) => !tested.has(n))).toEqual([]);
        expect(ALL_TABLES.map((t) => t.policy).filter((p) => !policies.includes(p))).toEqual([]);
    });

    it("constructs the PolicyPack in index.ts and nowhere else", () => {
        const index = readFileSync(resolve(__dirname, "../index.ts"), "utf8");
        expect(index.match(/new PolicyPack\(/g)).toHaveLength(1);
        expect([...index.matchAll(/from "([^"]+)"/g)].map((m) => m[1])).toEqual(["@pulumi/policy", "./all"]);
    });
});

describe("README", () => {
    const readme = readFileSync(resolve(__dirname, "../README.md"), "utf8");
    it.each(policies.map((p) => [p.name, p] as const))(
        "lists %s with its concern, level and framework id",
        (_, p) => {
            expect(readme).toContain(
                `| \`${p.name}\` | ${p.concern} | ${p.enforcementLevel} | ${p.frameworkId} | ${p.severity} |`,
            );
        },
    );
    it.each(
        policies.flatMap((p) =>
            Object.keys(p.configSchema?.properties ?? {}).map((k) => [`${p.name}.${k}`, p.name, k] as const),
        ),
    )("documents %s", (_, name, key) => {
        expect(readme).toContain(`| \`${name}\` | \`${key}\` |`);
    });
});
