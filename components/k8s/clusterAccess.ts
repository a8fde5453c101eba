import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { caBundle } from "../../core/k8s/pki";
import { renderKubeconfig } from "../../core/k8s/kubeconfig";
import type { K3sPki } from "./k3sPki";

export interface ClusterAccessArgs {
    readonly pki: K3sPki;
    /** The API load balancer's address: the kubeconfig's server. */
    readonly apiHost: pulumi.Input<string>;
    /**
     * Fixes the Kubernetes provider's identity: the provider (and every resource behind it) is replaced only
     * when this changes, never when the kubeconfig does (`@pulumi/kubernetes` 4.16+, `clusterIdentifier`).
     */
    readonly clusterIdentifier: string;
}

/** The API port every k3s server listens on and the load balancer forwards. */
export const K3S_API_PORT = 6443;

/**
 * The admin kubeconfig, computed from the cluster's PKI (server = the API load balancer, trust = the server
 * CA's bundle, user = the admin certificate in `system:masters`), and the Kubernetes provider built on it.
 */
export class ClusterAccess extends pulumi.ComponentResource {
    /** Secret: it holds the admin key. */
    public readonly kubeconfig: pulumi.Output<string>;
    public readonly provider: k8s.Provider;

    constructor(name: string, args: ClusterAccessArgs, opts?: pulumi.ComponentResourceOptions) {
        super("phase-stacks:k8s:ClusterAccess", name, {}, opts);
        const { pki } = args;
        this.kubeconfig = pulumi.secret(
            pulumi
                .all([args.apiHost, pki.material, pki.adminCertPem, pki.adminKeyPem])
                .apply(([host, m, clientCertPem, clientKeyPem]) =>
                    renderKubeconfig({
                        name: args.clusterIdentifier,
                        server: `https://${host}:${K3S_API_PORT}`,
                        caPem: caBundle(m.cas["server-ca"].certPem, m.rootCertPem),
                        clientCertPem,
                        clientKeyPem,
                    }),
                ),
        );
        this.provider = new k8s.Provider(
            `${name}-provider`,
            { kubeconfig: this.kubeconfig, clusterIdentifier: args.clusterIdentifier },
            { parent: this },
        );
        this.registerOutputs({ kubeconfig: this.kubeconfig });
    }
}
