/**
 * The certificate authorities k3s needs before its first start (k3s-io/docs `cli/certificate.md`, "Using
 * Custom CA Certificates"): found on disk under the server's TLS directory, they replace the ones k3s would
 * generate, so the program knows the cluster's CA, join token and kubeconfig before any server boots.
 *
 * Each CA is an intermediate of one root, as the docs' `generate-custom-ca-certs.sh` lays them out, and each
 * `.crt` holds the CA followed by the root: for a bundle of more than one certificate k3s hashes the root's
 * DER into the join token (`pkg/clientaccess/token.go`, `hashCA`), which the program can compute; a single
 * self-signed certificate would be hashed over the literal file bytes instead. The root's key never leaves the
 * program's state.
 */

/** The TLS directory of a k3s server. */
export const K3S_TLS_DIR = "/var/lib/rancher/k3s/server/tls";

/** The CAs k3s requires, by role; `file` is the path under the TLS directory without `.crt`/`.key`. */
export const K3S_CAS = [
    { role: "server-ca", file: "server-ca", commonName: "k3s-server-ca" },
    { role: "client-ca", file: "client-ca", commonName: "k3s-client-ca" },
    { role: "request-header-ca", file: "request-header-ca", commonName: "k3s-request-header-ca" },
    // "etcd files are required even if embedded etcd is not in use" (the same page).
    { role: "etcd-peer-ca", file: "etcd/peer-ca", commonName: "etcd-peer-ca" },
    { role: "etcd-server-ca", file: "etcd/server-ca", commonName: "etcd-server-ca" },
] as const;
export type K3sCaRole = (typeof K3S_CAS)[number]["role"];

/** The service-account signing key: a key with no certificate. */
export const SERVICE_KEY_FILE = "service.key";

export interface CaMaterial {
    readonly certPem: string;
    readonly keyPem: string;
}

export interface K3sPkiMaterial {
    readonly rootCertPem: string;
    readonly cas: Readonly<Record<K3sCaRole, CaMaterial>>;
    readonly serviceKeyPem: string;
}

export interface TlsFile {
    /** Absolute path on the server. */
    readonly path: string;
    readonly content: string;
}

/** A CA's `.crt` as k3s reads it: the CA, then the root it chains to. */
export function caBundle(caCertPem: string, rootCertPem: string): string {
    return `${caCertPem.trimEnd()}\n${rootCertPem.trimEnd()}\n`;
}

/** Every file of the server TLS directory the first server needs, in a fixed order. */
export function k3sTlsFiles(m: K3sPkiMaterial): TlsFile[] {
    return [
        ...K3S_CAS.flatMap(({ role, file }) => [
            { path: `${K3S_TLS_DIR}/${file}.crt`, content: caBundle(m.cas[role].certPem, m.rootCertPem) },
            { path: `${K3S_TLS_DIR}/${file}.key`, content: m.cas[role].keyPem },
        ]),
        { path: `${K3S_TLS_DIR}/${SERVICE_KEY_FILE}`, content: m.serviceKeyPem },
    ];
}
