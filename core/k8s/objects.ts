/**
 * A Kubernetes object as the API server takes it: plain data that the pure core builds and the shell applies.
 * Tests validate every one against the official schemas (kubernetes-models) or the upstream CRDs.
 */
export interface KubeObject {
    readonly apiVersion: string;
    readonly kind: string;
    readonly metadata: {
        readonly name: string;
        readonly namespace?: string;
        readonly labels?: Readonly<Record<string, string>>;
        readonly annotations?: Readonly<Record<string, string>>;
    };
    readonly [field: string]: unknown;
}

/** `kube-system/hcloud`: the Secret the hcloud CCM, CSI driver and autoscaler read their token from. */
export const HCLOUD_SECRET = { namespace: "kube-system", name: "hcloud" } as const;
