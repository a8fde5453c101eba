/**
 * Secret-looking literals in text, by pattern (private keys, well-known token formats, credentials in URLs,
 * `NAME=value` assignments whose name is a secret) and by entropy (long random strings, as detect-secrets judges
 * them). Findings never contain the secret itself, only what kind it is and where.
 */
import { X509Certificate } from "node:crypto";
import { byContent } from "../lib/memo";
import { isNonSecretValue, isSecretName } from "./keys";

/** What was found and where (line in the scanned text, variable name): never the value itself. */
export interface SecretHit {
    readonly kind: string;
    readonly line?: number;
    readonly name?: string;
}

const TOKEN_PATTERNS: ReadonlyArray<readonly [string, RegExp]> = [
    ["AWS access key", /\b(AKIA|ASIA)[0-9A-Z]{16}\b/],
    ["GitHub token", /\b(gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})\b/],
    ["GitLab token", /\bglpat-[A-Za-z0-9_-]{20,}\b/],
    ["Slack token", /\bxox[abposr]-[A-Za-z0-9-]{10,}\b/],
    ["Stripe live key", /\b[rs]k_live_[A-Za-z0-9]{16,}\b/],
    ["Google API key", /\bAIza[0-9A-Za-z_-]{35}\b/],
    ["JSON web token", /\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}/],
    ["OpenAI/Anthropic key", /\bsk-(ant-)?[A-Za-z0-9_-]{32,}/],
    ["Docker Hub token", /\bdckr_pat_[A-Za-z0-9_-]{20,}/],
    ["npm token", /\bnpm_[A-Za-z0-9]{36}\b/],
    ["SendGrid key", /\bSG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}\b/],
    ["k3s join token", /\bK10[0-9a-f]{64}::[a-z]+:[A-Za-z0-9]+/],
];

const PRIVATE_KEY = /-----BEGIN ([A-Z0-9]+ )*PRIVATE KEY( BLOCK)?-----/;
/** PEM blocks that are public by design (certificates, public keys, CSRs) are not judged for entropy. */
const PUBLIC_PEM =
    /-----BEGIN (CERTIFICATE|PUBLIC KEY|RSA PUBLIC KEY|CERTIFICATE REQUEST|X509 CRL|TRUSTED CERTIFICATE)-----[\s\S]*?-----END \1-----/g;
const SSH_PUBLIC_KEY =
    /\b(ssh-(rsa|dss|ed25519)|ecdsa-sha2-nistp\d+|sk-(ssh-ed25519|ecdsa-sha2-nistp256)@openssh\.com)\s+[A-Za-z0-9+/=]+/g;
