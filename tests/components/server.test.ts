/**
 * The server and firewall components under Pulumi's mocks: what each durability kind passes to hcloud, what it
 * ignores, and the options that decide how an edit rolls out (protect, delete-before-replace, ordering).
 */
import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import { REPLACING_INPUTS } from "../../core/catalog/replacement";
import { dockerTlsFrom, sshFromAdmins, webFromCloudflare } from "../../core/topology/firewallRules";
import { PlanMocks } from "../../tools/plan/mocks";
import { recordRegistrations, type RecordedResource } from "../../tools/plan/recorder";
import { HostFirewall } from "../../components/hetzner/hostFirewall";
import { Server, type ServerArgs } from "../../components/hetzner/server";

let recorded: RecordedResource[];
const byName = (name: string) => {
    const r = recorded.find((x) => x.name === name);
    if (!r) throw new Error(`${name} was not registered`);
    return r;
};
const common: Omit<ServerArgs, "durability"> = {
    serverType: "cx23",
    image: "ubuntu-24.04",
    location: "nbg1",
    sshKeyIds: ["1"],
    firewallIds: [7],
    userData: "#cloud-config\n",
    labels: { role: "backend" },
};

beforeAll(async () => {
    await pulumi.runtime.setMocks(new PlanMocks(), "phase-stacks", "unit", true);
    recorded = recordRegistrations();
    await pulumi.runtime.runInPulumiStack(() => {
        new Server("db", {
            ...common,
            durability: "stateful",
            volumeId: 3,
            network: { subnetId: "s", ip: "10.0.1.10" },
        });
        new Server("agent", { ...common, durability: "pinned", primaryIpv4Id: 9 });
        const first = new Server("web-1", { ...common, durability: "replaceable" });
        new Server("web-2", { ...common, durability: "replaceable", rollAfter: first.server });
        new HostFirewall("origin", {
            rules: [...sshFromAdmins(["198.51.100.0/24"]), ...webFromCloudflare(["173.245.48.0/20"])],
            labels: { role: "app" },
        });
        new HostFirewall("pool", { rules: dockerTlsFrom(["10.0.1.2/32"]), labels: { role: "agent" } });
        return Promise.resolve({});
    });
    await pulumi.runtime.disconnect();
});

describe("Server", () => {
    const forcing = REPLACING_INPUTS["hcloud:index/server:Server"] ?? [];

    it("a stateful server is protected, backed up and ignores every forcing input it sets", () => {
        const s = byName("db-server");
        expect(s.protect).toBe(true);
        expect(s.deleteBeforeReplace).toBe(false);
        expect(s.ignoreChanges).toEqual([...forcing.filter((k) => k in s.inputs), "placementGroupId"]);
        expect(s.ignoreChanges).toEqual(["userData", "sshKeys", "image", "location", "placementGroupId"]);
        expect(s.inputs).toMatchObject({ backups: true, deleteProtection: true, rebuildProtection: true });
        expect(s.inputs["networks"]).toEqual([{ subnetId: "s", ip: "10.0.1.10", aliasIps: [] }]);
        expect(byName("db-volume-attachment").inputs).toMatchObject({ volumeId: 3, automount: false });
    });

    it("a pinned server ignores the forcing inputs, is not protected, and is deleted before it is replaced", () => {
        const s = byName("agent-server");
        expect(s.protect).toBe(false);
        expect(s.deleteBeforeReplace).toBe(true);
        expect(s.ignoreChanges).toEqual(["userData", "sshKeys", "image", "location"]);
        expect(s.inputs["publicNets"]).toEqual([{ ipv4Enabled: true, ipv4: 9, ipv6Enabled: true }]);
        expect(s.inputs).toMatchObject({ backups: false, deleteProtection: false });
    });

    it("a replaceable server takes user-data and image edits as replacements, delete first, one after another", () => {
        const first = byName("web-1-server");
        const second = byName("web-2-server");
        for (const s of [first, second]) {
            expect(s.protect).toBe(false);
            expect(s.deleteBeforeReplace).toBe(true);
            expect(s.ignoreChanges).toEqual(["location"]);
            expect(s.inputs["userData"]).toBe("#cloud-config\n");
        }
        expect(second.dependencies).toContain(first.urn);
        expect(first.dependencies).not.toContain(second.urn);
    });
});

describe("HostFirewall", () => {
    it("passes the rule builders' inbound rules and nothing outbound", () => {
        const rules = byName("origin-firewall").inputs["rules"] as {
            direction: string;
            port: string;
            sourceIps: string[];
        }[];
        expect(rules.map((r) => [r.direction, r.port, r.sourceIps])).toEqual([
            ["in", "22", ["198.51.100.0/24"]],
            ["in", "80", ["173.245.48.0/20"]],
            ["in", "443", ["173.245.48.0/20"]],
        ]);
        const pool = byName("pool-firewall").inputs["rules"] as { port: string }[];
        expect(pool.map((r) => r.port)).toEqual(["2376"]);
        expect(byName("pool-firewall").inputs["labels"]).toEqual({ role: "agent" });
    });
});
