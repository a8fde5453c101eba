/**
 * Phase 1's agent host pool in the offline plan: one cx43 host sized by the seed's formula, its firewall (2376
 * from the API server only, never 2375), the Docker mTLS material from @pulumi/tls, the pool contract as stack
 * outputs, and a pack with no mandatory violation. A bigger config then shows placement groups of at most 10,
 * dedicated enterprise hosts, and the pack stopping a pool the phase cannot afford.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { editedPlan } from "../helpers/editedPlan";
import { sharedPlan, sharedPlanObject } from "../helpers/sharedPlans";
import { ROOT } from "../helpers/stackFiles";
import { statefulChanges, type DiffResource } from "../../tools/plan/diff";
import type { Plan, PlanResource } from "../../tools/plan/run";

let plan: Plan;
beforeAll(() => {
    plan = sharedPlanObject("phase1");
});

const ofType = (p: { resources: PlanResource[] }, type: string) => p.resources.filter((r) => r.type === type);
const agentServers = (p: { resources: PlanResource[] }) =>
    ofType(p, "hcloud:index/server:Server").filter(
        (r) => (r.inputs["labels"] as Record<string, string>)["role"] === "agent",
    );
const byName = (name: string) => plan.resources.find((r) => r.name === name) as PlanResource;

interface Rule {
    direction: string;
    protocol: string;
    port: string;
    sourceIps: string[];
}

describe("phase 1 agent pool", () => {
    it("is one cx43 (the seed's 8 vCPU, 16 GB VPS) in a spread placement group, with its own IPv4", () => {
        const [node, ...more] = agentServers(plan);
        expect(more).toHaveLength(0);
        expect(node?.inputs).toMatchObject({ serverType: "cx43", backups: false, image: "ubuntu-24.04" });
        expect(node?.inputs["labels"]).toMatchObject({ role: "agent", tier: "free", pool: "agents-free" });
        expect(node?.ignoreChanges).toEqual(
            expect.arrayContaining(["userData", "sshKeys", "image", "location"]),
        );
        const group = byName("agents-free-spread-0");
        expect(group.inputs).toMatchObject({ type: "spread" });
        expect(node?.dependencies).toEqual(
            expect.arrayContaining([
                group.urn,
                byName("agents-free-ipv4-0").urn,
                byName("agents-free-access-firewall").urn,
            ]),
        );
        expect(String(node?.inputs["userData"])).toMatch(/^\[secret:[0-9a-f]{12}\]$/);
    });

    it("admits the Docker API on 2376 and node_exporter on 9100 only from the app server, SSH from admins, never 2375", () => {
        const rules = byName("agents-free-access-firewall").inputs["rules"] as Rule[];
        const app = byName("app-server");
        expect(rules.map((r) => [r.direction, r.protocol, r.port])).toEqual([
            ["in", "tcp", "22"],
            ["in", "tcp", "2376"],
            ["in", "tcp", "9100"],
        ]);
        expect(rules[0]?.sourceIps).toEqual(["203.0.113.0/24", "2001:db8:1234::/48"]);
        // The mock gives servers 203.0.113.n and 2001:db8::n; the rule comes from the app server's own outputs.
        expect(rules[1]?.sourceIps).toEqual([
            expect.stringMatching(/^203\.0\.113\.\d+\/32$/),
            expect.stringMatching(/^2001:db8::\d+\/128$/),
        ]);
        // Prometheus reaches the public exporter from the app server's IPv4 alone.
        expect(rules[2]?.sourceIps).toEqual([rules[1]?.sourceIps[0]]);
        expect(byName("agents-free-access-firewall").dependencies).toContain(app.urn);
        expect(JSON.stringify(rules)).not.toContain("2375");
    });

    it("issues the Docker CA, a client certificate and a server certificate for the node's IPv4 from @pulumi/tls", () => {
        const ca = byName("agents-tls-ca-cert");
        expect(ca.inputs).toMatchObject({ isCaCertificate: true });
        expect(ca.inputs["allowedUses"]).toContain("cert_signing");
        expect(byName("agents-tls-client-cert").inputs["allowedUses"]).toContain("client_auth");
        const server = byName("agents-free-node-0-docker-cert");
        expect(server.inputs["allowedUses"]).toContain("server_auth");
        expect(server.dependencies).toContain(ca.urn);
        const csr = byName("agents-free-node-0-docker-csr");
        expect(csr.inputs["ipAddresses"]).toEqual([expect.stringMatching(/^192\.0\.2\.\d+$/)]);
        for (const key of ["agents-tls-ca-key", "agents-tls-client-key", "agents-free-node-0-docker-key"])
            expect(byName(key).inputs).toMatchObject({ algorithm: "ECDSA", ecdsaCurve: "P256" });
    });

    it("ships the daemon, the TLS files, the keeper and the metadata block to the node", () => {
        const targets = plan.artifacts
            .filter((a) => a.machine === "agents-free-node-0-server")
            .map((a) => `${a.kind} ${a.target}`);
        expect(targets).toEqual(
            expect.arrayContaining([
                "docker-daemon /etc/docker/daemon.json",
                "pem /etc/phase-stacks/secrets/docker-server-key.pem",
                "shell /opt/phase-stacks/bin/warm-pool-keeper.sh",
                "systemd /etc/systemd/system/phase-stacks-warm-pool.timer",
                "shell /opt/phase-stacks/bin/block-metadata-service.sh",
            ]),
        );
    });

    it("publishes the pool contract: limits, endpoints, CA and client certificate; the client key only as a secret", () => {
        const contract = plan.outputs["agentPools"] as {
            dockerTlsPort: number;
            caCertPem: string;
            clientCertPem: string;
            pools: { name: string; nodes: number; endpoints: string[]; limits: Record<string, unknown> }[];
        };
        expect(contract.dockerTlsPort).toBe(2376);
        expect(contract.caCertPem).toContain("BEGIN CERTIFICATE");
        expect(contract.clientCertPem).toContain("BEGIN CERTIFICATE");
        expect(contract.pools).toEqual([
            {
                name: "agents-free",
                activeUsers: 50,
                nodes: 1,
                endpoints: [expect.stringMatching(/^tcp:\/\/192\.0\.2\.\d+:2376$/)],
                limits: {
                    tier: "free",
                    memoryMb: 256,
                    memorySwapMb: 256,
                    cpuShares: 256,
                    cpus: 0.25,
                    pidsLimit: 512,
                    maxPerNode: 50,
                    prewarm: 20,
                },
            },
        ]);
        expect(plan.outputs["agentClientKeyPem"]).toBe("[secret]");
        expect(JSON.stringify(contract)).not.toContain("PRIVATE KEY");
    });

    it("has no mandatory policy violation", () => {
        expect(plan.policy.violations.filter((v) => v.level === "mandatory")).toEqual([]);
    });
});

describe("a larger agents config", () => {
    const P = "phase-stacks";
    let big: Plan;
    beforeAll(async () => {
        big = await editedPlan("phase1", {
            [`${P}:agents`]: {
                image: "ghcr.io/example/agent:2.0.0",
                tiers: { pro: { activeUsers: 300 } },
                enterprise: [{ name: "acme", activeUsers: 10 }],
            },
        });
    });

    it("sizes pro by the formula (300 / 30 = 10 + 3 buffer) in spread groups of at most 10", () => {
        const pro = agentServers(big).filter(
            (s) => (s.inputs["labels"] as Record<string, string>)["pool"] === "agents-pro",
        );
        expect(pro).toHaveLength(13);
        const groups = ofType(big, "hcloud:index/placementGroup:PlacementGroup").filter((g) =>
            g.name.startsWith("agents-pro-"),
        );
        expect(groups).toHaveLength(2);
        const members = groups.map((g) => pro.filter((s) => s.dependencies.includes(g.urn)).length);
        expect(members).toEqual([10, 3]);
    });

    it("gives the enterprise customer dedicated hosts of its own (10 x 2 GB on ccx23: 2 + 1 buffer)", () => {
        const acme = agentServers(big).filter(
            (s) => (s.inputs["labels"] as Record<string, string>)["customer"] === "acme",
        );
        expect(acme).toHaveLength(3);
        for (const s of acme) expect(s.inputs).toMatchObject({ serverType: "ccx23" });
    });

    it("is stopped by the pack: too many servers, a dedicated type and a cost over the phase's agent line", () => {
        const mandatory = big.policy.violations
            .filter((v) => v.level === "mandatory")
            .map((v) => `${v.policy}: ${v.message}`);
        expect(mandatory).toEqual(
            expect.arrayContaining([
                expect.stringMatching(/^hcloud-server-count: .*number 17, above the phase1 maximum of 3/),
                expect.stringMatching(/^hcloud-server-type-allowed: .*"ccx23" is not allowed in phase1/),
                expect.stringMatching(
                    /^stack-monthly-budget: .*agent pool monthly cost is EUR [\d.]+, above the phase1 agent-pool budget of EUR 46\.11/,
                ),
            ]),
        );
    });
});

describe("config edits on a running pool", () => {
    const P = "phase-stacks";
    const base = (
        parse(readFileSync(join(ROOT, "Pulumi.phase1.yaml"), "utf8")) as { config: Record<string, unknown> }
    ).config;
    const agents = base[`${P}:agents`] as Record<string, unknown>;
    const planOf = async (set: Record<string, unknown>): Promise<DiffResource[]> =>
        (await editedPlan("phase1", set)).resources;
    const onAgents = (changes: ReturnType<typeof statefulChanges>) =>
        changes.filter((c) => c.urn.includes("::agents-"));

    it("a new agent image, SSH key and more users add nodes but never delete or replace a running one", async () => {
        const before = sharedPlanObject("phase1").resources;
        const after = await planOf({
            [`${P}:agents`]: {
                ...agents,
                image: "ghcr.io/example/agent:9.9.9",
                tiers: { free: { activeUsers: 100 } },
            },
            [`${P}:admin`]: {
                ...(base[`${P}:admin`] as Record<string, unknown>),
                sshPublicKeys: [
                    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGrmxnwCbR8z6DFr8BApfwxtwZm0UpAqtd+rDtI7PLTV second@example.com",
                ],
            },
        });
        expect(onAgents(statefulChanges(before, after))).toEqual([]);
        const nodes = (rs: DiffResource[]) =>
            rs.filter((r) => /::agents-free-node-\d+-server$/.test(r.urn)).length;
        expect([nodes(before), nodes(after)]).toEqual([1, 2]);
    });
});

describe.each([
    ["phase2", 2, ["10.0.1.10/32"]],
    ["phase3", 6, ["10.0.1.30/32", "10.0.1.31/32"]],
])("%s agent pool", (stack, nodes, apiSources) => {
    const r = sharedPlan(stack as "phase2" | "phase3");
    const p = JSON.parse(r.stdout) as Plan;

    it(`has ${nodes} cx43 hosts on the private network from .150, behind the API servers' private addresses`, () => {
        expect(r.status, r.stderr).toBe(0);
        const servers = agentServers(p);
        expect(servers.map((s) => s.inputs["serverType"])).toEqual(Array(nodes).fill("cx43"));
        expect(servers.map((s) => (s.inputs["networks"] as { ip: string }[])[0]?.ip)).toEqual(
            Array.from({ length: nodes }, (_, i) => `10.0.1.${150 + i}`),
        );
        const rules = ofType(p, "hcloud:index/firewall:Firewall").find(
            (f) => f.name === "agents-free-access-firewall",
        )?.inputs["rules"] as Rule[];
        expect(rules.find((x) => x.port === "2376")?.sourceIps).toEqual(apiSources);
        const contract = p.outputs["agentPools"] as { pools: { endpoints: string[] }[] };
        expect(contract.pools[0]?.endpoints).toEqual(
            Array.from({ length: nodes }, (_, i) => `tcp://10.0.1.${150 + i}:2376`),
        );
        expect(ofType(p, "tls:index/locallySignedCert:LocallySignedCert")).not.toHaveLength(0);
        expect(p.policy.violations.filter((v) => v.level === "mandatory")).toEqual([]);
    });
});
