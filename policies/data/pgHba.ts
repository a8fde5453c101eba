/**
 * pg_hba.conf lines as PostgreSQL 15 reads them (auth-pg-hba-conf): whitespace-separated fields, double quotes
 * around a field keep a keyword from being one, `#` starts a comment, and a host line's address is a CIDR, an
 * address followed by a netmask field, `all`, `samehost`, `samenet` or a host name. Only what the replication
 * policy needs is interpreted: whether a line may admit a physical replication connection, from where, and how.
 */
import { isNonPublic, parseCidr, unmapped, type Cidr } from "../network/cidr";

interface Token {
    readonly text: string;
    readonly quoted: boolean;
}

export interface HbaLine {
    /** local, host, hostssl, hostnossl, hostgssenc, hostnogssenc. */
    readonly type: string;
    /** The database field names `replication` (unquoted), or an @file that could. */
    readonly replication: boolean;
    /** The user field as written. */
    readonly user: string;
    /** The address as written (with its netmask field, if any); undefined on local lines. */
    readonly address: string | undefined;
    /** True when the address may be outside the private ranges (all, samenet, host names, public CIDRs). */
    readonly publicSource: boolean;
    readonly method: string;
    /** `name=value` options after the method. */
    readonly options: Readonly<Record<string, string>>;
}

function tokens(line: string): Token[] {
    const out: Token[] = [];
    let i = 0;
    while (i < line.length) {
        const c = line[i] ?? "";
        if (/\s/.test(c)) {
            i++;
            continue;
        }
        if (c === "#") break;
        let text = "";
        let quoted = false;
        while (i < line.length && !/\s/.test(line[i] ?? "")) {
            if (line[i] === '"') {
                quoted = true;
                const end = line.indexOf('"', i + 1);
                const stop = end === -1 ? line.length : end;
                text += line.slice(i + 1, stop);
                i = stop + 1;
            } else if (line[i] === "#") {
                break;
            } else text += line[i++] ?? "";
        }
        out.push({ text, quoted });
        if (line[i] === "#") break;
    }
    return out;
}

/** A netmask (255.255.255.0, ffff:ffff::) as a prefix length; undefined when it is not a contiguous mask. */
function maskPrefix(mask: Cidr): number | undefined {
    const bits = mask.family === 4 ? 32 : 128;
    const s = mask.addr.toString(2).padStart(bits, "0");
    const ones = s.indexOf("0") === -1 ? bits : s.indexOf("0");
    return /^1*0*$/.test(s) ? ones : undefined;
}

const isBareAddress = (t: Token | undefined): boolean =>
    t !== undefined && !t.quoted && !t.text.includes("/") && parseCidr(t.text) !== undefined;

/** Whether a host line's address can be proven private (or this host); anything unreadable counts as public. */
function publicAddress(address: Token, mask: string | undefined): boolean {
    // A quoted keyword is a host name, which may resolve anywhere.
    if (address.quoted) return true;
    if (address.text === "samehost") return false;
    // `all` (any address), `samenet` (every subnet the server has an address in, its public one included) and
    // host names do not parse as addresses and count as public.
    const c = parseCidr(address.text);
    if (!c) return true;
    const prefix = mask === undefined ? c.prefix : maskPrefix(parseCidr(mask) ?? c);
    return prefix === undefined || !isNonPublic(unmapped({ ...c, prefix }));
}

/** One pg_hba line, or undefined for blank, comment, include and unreadable lines. */
export function parseHbaLine(line: string): HbaLine | undefined {
    const t = tokens(line);
    const type = t[0]?.text ?? "";
    if (t[0]?.quoted || !/^(local|host|hostssl|hostnossl|hostgssenc|hostnogssenc)$/.test(type))
        return undefined;
    const databases = t[1];
    if (!databases) return undefined;
    const replication =
        !databases.quoted && databases.text.split(",").some((d) => d === "replication" || d.startsWith("@"));
    let rest: Token[];
    let address: Token | undefined;
    let mask: string | undefined;
    if (type === "local") rest = t.slice(3);
    else {
        address = t[3];
        if (address === undefined) return undefined;
        if (isBareAddress(t[3]) && isBareAddress(t[4])) {
            mask = t[4]?.text;
            rest = t.slice(5);
        } else rest = t.slice(4);
    }
    const method = rest[0]?.text;
    if (method === undefined) return undefined;
    const options: Record<string, string> = {};
    for (const o of rest.slice(1)) {
        const eq = o.text.indexOf("=");
        if (eq > 0) options[o.text.slice(0, eq)] = o.text.slice(eq + 1);
    }
    return {
        type,
        replication,
        user: t[2]?.text ?? "",
        address:
            address === undefined ? undefined : mask === undefined ? address.text : `${address.text} ${mask}`,
        publicSource: address !== undefined && publicAddress(address, mask),
        method,
        options,
    };
}
