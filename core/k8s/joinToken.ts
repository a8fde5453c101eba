/**
 * k3s's secure join tokens, computed before the cluster exists (k3s-io/docs `cli/token.md`):
 * `K10<CA hash>::<username>:<password>`. The CA hash lets a joining node check it reached this cluster before
 * it sends the password. With the CA bundle of `core/k8s/pki.ts` the hash is the sha256 of the root's DER.
 */
import { createHash } from "node:crypto";

/** Servers join as `server`; agents with the separate agent token, whose user k3s names `node`. */
export type TokenUser = "server" | "node";

const PEM_CERT = /-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g;

/** The sha256 (hex) of a PEM certificate's DER; throws unless the text holds exactly one certificate. */
export function certificateDerSha256(certPem: string): string {
    const bodies = [...certPem.matchAll(PEM_CERT)].map((m) => m[1] ?? "");
    if (bodies.length !== 1) throw new Error(`expected exactly one PEM certificate, found ${bodies.length}`);
    const der = Buffer.from(bodies[0]!.replace(/\s+/g, ""), "base64");
    return createHash("sha256").update(der).digest("hex");
}

/**
 * The secure token a k3s node presents, bound to the cluster whose root certificate is `rootCertPem`. The
 * password must not contain `:` or `::` (k3s splits the token on them): the program's are alphanumeric.
 */
export function secureJoinToken(rootCertPem: string, user: TokenUser, password: string): string {
    return `K10${certificateDerSha256(rootCertPem)}::${user}:${password}`;
}
