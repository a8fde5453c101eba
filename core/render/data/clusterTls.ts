/**
 * The TLS material of a data tier's consensus layer on one host: the cluster CA, the host's certificate (its
 * private address as SAN, server and client use) and its key. etcd's peers and clients and Patroni's REST API all
 * use it. The files are 0600 secrets; each unit reads systemd's copies (LoadCredential), owned by its own user.
 */
import type { RenderedFile } from "../base/artifact";
import { SECRETS_DIR } from "../base/artifact";
import { secretFile } from "../app/secrets";

export interface ClusterTlsMaterial {
    readonly caCertPem: string;
    readonly certPem: string;
    readonly keyPem: string;
}

export interface ClusterTlsPaths {
    /** The directory holding ca.crt, node.crt and node.key. */
    readonly dir: string;
    readonly caFile: string;
    readonly certFile: string;
    readonly keyFile: string;
}

const SOURCES = {
    "ca.crt": `${SECRETS_DIR}/cluster-ca.crt`,
    "node.crt": `${SECRETS_DIR}/cluster-node.crt`,
    "node.key": `${SECRETS_DIR}/cluster-node.key`,
} as const;

export function tlsPathsIn(dir: string): ClusterTlsPaths {
    return { dir, caFile: `${dir}/ca.crt`, certFile: `${dir}/node.crt`, keyFile: `${dir}/node.key` };
}

export const CLUSTER_TLS = {
    /** The unit's LoadCredential lines. */
    credentials: Object.entries(SOURCES).map(([name, path]) => `${name}:${path}`),
    /** Where a unit with those credentials finds the files. */
    forUnit: (unit: string): ClusterTlsPaths => tlsPathsIn(`/run/credentials/${unit}`),
} as const;

export function renderClusterTlsFiles(m: ClusterTlsMaterial): RenderedFile[] {
    for (const [name, pem] of Object.entries<string>({ ...m }))
        if (!/^-----BEGIN [A-Z ]+-----\n[\s\S]+-----END [A-Z ]+-----\n?$/.test(pem))
            throw new Error(`cluster TLS: ${name} is not PEM`);
    return [
        secretFile(SOURCES["ca.crt"], m.caCertPem, "pem"),
        secretFile(SOURCES["node.crt"], m.certPem, "pem"),
        secretFile(SOURCES["node.key"], m.keyPem, "pem"),
    ];
}
