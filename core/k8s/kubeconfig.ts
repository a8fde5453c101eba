/**
 * The admin kubeconfig, built from the program's own CA and client certificate: no SSH to a server to read
 * `/etc/rancher/k3s/k3s.yaml` back, as every anchor does.
 */
import { stringify } from "yaml";

export interface KubeconfigInput {
    /** Cluster, user and context name. */
    readonly name: string;
    /** `https://<api load balancer>:6443`. */
    readonly server: string;
    /** The CA bundle that verifies the API server's certificate. */
    readonly caPem: string;
    readonly clientCertPem: string;
    readonly clientKeyPem: string;
}

const b64 = (s: string) => Buffer.from(s, "utf8").toString("base64");

export function renderKubeconfig(k: KubeconfigInput): string {
    if (!/^https:\/\/[^/\s]+$/.test(k.server))
        throw new Error(`the API server must be an https:// origin, got '${k.server}'`);
    return stringify({
        apiVersion: "v1",
        kind: "Config",
        clusters: [
            { name: k.name, cluster: { server: k.server, "certificate-authority-data": b64(k.caPem) } },
        ],
        users: [
            {
                name: k.name,
                user: {
                    "client-certificate-data": b64(k.clientCertPem),
                    "client-key-data": b64(k.clientKeyPem),
                },
            },
        ],
        contexts: [{ name: k.name, context: { cluster: k.name, user: k.name } }],
        "current-context": k.name,
        preferences: {},
    });
}
