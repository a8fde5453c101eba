import { describe, expect, it } from "vitest";
import { CLOUDFLARE_IPV4, CLOUDFLARE_IPV6 } from "../../core/catalog/cloudflare";
import { LOAD_BALANCER_TYPES, LOCATIONS, SERVER_TYPES, UNIT_PRICES } from "../../core/catalog/hetzner";
import { parseCidr } from "../../core/config/net";

const allPrices = [
    ...Object.entries(SERVER_TYPES).map(([n, t]) => [n, t.price] as const),
    ...Object.entries(LOAD_BALANCER_TYPES).map(([n, t]) => [n, t.price] as const),
    ...Object.entries(UNIT_PRICES),
];

describe("Hetzner catalog", () => {
    it.each(allPrices)("%s has a positive price with a source and an ISO date", (_name, price) => {
        expect(price.monthlyEur).toBeGreaterThan(0);
        expect(price.source.length).toBeGreaterThan(5);
        expect(price.seen).toMatch(/^20\d\d-\d\d-\d\d$/);
    });

    it("offers cx33 as the seed's CX32 successor: 4 vCPU, 8 GB, 80 GB, EU only", () => {
        expect(SERVER_TYPES.cx33).toMatchObject({
            vcpus: 4,
            memoryGb: 8,
            diskGb: 80,
            locations: ["fsn1", "nbg1", "hel1"],
        });
    });

    it("does not list the retired Gen2 cx22/cx32/cx42/cx52 types", () => {
        for (const retired of ["cx22", "cx32", "cx42", "cx52"])
            expect(Object.keys(SERVER_TYPES)).not.toContain(retired);
    });

    it("sells every type only in known locations", () => {
        for (const t of Object.values(SERVER_TYPES))
            for (const l of t.locations) expect(Object.keys(LOCATIONS)).toContain(l);
    });

    it("prices bigger types of a line higher", () => {
        for (const line of ["cx", "cpx", "cax", "ccx"]) {
            const types = Object.values(SERVER_TYPES)
                .filter((t) => t.line === line)
                .sort((a, b) => a.memoryGb - b.memoryGb);
            const prices = types.map((t) => t.price.monthlyEur);
            expect(prices).toEqual([...prices].sort((a, b) => a - b));
        }
    });
});

describe("Cloudflare ranges", () => {
    it.each([...CLOUDFLARE_IPV4, ...CLOUDFLARE_IPV6])("%s is a valid CIDR", (cidr) => {
        expect(parseCidr(cidr)).toBeDefined();
    });
});
