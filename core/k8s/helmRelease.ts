/**
 * A Helm chart the platform installs as a real Helm release (helm.v3.Release): operators whose charts carry
 * CRDs and hooks (cert-manager, CloudNativePG, the Prometheus stack, Loki), which the research note (§7.1) says
 * not to flatten into per-object resources. Everything a tenant or the application owns stays a typed object,
 * so the policy pack sees it. Pure data; components/k8s/helmReleases applies it.
 */
export interface HelmRelease {
    /** Release name, unique per namespace. */
    readonly name: string;
    /** Namespace the release installs into; created with the release when absent. */
    readonly namespace: string;
    readonly chart: string;
    /** Pinned chart version (never a range): an upgrade is a reviewed change of this line. */
    readonly version: string;
    /** The chart repository's URL. */
    readonly repo: string;
    readonly values: Readonly<Record<string, unknown>>;
    /** Releases (by name) this one needs installed first, e.g. the Barman Cloud plugin after cert-manager. */
    readonly after?: readonly string[];
}
