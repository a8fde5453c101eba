import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { KubeObject } from "../../core/k8s/objects";

type Constructor = new (
    name: string,
    args: never,
    opts: pulumi.CustomResourceOptions,
) => pulumi.CustomResource;

/**
 * The typed resource of each built-in kind the program renders: a typed resource carries the type token
 * (`kubernetes:apps/v1:Deployment`) the policy pack and the provider's per-kind await logic key on. Kinds of
 * the CRDs the program installs go through `CustomResource`, whose token is `kubernetes:<apiVersion>:<kind>`.
 */
const BUILT_IN: Readonly<Record<string, Constructor>> = {
    "v1/Namespace": k8s.core.v1.Namespace,
    "v1/ServiceAccount": k8s.core.v1.ServiceAccount,
    "v1/Secret": k8s.core.v1.Secret,
    "v1/ConfigMap": k8s.core.v1.ConfigMap,
    "v1/Service": k8s.core.v1.Service,
    "v1/ResourceQuota": k8s.core.v1.ResourceQuota,
    "v1/LimitRange": k8s.core.v1.LimitRange,
    "networking.k8s.io/v1/NetworkPolicy": k8s.networking.v1.NetworkPolicy,
    "v1/PersistentVolumeClaim": k8s.core.v1.PersistentVolumeClaim,
    "v1/Pod": k8s.core.v1.Pod,
    "apps/v1/Deployment": k8s.apps.v1.Deployment,
    "apps/v1/StatefulSet": k8s.apps.v1.StatefulSet,
    "apps/v1/DaemonSet": k8s.apps.v1.DaemonSet,
    "policy/v1/PodDisruptionBudget": k8s.policy.v1.PodDisruptionBudget,
    "autoscaling/v2/HorizontalPodAutoscaler": k8s.autoscaling.v2.HorizontalPodAutoscaler,
    "networking.k8s.io/v1/Ingress": k8s.networking.v1.Ingress,
    "networking.k8s.io/v1/IngressClass": k8s.networking.v1.IngressClass,
    "rbac.authorization.k8s.io/v1/ClusterRole": k8s.rbac.v1.ClusterRole,
    "rbac.authorization.k8s.io/v1/ClusterRoleBinding": k8s.rbac.v1.ClusterRoleBinding,
    "rbac.authorization.k8s.io/v1/Role": k8s.rbac.v1.Role,
    "rbac.authorization.k8s.io/v1/RoleBinding": k8s.rbac.v1.RoleBinding,
    "storage.k8s.io/v1/StorageClass": k8s.storage.v1.StorageClass,
    "apiextensions.k8s.io/v1/CustomResourceDefinition": k8s.apiextensions.v1.CustomResourceDefinition,
};

/** A group the Kubernetes API serves itself: its kinds must be typed, never a CustomResource. */
const isBuiltInGroup = (apiVersion: string) => !apiVersion.includes(".") || apiVersion.includes(".k8s.io/");

/** A Secret whose `data` and `stringData` are secret outputs, so the state never holds them in clear. */
function secretData(o: KubeObject): KubeObject {
    return {
        ...o,
        ...(o["data"] !== undefined ? { data: pulumi.secret(o["data"]) } : {}),
        ...(o["stringData"] !== undefined ? { stringData: pulumi.secret(o["stringData"]) } : {}),
    };
}

function withDependencies(
    opts: pulumi.CustomResourceOptions,
    extra: readonly pulumi.Resource[],
): pulumi.CustomResourceOptions {
    if (extra.length === 0) return opts;
    return {
        ...opts,
        dependsOn: [...((opts.dependsOn as pulumi.Input<pulumi.Resource>[] | undefined) ?? []), ...extra],
    };
}

/** `kind-namespace-name`, lower case: unique per object, stable across runs. */
export function objectResourceName(prefix: string, o: KubeObject): string {
    const ns = o.metadata.namespace ? `${o.metadata.namespace}-` : "";
    return `${prefix}-${o.kind.toLowerCase()}-${ns}${o.metadata.name}`;
}

const objectKey = (o: Pick<KubeObject, "kind" | "metadata">) =>
    `${o.kind}/${o.metadata.namespace ?? ""}/${o.metadata.name}`;

