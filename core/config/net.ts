/**
 * CIDR parsing for config validation; `node:net` does the address parsing. The providers refuse a range with
 * host bits set (`203.0.113.5/24`) and an IPv6 zone id (`fe80::1%eth0/64`), so both are malformed here.
 */
import { isIP, SocketAddress } from "node:net";

export interface ParsedCidr {
    readonly family: 4 | 6;
    readonly prefix: number;
}

/** The address as a big integer of 32 or 128 bits. */
function addressBits(address: string, family: 4 | 6): bigint {
    if (family === 4) return address.split(".").reduce((n, o) => (n << 8n) | BigInt(Number(o)), 0n);
    // SocketAddress normalises `::` and embedded IPv4 into one canonical spelling.
    let canonical = new SocketAddress({ address, family: "ipv6" }).address;
    const v4 = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(canonical);
    if (v4) {
        const n = addressBits(v4[2] ?? "", 4);
        canonical = `${v4[1] ?? ""}${(n >> 16n).toString(16)}:${(n & 0xffffn).toString(16)}`;
    }
    const [head = "", tail] = canonical.split("::");
    const words = (s: string | undefined): string[] => (s ? s.split(":") : []);
    const left = words(head);
    const right = words(tail);
    const all =
        tail === undefined
            ? left
            : [...left, ...Array<string>(8 - left.length - right.length).fill("0"), ...right];
    return all.reduce((n, w) => (n << 16n) | BigInt(parseInt(w, 16)), 0n);
}

/** Why the text is not a network range the providers accept, or undefined when it is one. */
export function cidrProblem(s: string): string | undefined {
    const m = /^([^/]+)\/(\d{1,3})$/.exec(s);
    if (!m) return "must be a CIDR such as 203.0.113.7/32 or 2001:db8::/48";
    const address = m[1] ?? "";
    if (address.includes("%")) return "must not carry an IPv6 zone id (%...): the providers refuse it";
    const family = isIP(address);
    const prefix = Number(m[2]);
    if ((family !== 4 && family !== 6) || prefix > (family === 4 ? 32 : 128))
        return "must be a CIDR such as 203.0.113.7/32 or 2001:db8::/48";
    const width = family === 4 ? 32 : 128;
    const hostBits = addressBits(address, family) & ((1n << BigInt(width - prefix)) - 1n);
    if (hostBits !== 0n)
        return `has host bits set after /${prefix}: give the network address of the range (or /${width} for one host)`;
    return undefined;
}

export function parseCidr(s: string): ParsedCidr | undefined {
    if (cidrProblem(s) !== undefined) return undefined;
    const [address = "", prefix] = s.split("/");
    return { family: isIP(address) === 4 ? 4 : 6, prefix: Number(prefix) };
}

/** True for a range so wide it means "the internet" (0.0.0.0/0, ::/0 and anything below /8 or /16). */
export function isWorldWide(c: ParsedCidr): boolean {
    return c.family === 4 ? c.prefix < 8 : c.prefix < 16;
}

/** The first and last address of an IPv4 CIDR, as numbers. */
function ipv4Bounds(cidr: string): readonly [bigint, bigint] {
    const [address = "", prefix = "32"] = cidr.split("/");
    const start = addressBits(address, 4);
    return [start, start + (1n << BigInt(32 - Number(prefix))) - 1n];
}

/** True when two IPv4 CIDRs share an address. */
export function ipv4Overlap(a: string, b: string): boolean {
    const [aStart, aEnd] = ipv4Bounds(a);
    const [bStart, bEnd] = ipv4Bounds(b);
    return aStart <= bEnd && bStart <= aEnd;
}
