import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { hcloudCsiChart } from "../../../core/k8s/autoDeploy";
import type { KubeObject } from "../../../core/k8s/objects";
import {
    DEFAULT_CLASS_ANNOTATION,
    HCLOUD_CSI_PROVISIONER,
    RETAIN_STORAGE_CLASS,
    retainStorageClass,
    storageClasses,
} from "../../../core/k8s/storage";
import { kubeSchemaProblems } from "../../helpers/kubeSchemas";

describe("hcloud StorageClasses", () => {
    it("pass the Kubernetes schema, and fail it with a wrongly typed field", () => {
        expect(storageClasses().flatMap(kubeSchemaProblems)).toEqual([]);
        const sc = retainStorageClass();
        expect(kubeSchemaProblems({ ...sc, allowVolumeExpansion: "yes" })).not.toEqual([]);
        expect(kubeSchemaProblems({ ...sc, reclaimPolicy: ["Retain"] })).not.toEqual([]);
        expect(kubeSchemaProblems({ ...sc, provisioner: undefined })).not.toEqual([]);
    });

    it("retain the volume of a deleted claim, bind where the pod lands and let volumes grow", () => {
        const sc = retainStorageClass();
        expect(sc.metadata.name).toBe(RETAIN_STORAGE_CLASS);
        expect(sc).toMatchObject({
            provisioner: HCLOUD_CSI_PROVISIONER,
            reclaimPolicy: "Retain",
            volumeBindingMode: "WaitForFirstConsumer",
            allowVolumeExpansion: true,
        });
        expect(HCLOUD_CSI_PROVISIONER).toBe("csi.hetzner.cloud");
    });

    it("make the Retain class the cluster's only default, the CSI chart's class included", () => {
        const chartValues = parse(
            (
                hcloudCsiChart({
                    hcloudToken: "t".repeat(64),
                    networkId: 1,
                    clusterCidr: "10.42.0.0/16",
                    location: "nbg1",
                }).spec as { valuesContent: string }
            ).valuesContent,
        ) as { storageClasses: { name: string; defaultStorageClass: boolean; reclaimPolicy: string }[] };
        const isDefault = (o: KubeObject) => o.metadata.annotations?.[DEFAULT_CLASS_ANNOTATION] === "true";
        const defaults = [
            ...storageClasses()
                .filter(isDefault)
                .map((o) => o.metadata.name),
            ...chartValues.storageClasses.filter((c) => c.defaultStorageClass).map((c) => c.name),
        ];
        expect(defaults).toEqual([RETAIN_STORAGE_CLASS]);
        const names = [
            ...storageClasses().map((o) => o.metadata.name),
            ...chartValues.storageClasses.map((c) => c.name),
        ];
        expect(new Set(names).size).toBe(names.length);
    });
});
