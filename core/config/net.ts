/** CIDR parsing for config validation; `node:net` does the address parsing. */
import { isIP } from "node:net";

export interface ParsedCidr {
    readonly family: 4 | 6;
    readonly prefix: number;
}

export function parseCidr(s: string): ParsedCidr | undefined {
    const m = /^([^/]+)\/(\d{1,3})$/.exec(s);
    if (!m) return undefined;
    const family = isIP(m[1] ?? "");
    const prefix = Number(m[2]);
    if (family === 4 && prefix <= 32) return { family: 4, prefix };
    if (family === 6 && prefix <= 128) return { family: 6, prefix };
    return undefined;
}

/** True for a range so wide it means "the internet" (0.0.0.0/0, ::/0 and anything below /8 or /16). */
export function isWorldWide(c: ParsedCidr): boolean {
    return c.family === 4 ? c.prefix < 8 : c.prefix < 16;
}
