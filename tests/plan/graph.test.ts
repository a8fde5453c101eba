import { describe, expect, it } from "vitest";
import { criticalPath } from "../../tools/plan/graph";

const node = (urn: string, type: string, dependencies: string[] = [], custom = true) => ({
    urn,
    type,
    custom,
    dependencies,
});

describe("critical path", () => {
    it("follows the slowest chain and ignores components", () => {
        const nodes = [
            node("c", "phase-stacks:hetzner:AppServer", [], false),
            node("key", "hcloud:index/sshKey:SshKey"),
            node("vol", "hcloud:index/volume:Volume"),
            node("srv", "hcloud:index/server:Server", ["key", "vol"]),
            node("dns", "cloudflare:index/dnsRecord:DnsRecord", ["srv"]),
            node("fw", "hcloud:index/firewall:Firewall"),
        ];
        expect(criticalPath(nodes)).toEqual({ seconds: 58, path: ["vol", "srv", "dns"] });
    });

    it("uses a default for unknown custom types", () => {
        expect(criticalPath([node("x", "acme:index/thing:Thing")]).seconds).toBe(5);
    });

    it("rejects a cycle instead of looping", () => {
        expect(() => criticalPath([node("a", "x:y:Z", ["b"]), node("b", "x:y:Z", ["a"])])).toThrow(/cycle/);
    });
});