const URL_CREDENTIALS = /\b[a-z][a-z0-9+.-]*:\/\/([^\s:@/]*):([^\s@/]+)@/gi;
const ASSIGNMENT =
    /(?<=^|[\s;&|?,{(])(?:export\s+)?["']?([A-Za-z_][\w.-]*)["']?[ \t]*(?:=|:(?!\/))[ \t]*("([^"\n]*)"|'([^'\n]*)'|([^\s"',;&|}]+))/gm;
const DIRECTIVES: ReadonlyArray<readonly [string, RegExp]> = [
    ["redis requirepass/masterauth", /^[ \t]*(?:requirepass|masterauth)[ \t]+"?([^\s"]+)"?/gm],
    ["redis sentinel auth-pass", /^[ \t]*sentinel[ \t]+auth-pass[ \t]+\S+[ \t]+"?([^\s"]+)"?/gm],
    ["SQL PASSWORD literal", /\bPASSWORD\s+'([^']*)'/gi],
];

/** Context words that mark a hex string as a digest or fingerprint rather than a key. */
const DIGEST_CONTEXT =
    /(sha(1|224|256|384|512)|sha\d*sum|checksum|digest|fingerprint|keyid|key_id|key-id)\s*[:=@]?\s*["']?$/i;

function lineOf(text: string, index: number): number {
    return text.slice(0, index).split("\n").length;
}

export function shannonEntropy(s: string): number {
    const counts = new Map<string, number>();
    for (const ch of s) counts.set(ch, (counts.get(ch) ?? 0) + 1);
    let h = 0;
    for (const n of counts.values()) h -= (n / s.length) * Math.log2(n / s.length);
    return h;
}

/** The entropy a random string of this length nearly always reaches, capped at detect-secrets' base64 limit. */
const randomEntropy = (length: number) => Math.min(4.5, Math.log2(length) - 0.7);

/**
 * A token that looks generated: long hex (detect-secrets' hex limit, 3.0 bits/char) not introduced as a digest, or a
 * mixed-case alphanumeric run whose entropy nears the maximum its length allows, which random passwords reach and
 * words, paths and identifiers do not.
 */
export function looksRandom(token: string, before: string): boolean {
    if (/^[0-9a-f]{32,}$/i.test(token)) return !DIGEST_CONTEXT.test(before) && shannonEntropy(token) >= 3.0;
    // Device paths name hardware (Hetzner volumes are /dev/disk/by-id/scsi-0HC_Volume_<id>), never a credential.
    if (token.startsWith("/dev/")) return false;
    if (token.length < 20 || !/[a-z]/.test(token) || !/[A-Z]/.test(token) || !/[0-9]/.test(token))
        return false;
    if (token.split("/").every((seg) => /^[a-z0-9._-]*$/.test(seg))) return false;
    return shannonEntropy(token) >= randomEntropy(token.length);
}

/** A password with symbols: upper, lower, digit and symbol, not a URL or path, and near-random entropy. */
export function looksLikeSymbolPassword(token: string): boolean {
    const classes = [/[a-z]/, /[A-Z]/, /[0-9]/, /[^A-Za-z0-9]/].every((re) => re.test(token));
    return (
        token.length >= 16 &&
        classes &&
        !token.includes("://") &&
        !/^[/~.-]/.test(token) &&
        shannonEntropy(token) >= randomEntropy(token.length)
    );
}

/**
 * Base64 that decodes to a public PEM block (a certificate in a kubeconfig, say) or to a DER certificate (Caddy's
 * trusted client CAs) is not a secret.
 */
function decodesToPublicPem(token: string): boolean {
    if (token.length < 40 || !/^[A-Za-z0-9+/]+={0,2}$/.test(token)) return false;
    const bytes = Buffer.from(token, "base64");
    if (/^-----BEGIN (CERTIFICATE|PUBLIC KEY)/.test(bytes.toString("utf8"))) return true;
    try {
        return new X509Certificate(bytes).subject.length > 0;
    } catch {
        return false;
    }
}

function entropyHits(text: string): SecretHit[] {
    const blanked = text
        .replace(PUBLIC_PEM, (m) => " ".repeat(m.length))
        .replace(SSH_PUBLIC_KEY, (m) => " ".repeat(m.length));
    const hits: SecretHit[] = [];
    for (const m of blanked.matchAll(/[A-Za-z0-9+/_-]{20,}={0,2}/g)) {
        const token = m[0].replace(/^-+|[-=]+$/g, "");
        const before = blanked.slice(Math.max(0, m.index - 16), m.index);
        if (looksRandom(token, before) && !decodesToPublicPem(token)) {
            hits.push({ kind: "high-entropy string", line: lineOf(text, m.index) });
        }
    }
    // Symbol-bearing passwords split the run above; look at whole words, with assignments cut at "=".
    for (const m of blanked.matchAll(/[^\s"'`=,;]{16,}/g)) {
        if (looksLikeSymbolPassword(m[0]) && !decodesToPublicPem(m[0]))
            hits.push({ kind: "high-entropy string", line: lineOf(text, m.index) });
    }
    return hits;
}

/** Credentials assigned to a secret-looking name anywhere in the text (`export DB_PASSWORD=...`, `password: ...`). */
function assignmentHits(text: string): SecretHit[] {
    const hits: SecretHit[] = [];
    for (const m of text.matchAll(ASSIGNMENT)) {
        const name = m[1] ?? "";
        const value = m[3] ?? m[4] ?? m[5] ?? "";
        if (isSecretName(name) && !isNonSecretValue(value)) {
            hits.push({ kind: "hard-coded credential", line: lineOf(text, m.index), name });
        }
    }
    return hits;
}

/** Every secret-looking thing in `text`; remembered by content, since a pool's hosts ship the same files. */
export const scanText = byContent((text: string): readonly SecretHit[] => {
    const hits: SecretHit[] = [];
    const key = PRIVATE_KEY.exec(text);
    if (key) hits.push({ kind: "private key", line: lineOf(text, key.index) });
    for (const [kind, re] of TOKEN_PATTERNS) {
        const m = re.exec(text);
        if (m) hits.push({ kind, line: lineOf(text, m.index) });
    }
    for (const m of text.matchAll(URL_CREDENTIALS)) {
        if (!isNonSecretValue(m[2] ?? ""))
            hits.push({ kind: "password in a URL", line: lineOf(text, m.index) });
    }
    for (const [kind, re] of DIRECTIVES) {
        for (const m of text.matchAll(re)) {
            if (!isNonSecretValue(m[1] ?? "")) hits.push({ kind, line: lineOf(text, m.index) });
        }
    }
    hits.push(...assignmentHits(text), ...entropyHits(text));
    return unique(hits);
});

/** One finding per kind, line and name is enough to act on. */
function unique(hits: readonly SecretHit[]): SecretHit[] {
    const seen = new Set<string>();
    return hits.filter((h) => {
        const k = `${h.kind}@${h.line ?? ""}@${h.name ?? ""}`;
        return seen.has(k) ? false : (seen.add(k), true);
    });
}

/** A `NAME=value` pair (docker envs, pod env): the name decides for short human-chosen passwords, the value's content for the rest. */
export function scanVariable(name: string, value: string): SecretHit[] {
    if (isNonSecretValue(value)) return [];
    const byName = isSecretName(name) ? [{ kind: "hard-coded credential", name }] : [];
    return unique([...byName, ...scanText(value).map((h) => ({ kind: h.kind, name }))]);
}

/** "contains a <kind> (<name>)": how messages describe a finding. */
export function describeHit(h: SecretHit): string {
    return `contains a ${h.kind}${h.name ? ` (${h.name})` : ""}`;
}
