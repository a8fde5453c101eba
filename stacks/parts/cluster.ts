/** What phase 5's control plane and node pools share: labels, secrets, the cluster's address ranges, snapshots. */
import * as pulumi from "@pulumi/pulumi";
import type { ConfigOf } from "../../core/config/schema";
import type { K3sClusterNetwork, K3sEtcdSnapshots } from "../../core/k8s/k3sConfig";

/** Every k3s node runs the image the node script and the autoscaler's servers are tested against. */
export const K3S_IMAGE = "ubuntu-24.04";

/** The credentials the cluster's servers need from config: the Hetzner token (CCM, CSI) and the S3 keys (etcd). */
export interface ClusterSecrets {
    readonly hcloudToken: pulumi.Output<string>;
    readonly backupAccessKeyId: pulumi.Output<string>;
    readonly backupSecretAccessKey: pulumi.Output<string>;
}

export function clusterSecrets(): ClusterSecrets {
    const config = new pulumi.Config();
    return {
        hcloudToken: new pulumi.Config("hcloud").requireSecret("token"),
        backupAccessKeyId: config.requireSecret("backupAccessKeyId"),
        backupSecretAccessKey: config.requireSecret("backupSecretAccessKey"),
    };
}

/** CoreDNS takes the service range's tenth address, as k3s's default (10.43.0.10) does. */
function clusterDns(serviceCidr: string): string {
    const [a, b, c, d] = (serviceCidr.split("/")[0] ?? "").split(".").map(Number);
    return `${a}.${b}.${c}.${(d ?? 0) + 10}`;
}

export function clusterNetwork(c: ConfigOf<"phase5">): K3sClusterNetwork {
    const { clusterCidr, serviceCidr } = c.kubernetes;
    return { clusterCidr, serviceCidr, clusterDns: clusterDns(serviceCidr) };
}

/** etcd snapshots to the stack's backup bucket, under `<prefix>/etcd/<stack>`. */
export function etcdSnapshots(
    c: ConfigOf<"phase5">,
    stack: string,
    accessKey: string,
    secretKey: string,
): K3sEtcdSnapshots {
    const { scheduleCron, retention } = c.kubernetes.etcdSnapshots;
    return {
        scheduleCron,
        retention,
        s3Retention: retention,
        endpoint: new URL(c.backup.endpoint).host,
        bucket: c.backup.bucket,
        folder: `${c.backup.prefix}/etcd/${stack}`.replace(/^\/+/, ""),
        region: c.backup.region,
        accessKey,
        secretKey,
    };
}

/** `key=value` node labels, in a stable order. */
export function nodeLabelTexts(labels: Readonly<Record<string, string>>): string[] {
    return Object.entries(labels)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, v]) => `${k}=${v}`);
}
