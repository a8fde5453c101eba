/**
 * Parses an OpenSSH public key line (`<type> <base64> [comment]`) in the SSH wire format (RFC 4253 6.6,
 * RFC 5656 3.1, RFC 8709 4): the body must decode, name the same algorithm as the line, and carry a key of
 * the right shape. Hetzner refuses anything else at deploy time, so the config refuses it first.
 */

/** The key types Hetzner accepts for `hcloud_ssh_key`. */
export const SSH_KEY_TYPES = [
    "ssh-ed25519",
    "ssh-rsa",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
] as const;
type SshKeyType = (typeof SSH_KEY_TYPES)[number];

/** Reads the length-prefixed strings of the wire format; undefined when the body is truncated. */
function readStrings(body: Buffer): Buffer[] | undefined {
    const out: Buffer[] = [];
    let at = 0;
    while (at < body.length) {
        if (at + 4 > body.length) return undefined;
        const n = body.readUInt32BE(at);
        if (at + 4 + n > body.length) return undefined;
        out.push(body.subarray(at + 4, at + 4 + n));
        at += 4 + n;
    }
    return out;
}

const ECDSA_POINT_BYTES: Record<string, number> = { nistp256: 65, nistp384: 97, nistp521: 133 };

function shapeProblem(type: SshKeyType, fields: readonly Buffer[]): string | undefined {
    if (type === "ssh-ed25519")
        return fields.length === 1 && fields[0]?.length === 32 ? undefined : "holds no 32-byte Ed25519 key";
    if (type === "ssh-rsa") {
        const [e, n] = fields;
        if (fields.length !== 2 || !e || !n || e.length === 0) return "holds no RSA exponent and modulus";
        const bits = (n.length - (n[0] === 0 ? 1 : 0)) * 8;
        return bits < 2048 ? `is an RSA key under 2048 bits (${bits}): generate ssh-ed25519` : undefined;
    }
    const curve = type.slice("ecdsa-sha2-".length);
    const [name, point] = fields;
    return fields.length === 2 &&
        name?.toString("latin1") === curve &&
        point?.length === ECDSA_POINT_BYTES[curve] &&
        point?.[0] === 4
        ? undefined
        : `holds no ${curve} point`;
}

/** Why the line is not a public key Hetzner takes, or undefined when it is one. Never quotes the key. */
export function sshPublicKeyProblem(line: string): string | undefined {
    const m = /^(\S+) (\S+)(?: .*)?$/.exec(line.trim());
    const supported = `must be an OpenSSH public key line (${SSH_KEY_TYPES.join(", ")}) such as "ssh-ed25519 AAAA... you@host"`;
    if (!m) return supported;
    const type = m[1] as SshKeyType;
    if (!SSH_KEY_TYPES.includes(type)) return `has a key type Hetzner does not take: ${supported}`;
    const b64 = m[2] ?? "";
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64) || b64.length % 4 !== 0)
        return "has a body that is not base64: copy the whole line of your .pub file";
    const fields = readStrings(Buffer.from(b64, "base64"));
    if (!fields || fields.length === 0) return "has a truncated body: copy the whole line of your .pub file";
    if (fields[0]?.toString("latin1") !== type)
        return `names ${type} but its body holds another key type: copy the whole line of your .pub file`;
    const problem = shapeProblem(type, fields.slice(1));
    return problem && `${problem}: copy the whole line of your .pub file`;
}
