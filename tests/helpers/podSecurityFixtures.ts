/**
 * The Kubernetes Pod Security fixtures (tests/fixtures/pod-security, sources in its README): pod specs known to
 * pass or fail each level, for proving that the judge a test relies on rejects what the cluster would.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { PodMetadata, PodSpec } from "../../policies/sandbox/pss/types";

export interface PodSecurityFixture {
    readonly level: "restricted" | "baseline";
    readonly expect: "pass" | "fail";
    readonly source: string;
    readonly object: { metadata: PodMetadata; spec: PodSpec };
}

export const POD_SECURITY_FIXTURES: readonly PodSecurityFixture[] = readFileSync(
    join(__dirname, "..", "fixtures", "pod-security", "fixtures.jsonl"),
    "utf8",
)
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as PodSecurityFixture);
