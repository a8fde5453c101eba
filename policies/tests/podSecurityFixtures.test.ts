/**
 * The PSS judge against the 148 official Pod Security Admission fixtures (kubernetes/pod-security-admission
 * test/testdata, v1.37, restricted and baseline): every pass fixture yields no violation at its level, every fail
 * fixture yields a violation of the fixture's check (under the naming map below) and nothing unexplained.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { podSpecViolations } from "../sandbox/pss/judge";
import type { PodMetadata, PodSpec } from "../sandbox/pss/types";

const FIXTURES = resolve(__dirname, "../../tests/fixtures/pod-security/fixtures.jsonl");

const Fixture = z.object({
    level: z.enum(["restricted", "baseline"]),
    version: z.literal("v1.37"),
    check: z.string(),
    expect: z.enum(["pass", "fail"]),
    source: z.string(),
    object: z.object({
        kind: z.literal("Pod"),
        metadata: z.record(z.string(), z.unknown()),
        spec: z.record(z.string(), z.unknown()),
    }),
});

const fixtures = readFileSync(FIXTURES, "utf8")
    .trim()
    .split("\n")
    .map((line) => Fixture.parse(JSON.parse(line)));

/** At restricted, these baseline checks are replaced by their restricted versions (OverrideCheckIDs upstream). */
const RESTRICTED_NAME: Readonly<Record<string, string>> = {
    capabilities_baseline: "capabilities_restricted",
    seccompprofile_baseline: "seccompprofile_restricted",
    hostpathvolumes: "restrictedvolumes",
    procmount: "procmount_restricted",
};

/** Fail fixtures that cannot break one check alone, and the check they also break (same as upstream reports). */
const ALSO_BROKEN: Readonly<Record<string, readonly string[]>> = {
    // hostProcess pods must use the host network.
    windowshostprocess: ["hostnamespaces"],
    // The API rejects privileged: true with allowPrivilegeEscalation: false, so the fixture drops the latter.
    privileged: ["allowprivilegeescalation"],
    // One fixture removes the whole securityContext, which also drops capabilities.drop.
    allowprivilegeescalation: ["capabilities_restricted"],
};

function verdict(f: z.infer<typeof Fixture>) {
    return podSpecViolations(f.object.spec as PodSpec, f.level, f.object.metadata as PodMetadata).map((v) =>
        v.check.toLowerCase(),
    );
}

function expectedCheck(f: z.infer<typeof Fixture>): string {
    return f.level === "restricted" ? (RESTRICTED_NAME[f.check] ?? f.check) : f.check;
}

function agrees(f: z.infer<typeof Fixture>): boolean {
    const ids = verdict(f);
    if (f.expect === "pass") return ids.length === 0;
    const allowed = new Set([expectedCheck(f), ...(ALSO_BROKEN[f.check] ?? [])]);
    return ids.includes(expectedCheck(f)) && ids.every((id) => allowed.has(id));
}

describe("Pod Security Admission fixtures v1.37", () => {
    it("holds the 148 fixtures the README lists", () => {
        const count = (level: string, exp: string) =>
            fixtures.filter((f) => f.level === level && f.expect === exp).length;
        expect([
            count("restricted", "pass"),
            count("restricted", "fail"),
            count("baseline", "pass"),
            count("baseline", "fail"),
        ]).toEqual([23, 76, 15, 34]);
    });

    it.each(fixtures.map((f) => [`${f.level} ${f.expect} ${f.source.split("/").pop()}`, f] as const))(
        "%s",
        (_, f) => {
            const ids = verdict(f);
            if (f.expect === "pass") expect(ids).toEqual([]);
            else {
                expect(ids).toContain(expectedCheck(f));
                for (const id of ids)
                    expect([expectedCheck(f), ...(ALSO_BROKEN[f.check] ?? [])]).toContain(id);
            }
        },
    );

    it("agrees with all of them at both levels", () => {
        const disagreements = fixtures.filter((f) => !agrees(f)).map((f) => f.source);
        expect(disagreements).toEqual([]);
        expect(fixtures.filter(agrees)).toHaveLength(148);
    });
});
