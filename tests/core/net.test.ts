import { describe, expect, it } from "vitest";
import { isWorldWide, parseCidr } from "../../core/config/net";

describe("CIDR parsing", () => {
    it.each([
        ["203.0.113.7/32", { family: 4, prefix: 32 }],
        ["10.0.0.0/8", { family: 4, prefix: 8 }],
        ["2001:db8::/48", { family: 6, prefix: 48 }],
        ["::/0", { family: 6, prefix: 0 }],
    ])("%s parses", (s, expected) => expect(parseCidr(s)).toEqual(expected));

    it.each(["203.0.113.7", "203.0.113.7/33", "2001:db8::/129", "example.com/24", "1.2.3/24", ""])(
        "%s is rejected",
        (s) => {
            expect(parseCidr(s)).toBeUndefined();
        },
    );

    it.each([
        ["0.0.0.0/0", true],
        ["0.0.0.0/7", true],
        ["10.0.0.0/8", false],
        ["::/0", true],
        ["2000::/3", true],
        ["2001:db8::/32", false],
    ])("%s world-wide: %s", (s, world) => {
        const c = parseCidr(s);
        expect(c && isWorldWide(c)).toBe(world);
    });
});
