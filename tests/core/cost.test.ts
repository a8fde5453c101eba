import { describe, expect, it } from "vitest";
import { priceResources } from "../../core/cost/model";

const server = (props: Record<string, unknown>) => ({
    type: "hcloud:index/server:Server",
    name: "app",
    props: { serverType: "cx33", ...props },
});

describe("cost model", () => {
    it("prices a cx33 with backups and an IPv4 from the catalog", () => {
        const r = priceResources([server({ backups: true })]);
        expect(r.lines.map((l) => [l.item, l.monthlyEur])).toEqual([
            ["server cx33", 6.49],
            ["backups (20% of cx33)", 1.3],
            ["primary IPv4", 0.5],
        ]);
        expect(r.monthlyEur).toBe(8.29);
    });

    it("does not bill an IPv4 for an IPv6-only server or one with its own PrimaryIp", () => {
        expect(
            priceResources([server({ publicNets: [{ ipv4Enabled: false, ipv6Enabled: true }] })]).monthlyEur,
        ).toBe(6.49);
        expect(priceResources([server({ publicNets: [{ ipv4Enabled: true, ipv4: 42 }] })]).monthlyEur).toBe(
            6.49,
        );
    });

    it("prices volumes per GB, load balancers by type, and external items", () => {
        const r = priceResources(
            [
                { type: "hcloud:index/volume:Volume", name: "pg", props: { size: 40 } },
                {
                    type: "hcloud:index/loadBalancer:LoadBalancer",
                    name: "lb",
                    props: { loadBalancerType: "lb11" },
                },
                { type: "cloudflare:index/dnsRecord:DnsRecord", name: "a", props: {} },
            ],
            [{ item: "object storage", monthlyEur: 4.99, basis: "unverified" }],
        );
        expect(r.lines.map((l) => l.monthlyEur)).toEqual([2.29, 5.49, 4.99]);
        expect(r.monthlyEur).toBe(12.77);
    });

    it("reports types it cannot price instead of silently pricing them at zero", () => {
        const r = priceResources([server({ serverType: "cx32" })]);
        expect(r.unpriced).toEqual(["cx32"]);
        expect(r.monthlyEur).toBe(0);
    });
});
