/** IPv4/IPv6 addresses and prefixes as bigints, for containment checks on firewall sources and DNS contents. */

export interface Cidr {
    readonly family: 4 | 6;
    readonly addr: bigint;
    readonly prefix: number;
}

function parseV4(s: string): bigint | undefined {
    const parts = s.split(".");
    if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) return undefined;
    return parts.reduce((acc, p) => (acc << 8n) | BigInt(Number(p)), 0n);
}

function parseV6(s: string): bigint | undefined {
    // An embedded IPv4 tail (::ffff:1.2.3.4) is two 16-bit groups.
    const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(s)?.[1];
    const n = v4 === undefined ? undefined : parseV4(v4);
    if (v4 !== undefined && n === undefined) return undefined;
    const text =
        v4 === undefined || n === undefined
            ? s
            : `${s.slice(0, -v4.length)}${(n >> 16n).toString(16)}:${(n & 0xffffn).toString(16)}`;
    const halves = text.split("::");
    if (halves.length > 2) return undefined;
    const head = halves[0] ? halves[0].split(":") : [];
    const tail = halves[1] ? halves[1].split(":") : [];
    const given = head.length + tail.length;
    if (halves.length === 1 ? given !== 8 : given > 7) return undefined;
    if (![...head, ...tail].every((g) => /^[0-9a-fA-F]{1,4}$/.test(g))) return undefined;
    const groups = [...head, ...Array<string>(8 - given).fill("0"), ...tail];
    return groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n);
}

/** "10.0.0.0/8", "2a06:98c0::/29", or a bare address (a /32 or /128). */
export function parseCidr(s: string): Cidr | undefined {
    const [ip = "", len, extra] = s.trim().split("/");
    if (extra !== undefined) return undefined;
    const family: 4 | 6 = ip.includes(":") ? 6 : 4;
    const addr = family === 4 ? parseV4(ip) : parseV6(ip);
    const bits = family === 4 ? 32 : 128;
    const prefix = len === undefined ? bits : /^\d{1,3}$/.test(len) ? Number(len) : NaN;
    if (addr === undefined || !(prefix >= 0 && prefix <= bits)) return undefined;
    return { family, addr, prefix };
}

function network(c: Cidr): bigint {
    const bits = c.family === 4 ? 32n : 128n;
    const host = bits - BigInt(c.prefix);
    return (c.addr >> host) << host;
}

/** True when every address of `inner` is inside `outer`. */
export function contains(outer: Cidr, inner: Cidr): boolean {
    if (outer.family !== inner.family || inner.prefix < outer.prefix) return false;
    return network(outer) === network({ ...inner, prefix: outer.prefix });
}

export function containedInAny(ranges: readonly string[], c: Cidr): boolean {
    return ranges.some((r) => {
        const outer = parseCidr(r);
        return outer !== undefined && contains(outer, c);
    });
}

/** Addresses that are never reachable from the internet: RFC 1918, loopback, link-local, CGNAT, ULA, unspecified. */
export const NON_PUBLIC_RANGES: readonly string[] = [
    "0.0.0.0/8",
    "10.0.0.0/8",
    "100.64.0.0/10",
    "127.0.0.0/8",
    "169.254.0.0/16",
    "172.16.0.0/12",
    "192.168.0.0/16",
    "::/128",
    "::1/128",
    "fc00::/7",
    "fe80::/10",
];

/** IPv4-mapped IPv6 (::ffff:a.b.c.d) judged as the IPv4 address it carries. */
export function unmapped(c: Cidr): Cidr {
    if (c.family === 6 && c.prefix >= 96 && c.addr >> 32n === 0xffffn)
        return { family: 4, addr: c.addr & 0xffffffffn, prefix: c.prefix - 96 };
    return c;
}

export function isNonPublic(c: Cidr): boolean {
    return containedInAny(NON_PUBLIC_RANGES, unmapped(c));
}
