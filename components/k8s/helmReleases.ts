import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { HelmRelease } from "../../core/k8s/helmRelease";

export interface HelmReleasesArgs {
    readonly releases: readonly HelmRelease[];
    readonly provider: k8s.Provider;
    /** Resources every release waits for (the StorageClass their volumes claim, say). */
    readonly dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/** Minutes Helm waits for a release's workloads before `pulumi up` fails it (and, atomic, rolls it back). */
const RELEASE_TIMEOUT_SECONDS = 15 * 60;

/**
 * Installs the platform's operators as Helm releases, each after the releases it names in `after`: Helm waits
 * for a release's CRDs and workloads, so a custom resource that depends on the release finds its controller.
 */
export class HelmReleases extends pulumi.ComponentResource {
    public readonly releases: ReadonlyMap<string, k8s.helm.v3.Release>;

    constructor(name: string, args: HelmReleasesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("phase-stacks:k8s:HelmReleases", name, {}, opts);
        const made = new Map<string, k8s.helm.v3.Release>();
        const byName = new Map(args.releases.map((r) => [r.name, r]));
        const install = (r: HelmRelease, path: readonly string[]): k8s.helm.v3.Release => {
            const existing = made.get(r.name);
            if (existing) return existing;
            if (path.includes(r.name))
                throw new Error(
                    `Helm releases wait for each other in a cycle: ${[...path, r.name].join(" → ")}`,
                );
            const after = (r.after ?? []).map((n) => {
                const needed = byName.get(n);
                if (!needed) throw new Error(`Helm release ${r.name} waits for ${n}, which is not installed`);
                return install(needed, [...path, r.name]);
            });
            const release = new k8s.helm.v3.Release(
                `${name}-${r.name}`,
                {
                    name: r.name,
                    namespace: r.namespace,
                    createNamespace: true,
                    chart: r.chart,
                    version: r.version,
                    repositoryOpts: { repo: r.repo },
                    values: r.values as Record<string, pulumi.Input<unknown>>,
                    atomic: true,
                    cleanupOnFail: true,
                    timeout: RELEASE_TIMEOUT_SECONDS,
                    maxHistory: 10,
                },
                {
                    parent: this,
                    provider: args.provider,
                    dependsOn: [...(args.dependsOn ?? []), ...after],
                },
            );
            made.set(r.name, release);
            return release;
        };
        for (const r of args.releases) install(r, []);
        this.releases = made;
        this.registerOutputs({});
    }
}