export interface KubeObjectsArgs {
    readonly objects: readonly KubeObject[];
    readonly provider: k8s.Provider;
    /** Resources the objects wait for (the cluster's readiness is in the provider itself). */
    readonly dependsOn?: pulumi.Input<pulumi.Resource>[];
    /**
     * Objects that hold data (a tenant's namespace, a PVC): protected, and left in the cluster when they leave
     * the program, so neither an edit nor a refactor deletes what they hold.
     */
    readonly stateful?: (o: KubeObject) => boolean;
    /** Inputs of an object the program sets at creation only (a StatefulSet's claim sizes, grown on the claims). */
    readonly ignoreChanges?: (o: KubeObject) => readonly string[];
}

/**
 * Applies a list of rendered objects through the cluster's provider. CustomResourceDefinitions go first and
 * every custom resource waits for them, so a fresh cluster never sees a Plan before its CRD. A Secret's data is
 * a secret in the state.
 */
export class KubeObjects extends pulumi.ComponentResource {
    public readonly resources: readonly pulumi.CustomResource[];
    private readonly stateful?: (o: KubeObject) => boolean;
    private readonly ignoreChanges?: (o: KubeObject) => readonly string[];
    private readonly byObject = new Map<string, pulumi.CustomResource>();

    constructor(name: string, args: KubeObjectsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("phase-stacks:k8s:KubeObjects", name, {}, opts);
        this.stateful = args.stateful;
        this.ignoreChanges = args.ignoreChanges;
        const base: pulumi.CustomResourceOptions = {
            parent: this,
            provider: args.provider,
            ...(args.dependsOn ? { dependsOn: args.dependsOn } : {}),
        };
        const isCrd = (o: KubeObject) => o.kind === "CustomResourceDefinition";
        const crds = args.objects.filter(isCrd).map((o) => this.apply(name, o, base));
        // A Namespace the list creates goes before the objects that live in it.
        const namespaces = new Map(
            args.objects
                .filter((o) => o.kind === "Namespace")
                .map((o) => [o.metadata.name, this.apply(name, o, base)] as const),
        );
        const rest = args.objects
            .filter((o) => !isCrd(o) && o.kind !== "Namespace")
            .map((o) =>
                this.apply(
                    name,
                    o,
                    withDependencies(base, [
                        ...(crds.length > 0 && !BUILT_IN[`${o.apiVersion}/${o.kind}`] ? crds : []),
                        ...[namespaces.get(o.metadata.namespace ?? "")].filter((n) => n !== undefined),
                    ]),
                ),
            );
        this.resources = [...crds, ...namespaces.values(), ...rest];
        this.registerOutputs({});
    }

    /** The resource of one applied object, to read what the cluster filled in (a LoadBalancer's address). */
    public resourceOf(o: Pick<KubeObject, "kind" | "metadata">): pulumi.CustomResource {
        const r = this.byObject.get(objectKey(o));
        if (!r)
            throw new Error(
                `${o.kind} ${o.metadata.namespace ?? ""}/${o.metadata.name} is not among these objects`,
            );
        return r;
    }

    private apply(prefix: string, o: KubeObject, given: pulumi.CustomResourceOptions): pulumi.CustomResource {
        const made = this.create(prefix, o, given);
        this.byObject.set(objectKey(o), made);
        return made;
    }

    private create(
        prefix: string,
        o: KubeObject,
        given: pulumi.CustomResourceOptions,
    ): pulumi.CustomResource {
        const resourceName = objectResourceName(prefix, o);
        const ignored = this.ignoreChanges?.(o) ?? [];
        const opts = {
            ...given,
            ...(this.stateful?.(o) ? { protect: true, retainOnDelete: true } : {}),
            ...(ignored.length > 0 ? { ignoreChanges: [...ignored] } : {}),
        };
        const args = (o.kind === "Secret" ? secretData(o) : o) as never;
        const Typed = BUILT_IN[`${o.apiVersion}/${o.kind}`];
        if (Typed) return new Typed(resourceName, args, opts);
        if (isBuiltInGroup(o.apiVersion))
            throw new Error(
                `${o.apiVersion} ${o.kind} has no typed resource in components/k8s/kubeObjects.ts: add it there`,
            );
        return new k8s.apiextensions.CustomResource(resourceName, o, opts);
    }
}
