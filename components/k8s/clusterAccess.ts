import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { K3S_API_PORT } from "../../core/k8s/k3sConfig";
import { caBundle } from "../../core/k8s/pki";
import { renderKubeconfig } from "../../core/k8s/kubeconfig";
import { DEFAULT_READINESS, waitForApiReady, type ReadinessOptions } from "./apiReadiness";
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
    /** The control-plane servers: the readiness gate starts asking once they exist. */
    readonly servers: readonly pulumi.Resource[];
    readonly readiness?: ReadinessOptions;
}

/**
 * The admin kubeconfig, computed from the cluster's PKI (server = the API load balancer, trust = the server
 * CA's bundle, user = the admin certificate in `system:masters`), and the Kubernetes provider built on it.
 */
export class ClusterAccess extends pulumi.ComponentResource {
    /** Secret: it holds the admin key. */
    public readonly kubeconfig: pulumi.Output<string>;
    /** `https://<API load balancer>:6443`: the kubeconfig's server. */
    public readonly apiServer: pulumi.Output<string>;
    public readonly provider: k8s.Provider;

    constructor(name: string, args: ClusterAccessArgs, opts?: pulumi.ComponentResourceOptions) {
        super("phase-stacks:k8s:ClusterAccess", name, {}, opts);
        const { pki } = args;
        this.apiServer = pulumi.output(args.apiHost).apply((host) => `https://${host}:${K3S_API_PORT}`);
        const endpoint = pulumi
            .all([this.apiServer, pki.material, pki.adminCertPem, pki.adminKeyPem])
            .apply(([server, m, clientCertPem, clientKeyPem]) => ({
                server,
                caPem: caBundle(m.cas["server-ca"].certPem, m.rootCertPem),
                clientCertPem,
                clientKeyPem,
            }));
        this.kubeconfig = pulumi.secret(
            endpoint.apply((api) => renderKubeconfig({ name: args.clusterIdentifier, ...api })),
        );
        // The provider's kubeconfig resolves only once /readyz answers (during `pulumi up`; a preview does not
        // wait), so every Kubernetes resource of the stack waits for a ready API.
        const readiness = args.readiness ?? DEFAULT_READINESS;
        const serversUp = pulumi.all(args.servers.map((server) => server.urn));
        const gated = pulumi
            .all([serversUp, endpoint, this.kubeconfig])
            .apply(async ([, api, kubeconfig]) => {
                if (!pulumi.runtime.isDryRun())
                    await waitForApiReady(api, {
                        ...readiness,
                        onWait: (reason) =>
                            void pulumi.log.info(`waiting for the Kubernetes API: ${reason}`, this),
                    });
                return kubeconfig;
            });
        this.provider = new k8s.Provider(
            `${name}-provider`,
            { kubeconfig: pulumi.secret(gated), clusterIdentifier: args.clusterIdentifier },
            { parent: this, dependsOn: [...args.servers] },
        );
        this.registerOutputs({ kubeconfig: this.kubeconfig, apiServer: this.apiServer });
    }
}
