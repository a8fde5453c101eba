/**
 * Config edits of phases 2-3 (images, sizes, hostnames, replicas) never delete or replace a database node, a
 * volume or a protected resource, judged with the engine's ignoreChanges semantics (tools/plan/diff.ts); and
 * the edge's DNS records, the origin certificate and the origin's Caddy routes always name the same hosts.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { statefulChanges } from "../../tools/plan/diff";
import type { Plan } from "../../tools/plan/run";
import { editedPlan as plan } from "../helpers/editedPlan";
import { sharedPlanObject } from "../helpers/sharedPlans";
import { ROOT } from "../helpers/stackFiles";

const P = "phase-stacks";
type Config = Record<string, unknown>;
const stackConfig = (stack: string): Config =>
    (parse(readFileSync(join(ROOT, `Pulumi.${stack}.yaml`), "utf8")) as { config: Config }).config;

const servers = (c: Config) => c[`${P}:servers`] as Record<string, Record<string, unknown>>;
const EDITS: Record<string, (c: Config) => Config> = {
    "new OS image on every server": (c) => ({
        [`${P}:servers`]: Object.fromEntries(
            Object.entries(servers(c)).map(([k, v]) => [k, { ...v, image: "debian-12" }]),
        ),
    }),
    "new application images, memory sizes and a bigger volume": (c) => {
        const overrides = (c[`${P}:workloadOverrides`] ?? {}) as Record<string, Config>;
        return {
            [`${P}:workloadOverrides`]: {
                ...overrides,
                api: { ...overrides["api"], image: "ghcr.io/acme/api:3.0.0" },
                worker: { ...overrides["worker"], memoryMb: 256 },
            },
            [`${P}:postgres`]: { ...(c[`${P}:postgres`] as Config | undefined), volumeGb: 120 },
        };
    },
    "new hostnames": () => ({
        [`${P}:edge`]: { zone: "example.org", zoneId: "fedcba9876543210fedcba9876543210", appHost: "www" },
    }),
};
const PHASE3_ONLY: Record<string, (c: Config) => Config> = {
    "one more replica": (c) => ({
        [`${P}:replication`]: { ...(c[`${P}:replication`] as Config | undefined), replicas: 2 },
    }),
    // Patroni's settings are in every node's user data, which stateful servers ignore (use patronictl edit-config).
    "Patroni timings and strict synchronous mode": (c) => ({
        [`${P}:replication`]: {
            ...(c[`${P}:replication`] as Config | undefined),
            patroni: { ttlSeconds: 45, loopWaitSeconds: 15, synchronousStrict: true, readerMaxLagMb: 64 },
        },
    }),
};

const protectedOrStateful = (r: Plan["resources"][number]) =>
    r.protect || (r.inputs["labels"] as Record<string, string> | undefined)?.["stateful"] === "true";

describe.each(["phase2", "phase3"] as const)("%s: config edits leave data alone", (stack) => {
    const base = stackConfig(stack);
    let before: Plan;
    beforeAll(() => {
        before = sharedPlanObject(stack);
    });
    const edits = { ...EDITS, ...(stack === "phase3" ? PHASE3_ONLY : {}) };

    it("has protected database servers and volumes to guard", () => {
        const guarded = before.resources.filter(protectedOrStateful).map((r) => r.type);
        expect(guarded).toContain("hcloud:index/server:Server");
        expect(guarded).toContain("hcloud:index/volume:Volume");
    });

    it.each(Object.keys(edits))("%s: nothing protected or stateful is deleted or replaced", async (edit) => {
        const after = await plan(stack, (edits[edit] as (c: Config) => Config)(base));
        const guarded = before.resources.filter(protectedOrStateful);
        expect(statefulChanges(guarded, after.resources)).toEqual([]);
        // A guarded resource may not vanish either (statefulChanges judges only replacement-prone types).
        const urns = new Set(after.resources.map((r) => r.urn));
        expect(guarded.filter((r) => !urns.has(r.urn)).map((r) => r.urn)).toEqual([]);
    });
});

describe("one hostnames value for DNS, certificate and Caddy", () => {
    it("after a hostname edit all three name the new hosts", async () => {
        const c = stackConfig("phase1");
        const p = await plan("phase1", {
            [`${P}:edge`]: {
                ...(c[`${P}:edge`] as Config),
                zone: "example.org",
                appHost: "www",
                apiHost: "backend",
            },
        });
        const dns = p.resources
            .filter((r) => r.type === "cloudflare:index/dnsRecord:DnsRecord")
            .map((r) => r.inputs["name"] as string);
        const cert = p.resources.find(
            (r) => r.type === "cloudflare:index/originCaCertificate:OriginCaCertificate",
        );
        const caddy =
            p.artifacts.find((a) => a.machine === "app-server" && a.target.endsWith("/config/caddy.json"))
                ?.content ?? "";
        const routed = [...caddy.matchAll(/"host": \[\s*"([^"]+)"/g)].map((m) => m[1]);
        const expected = ["www.example.org", "backend.example.org"];
        expect([...new Set(dns)].sort()).toEqual([...expected].sort());
        expect([...(cert?.inputs["hostnames"] as string[])].sort()).toEqual([...expected].sort());
        expect(expected.every((h) => routed.includes(h))).toBe(true);
    });
});
