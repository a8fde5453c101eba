import { beforeAll, describe, expect, it } from "vitest";
import { CLOUDFLARE_RANGES } from "../../core/catalog/cloudflare";
import { PHASE_SPECS } from "../../core/phases";
import type { Plan, PlanResource } from "../../tools/plan/run";
import { sharedPlanObject } from "../helpers/sharedPlans";

let plan: Plan;
beforeAll(() => {
    plan = sharedPlanObject("phase1");
});

/** The app side of the phase (the agent pool and its TLS material are tests/plan/agents.test.ts's). */
function ofType(type: string): PlanResource[] {
    return plan.resources.filter((r) => r.type === type && !r.name.startsWith("agents-"));
}

function one(type: string): PlanResource {
    const found = ofType(type);
    expect(found, type).toHaveLength(1);
    return found[0] as PlanResource;
}

describe("phase1 plan", () => {
    it("has one cx33 app server that keeps its state across config changes", () => {
        const server = one("hcloud:index/server:Server");
        expect(server.inputs).toMatchObject({
            serverType: "cx33",
            image: "ubuntu-24.04",
            backups: true,
            deleteProtection: true,
            rebuildProtection: true,
        });
        expect(server.inputs["labels"]).toMatchObject({ role: "app", stateful: "true" });
        expect(server.protect).toBe(true);
        expect(server.ignoreChanges).toEqual(
            expect.arrayContaining(["userData", "sshKeys", "image", "location"]),
        );
        expect(String(server.inputs["userData"])).toMatch(/^\[secret:[0-9a-f]{12}\]$/);
    });

    it("puts Postgres on a protected, delete-protected volume attached to that server", () => {
        const volume = one("hcloud:index/volume:Volume");
        expect(volume.protect).toBe(true);
        expect(volume.inputs).toMatchObject({ size: 40, format: "ext4", deleteProtection: true });
        expect(volume.ignoreChanges).toEqual(expect.arrayContaining(["location", "format"]));
        const attachment = one("hcloud:index/volumeAttachment:VolumeAttachment");
        expect(attachment.dependencies).toEqual(
            expect.arrayContaining([volume.urn, one("hcloud:index/server:Server").urn]),
        );
    });

    it("opens SSH to admin ranges and 80/443 to Cloudflare only, nothing else inbound", () => {
        const rules = one("hcloud:index/firewall:Firewall").inputs["rules"] as {
            direction: string;
            port: string;
            sourceIps: string[];
        }[];
        expect(rules.map((r) => [r.direction, r.port])).toEqual([
            ["in", "22"],
            ["in", "80"],
            ["in", "443"],
        ]);
        expect(rules[0]?.sourceIps).toEqual(["203.0.113.0/24", "2001:db8:1234::/48"]);
        expect(rules[1]?.sourceIps).toEqual([...CLOUDFLARE_RANGES]);
        expect(rules[2]?.sourceIps).toEqual([...CLOUDFLARE_RANGES]);
        expect(one("hcloud:index/server:Server").dependencies).toContain(
            one("hcloud:index/firewall:Firewall").urn,
        );
    });

    it("publishes the app and API hostnames as proxied A and AAAA records to the server", () => {
        const records = ofType("cloudflare:index/dnsRecord:DnsRecord").map((r) => r.inputs);
        expect(records.map((r) => `${String(r["type"])} ${String(r["name"])}`).sort()).toEqual([
            "A api.example.com",
            "A app.example.com",
            "AAAA api.example.com",
            "AAAA app.example.com",
        ]);
        for (const r of records) expect(r).toMatchObject({ proxied: true, ttl: 1 });
        expect(records.find((r) => r["type"] === "A")?.["content"]).toMatch(/^203\.0\.113\.\d+$/);
    });

    it("sets the zone to SSL strict, TLS >= 1.2, always HTTPS and HSTS", () => {
        const settings = Object.fromEntries(
            ofType("cloudflare:index/zoneSetting:ZoneSetting").map((r) => [
                String(r.inputs["settingId"]),
                r.inputs["value"],
            ]),
        );
        expect(settings).toEqual({
            ssl: "strict",
            min_tls_version: "1.2",
            always_use_https: "on",
            security_header: {
                strict_transport_security: {
                    enabled: true,
                    max_age: 31_536_000,
                    include_subdomains: true,
                    nosniff: true,
                    preload: false,
                },
            },
            tls_client_auth: "on",
        });
    });

    it("issues the Origin CA certificate from a @pulumi/tls CSR for both hostnames", () => {
        const cert = one("cloudflare:index/originCaCertificate:OriginCaCertificate");
        expect(cert.inputs).toMatchObject({
            hostnames: ["app.example.com", "api.example.com"],
            requestType: "origin-rsa",
        });
        expect(cert.dependencies).toContain(one("tls:index/certRequest:CertRequest").urn);
        expect(one("hcloud:index/server:Server").dependencies).toContain(cert.urn);
    });

    it("caches static assets with a cache-settings ruleset", () => {
        const ruleset = one("cloudflare:index/ruleset:Ruleset");
        expect(ruleset.inputs).toMatchObject({ kind: "zone", phase: "http_request_cache_settings" });
    });

    // The budget is Chrono's EUR 25.85 plus ClawHQ Tier 1's agent VPS ($48, core/phases.ts), which the seed
    // prices apart: the app side stays within the first, the agent pool within the second.
    it("costs less than the seed's EUR 25.85 Phase-1 budget, plus the ClawHQ agent-pool line for the agent host", () => {
        const sum = (agent: boolean) =>
            plan.cost.lines
                .filter((l) => l.resource.startsWith("agents-") === agent)
                .reduce((eur, l) => eur + l.monthlyEur, 0);
        expect(sum(false)).toBeGreaterThan(10);
        expect(sum(false)).toBeLessThan(25.85);
        expect(sum(true)).toBeGreaterThan(0);
        expect(sum(true)).toBeLessThanOrEqual(PHASE_SPECS.phase1.agentPoolBudgetEur?.eur ?? 0);
        expect(plan.cost.budgetEur.max).toBeCloseTo(
            25.85 + (PHASE_SPECS.phase1.agentPoolBudgetEur?.eur ?? NaN),
            2,
        );
        expect(plan.cost.withinBudget).toBe(true);
        expect(plan.cost.lines.map((l) => l.item)).toEqual(
            expect.arrayContaining(["server cx33", "backups (20% of cx33)", "volume 40 GB"]),
        );
    });

    it("parents every custom resource to a component, named after it", () => {
        const byUrn = new Map(plan.resources.map((r) => [r.urn, r]));
        for (const r of plan.resources.filter((x) => x.custom)) {
            const parent = r.parent ? byUrn.get(r.parent) : undefined;
            expect(parent?.type, r.urn).toMatch(/^phase-stacks:/);
            expect(r.name.startsWith(`${parent?.name ?? "?"}-`), r.urn).toBe(true);
        }
    });

    it("ships the app server's files, each labelled", () => {
        const kinds = new Set(plan.artifacts.map((a) => a.kind));
        for (const k of [
            "cloud-config",
            "compose",
            "caddy",
            "prometheus-config",
            "shell",
            "systemd",
            "sshd",
            "docker-daemon",
        ])
            expect(kinds, k).toContain(k);
    });

    it("finds the critical path through the server", () => {
        expect(plan.criticalPath.seconds).toBeGreaterThanOrEqual(45);
        expect(plan.criticalPath.path.some((u) => u.includes("hcloud:index/server:Server"))).toBe(true);
    });

    it("has no mandatory policy violation", () => {
        expect(plan.policy.violations.filter((v) => v.level === "mandatory")).toEqual([]);
    });
});
