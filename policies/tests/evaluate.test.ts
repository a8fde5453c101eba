/** evaluatePolicies: the contract the offline plan and the CLI rely on, and whole compliant stacks. */
import { validateResourceOfType } from "@pulumi/policy";
import { describe, expect, it } from "vitest";
import { evaluatePolicies, type PolicyResource } from "../evaluate";
import { PolicyConfigError } from "../lib/config";
import { UNKNOWN_STRING } from "../lib/engine";
import type { PackResourcePolicy } from "../lib/policy";
import { runPolicy } from "../lib/run";
import { T } from "../lib/typeTokens";
import { devStack, phase1Stack, phase5Tenant } from "./stacks";
import { res } from "./table";
import { compliantContainer } from "./tables/docker";

const mandatory = (rs: PolicyResource[], phase: string) =>
    evaluatePolicies(rs, { phase })
        .filter((v) => v.level === "mandatory")
        .map((v) => v.message);

describe("evaluatePolicies", () => {
    it("passes a compliant phase-1 stack without any violation", () => {
        expect(evaluatePolicies(phase1Stack(), { phase: "phase1" })).toEqual([]);
    });

    it("passes a compliant dev stack without mandatory violations", () => {
        expect(mandatory(devStack(), "dev")).toEqual([]);
    });

    it("passes a compliant phase-5 tenant, reporting only the open-ended budget advisory", () => {
        expect(
            evaluatePolicies(phase5Tenant(), { phase: "phase5" }).map((v) => `${v.level} ${v.policy}`),
        ).toEqual(["advisory stack-open-ended-budget"]);
    });

    it("reports policy, concern, level, urn, name and message", () => {
        const container = res(T.dockerContainer, "api", { ...compliantContainer().props, privileged: true });
        expect(evaluatePolicies([container], { phase: "dev" })).toEqual([
            {
                policy: "docker-not-privileged",
                concern: "sandbox",
                level: "mandatory",
                urn: "urn:pulumi:dev::phase-stacks::docker:index/container:Container::api",
                name: "api",
                message:
                    "docker Container 'api': privileged is true, which gives the container every capability and all host devices [CIS Docker Benchmark 5.5]. Fix: remove privileged",
            },
        ]);
    });

    it("names the resource a stack policy blames", () => {
        const stack = phase1Stack().map((r) =>
            r.name === "agents-1" ? { ...r, props: { ...r.props, firewallIds: [] } } : r,
        );
        const [v] = evaluatePolicies(stack, { phase: "phase1" }).filter(
            (x) => x.policy === "hcloud-server-has-firewall",
        );
        expect(v).toMatchObject({
            name: "agents-1",
            urn: "urn:pulumi:phase1::phase-stacks::hcloud:index/server:Server::agents-1",
            concern: "network",
        });
    });

    it("judges every record, even two with the same type and name", () => {
        const twice = [
            compliantContainer(),
            res(T.dockerContainer, "postgres", { ...compliantContainer().props, privileged: true }),
        ];
        expect(evaluatePolicies(twice, { phase: "dev" }).map((v) => v.policy)).toEqual([
            "docker-not-privileged",
        ]);
        const servers = phase1Stack().filter((r) => r.type === T.hcloudServer);
        const vs = evaluatePolicies([...phase1Stack(), ...servers], { phase: "phase1" });
        expect(vs.map((v) => v.policy)).toEqual(["hcloud-server-count", "stack-monthly-budget"]);
        expect(vs[1]?.message).toContain("monthly cost is EUR 42.36");
    });

    it("takes the phase from options.phase (the stack's config), never from the stack name in URNs", () => {
        const server = (urn?: string): PolicyResource => ({
            type: T.hcloudServer,
            name: "db",
            props: { serverType: "ccx33" },
            ...(urn ? { urn } : {}),
        });
        const typeViolations = (rs: PolicyResource[], phase?: string) =>
            evaluatePolicies(rs, phase ? { phase } : {}).filter(
                (v) => v.policy === "hcloud-server-type-allowed",
            );
        expect(
            typeViolations([server("urn:pulumi:phase1::p::hcloud:index/server:Server::db")], "phase3"),
        ).toHaveLength(0);
        expect(
            typeViolations([server("urn:pulumi:phase3::p::hcloud:index/server:Server::db")], "phase1"),
        ).toHaveLength(1);
        expect(typeViolations([server()], "phase2")).toHaveLength(0);
    });

    it("fails a stack whose phase it cannot tell, whatever the stack is called", () => {
        const undeclared = (rs: PolicyResource[], phase?: string) =>
            evaluatePolicies(rs, phase ? { phase } : {})
                .filter((v) => v.policy === "stack-phase-declared")
                .map((v) => `${v.level}: ${v.message}`);
        const named = (stack: string) =>
            phase1Stack().map((r) => ({
                ...r,
                urn: `urn:pulumi:${stack}::phase-stacks::${r.type}::${r.name}`,
            }));
        expect(undeclared(named("phase1"))).toEqual([expect.stringMatching(/^mandatory: .*is missing/)]);
        expect(undeclared(named("prod"), "prod")).toEqual([expect.stringMatching(/names no phase/)]);
        expect(undeclared(named("prod"), "phase1")).toEqual([]);
    });

    it("turns a check on a value unknown at preview into an advisory, as the engine does", () => {
        const server = res(T.hcloudServer, "app", { serverType: "cx33", userData: UNKNOWN_STRING });
        const firewall = res(T.hcloudFirewall, "fw", { rules: UNKNOWN_STRING });
        const vs = evaluatePolicies([server, firewall], { phase: "phase1" });
        expect(vs.find((v) => v.policy === "secrets-not-in-user-data")).toEqual({
            policy: "secrets-not-in-user-data",
            concern: "secrets",
            level: "advisory",
            urn: "urn:pulumi:phase1::phase-stacks::hcloud:index/server:Server::app",
            name: "app",
            message:
                "can't run policy 'secrets-not-in-user-data' during preview: string value at .userData can't be known during preview",
        });
        expect(vs.find((v) => v.policy === "hcloud-firewall-web-only-from-cloudflare")).toBeUndefined();
        expect(vs.find((v) => v.policy === "hcloud-firewall-no-world-admin-ports")?.level).toBe("advisory");
    });

    it("applies enforcement levels from the pack config", () => {
        const privileged = [
            res(T.dockerContainer, "api", { ...compliantContainer().props, privileged: true }),
        ];
        const levels = (config: Record<string, unknown>) =>
            evaluatePolicies(privileged, { phase: "dev", config }).map((v) => `${v.policy}:${v.level}`);
        expect(levels({ "docker-not-privileged": "disabled" })).toEqual([]);
        expect(levels({ "docker-not-privileged": { enforcementLevel: "advisory" } })).toEqual([
            "docker-not-privileged:advisory",
        ]);
        expect(levels({ all: "advisory" })).toEqual(["docker-not-privileged:advisory"]);
        expect(levels({ all: "advisory", "docker-not-privileged": "remediate" })).toEqual([
            "docker-not-privileged:mandatory",
        ]);
    });

    it("applies thresholds from the pack config over the defaults", () => {
        const agent = res(T.dockerContainer, "agent", {
            ...compliantContainer().props,
            memory: 300,
            cpuShares: 256,
            labels: [{ label: "phase-stacks/tier", value: "free" }],
        });
        expect(mandatory([agent], "dev")).toEqual([
            expect.stringContaining("memory is 300 MB, above the tier maximum of 256 MB"),
        ]);
        expect(
            evaluatePolicies([agent], {
                phase: "dev",
                config: { "docker-resource-limits": { tiers: { free: { memoryMb: 512, cpuShares: 512 } } } },
            }),
        ).toEqual([]);
    });

    it("rejects invalid pack config, naming the policy and the field", () => {
        expect(() => evaluatePolicies([], { config: { "no-such-policy": "advisory" } })).toThrow(
            new PolicyConfigError("invalid policy pack config: no policy named no-such-policy"),
        );
        expect(() =>
            evaluatePolicies([], {
                config: { "docker-resource-limits": { tiers: { free: { memoryMb: "lots" } } } },
            }),
        ).toThrow(/docker-resource-limits\.tiers\.free\.memoryMb: Invalid input: expected number/);
        expect(() =>
            evaluatePolicies([], { config: { "docker-not-privileged": { enforcementLevel: "loud" } } }),
        ).toThrow(/docker-not-privileged\.enforcementLevel must be one of/);
        expect(() => evaluatePolicies([], { config: { "docker-not-privileged": { typo: 1 } } })).toThrow(
            /docker-not-privileged: Unrecognized key: "typo"/,
        );
    });

    it("gives policies 1.21-correct arguments (isType, asType, notApplicable, stackTags)", () => {
        class Container {
            static readonly __pulumiType = T.dockerContainer;
        }
        const seen: unknown[] = [];
        const probe = {
            name: "probe",
            description: "records what the engine hands a typed validation",
            concern: "sandbox",
            enforcementLevel: "mandatory",
            validateConfig: () => undefined,
            validateResource: validateResourceOfType(
                Container as never,
                (props: Record<string, unknown>, args, report) => {
                    seen.push(
                        props["image"],
                        args.asType(Container as never) === props,
                        [...args.stackTags.entries()],
                        args.opts.protect,
                    );
                    report("seen");
                },
            ),
        } as unknown as PackResourcePolicy;
        const vs = runPolicy(probe, [compliantContainer(), res(T.hcloudServer, "s", {})], { phase: "dev" });
        expect(vs.map((v) => v.name)).toEqual(["postgres"]);
        expect(seen).toEqual([
            compliantContainer().props["image"],
            true,
            [["phase-stacks:phase", "dev"]],
            false,
        ]);
    });
});
