/**
 * StorageClasses of the hcloud CSI driver for phase 5. The default class retains its volumes: the data of
 * phase 5 (databases, tenants' PVCs) lives on hcloud volumes, and deleting a PVC, a namespace or a CNPG
 * cluster must never delete the volume under it. A released volume stays in the project until someone
 * deletes it on purpose (and keeps costing until then).
 */
import type { KubeObject } from "./objects";

/** The CSI driver's name (hetznercloud/csi-driver v2.22.1 `chart/templates/core/storageclass.yaml`). */
export const HCLOUD_CSI_PROVISIONER = "csi.hetzner.cloud";

/** The cluster's default class. */
export const RETAIN_STORAGE_CLASS = "hcloud-volumes-retain";

/** The annotation that marks the default StorageClass (Kubernetes docs, "Change the default StorageClass"). */
export const DEFAULT_CLASS_ANNOTATION = "storageclass.kubernetes.io/is-default-class";

/**
 * `hcloud-volumes-retain`: Retain, and bound only once a pod is scheduled, so the volume is created in that
 * node's location (an hcloud volume attaches only to servers of its location). Volumes can grow in place.
 */
export function retainStorageClass(): KubeObject {
    return {
        apiVersion: "storage.k8s.io/v1",
        kind: "StorageClass",
        metadata: { name: RETAIN_STORAGE_CLASS, annotations: { [DEFAULT_CLASS_ANNOTATION]: "true" } },
        provisioner: HCLOUD_CSI_PROVISIONER,
        reclaimPolicy: "Retain",
        volumeBindingMode: "WaitForFirstConsumer",
        allowVolumeExpansion: true,
    };
}

/** The StorageClasses the program creates (the CSI chart creates its own `hcloud-volumes`, not the default). */
export function storageClasses(): KubeObject[] {
    return [retainStorageClass()];
}
