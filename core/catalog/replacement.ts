/**
 * Inputs whose change makes the provider replace the resource (ForceNew upstream), per type. Sources:
 * terraform-provider-hcloud (#372, #338, #737), kreuzwerker docker provider, cloudflare v6 schemas, as
 * summarised in research/security-anchors.md §3; for Kubernetes, the API server's immutable fields (a StatefulSet
 * may change only replicas, ordinals, template, updateStrategy, persistentVolumeClaimRetentionPolicy and
 * minReadySeconds: apps/validation ValidateStatefulSetUpdate), which the provider answers with a replacement, and a
 * custom resource's name. Only the types the program makes stateful are listed.
 * components/hetzner/server.ts derives a server's ignoreChanges from this list, in this order.
 */
export const REPLACING_INPUTS: Readonly<Record<string, readonly string[]>> = {
    "hcloud:index/server:Server": ["userData", "sshKeys", "image", "location", "datacenter", "name"],
    "hcloud:index/volume:Volume": ["location", "format"],
    "hcloud:index/primaryIp:PrimaryIp": ["type", "location", "datacenter"],
    "docker:index/volume:Volume": ["name", "driver", "driverOpts", "labels"],
    "kubernetes:core/v1:Namespace": ["metadata.name"],
    "kubernetes:apps/v1:StatefulSet": [
        "metadata.name",
        "metadata.namespace",
        "spec.selector",
        "spec.serviceName",
        "spec.podManagementPolicy",
        "spec.volumeClaimTemplates",
    ],
    "kubernetes:postgresql.cnpg.io/v1:Cluster": ["metadata.name", "metadata.namespace"],
};

/** Resource types that hold data and so must never be replaced by a config change. */
export const STATEFUL_TYPES: readonly string[] = Object.keys(REPLACING_INPUTS);

/** The replacement-forcing inputs of `type` among the inputs a resource actually sets. */
export function replacingInputsSet(type: string, inputs: object): string[] {
    const set = inputs as Readonly<Record<string, unknown>>;
    return (REPLACING_INPUTS[type] ?? []).filter((k) => set[k] !== undefined);
}
