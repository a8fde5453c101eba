/**
 * k3s auto-deploy manifests for phase 5: files a k3s server applies from its manifests directory on start and
 * on change (k3s-io/docs `installation/packaged-components.md`). They install what the cluster needs before
 * anything else can run, from cloud-init alone: the `kube-system/hcloud` Secret, the hcloud cloud controller
 * manager (which removes the `node.cloudprovider.kubernetes.io/uninitialized` taint a node gets under
 * `cloud-provider=external`) and the hcloud CSI driver. Every server writes the same files.
 *
 * The files go into the servers' user data (32 KiB at most), so they stay small: charts come from the
 * repository, not as `chartContent`.
 */
import { LOCATIONS, type LocationName } from "../catalog/hetzner";
import { cidrProblem, parseCidr } from "../config/net";
import { toYaml } from "../render/base/yaml";
import { HCLOUD_SECRET, type KubeObject } from "./objects";

/** Where a k3s server reads its auto-deploy manifests; each file is `<name>.yaml` there. */
export const AUTO_DEPLOY_DIR = "/var/lib/rancher/k3s/server/manifests";

/** Hetzner's Helm repository for both charts (hcloud-cloud-controller-manager `docs/guides/quickstart.md`). */
export const HCLOUD_CHARTS_REPO = "https://charts.hetzner.cloud";

/** Pinned chart of the hcloud cloud controller manager; its image tag is `v<chart version>`. */
export const HCLOUD_CCM_CHART = {
    chart: "hcloud-cloud-controller-manager",
    version: "1.35.0",
    source: "github.com/hetznercloud/hcloud-cloud-controller-manager tag v1.35.0 (cfbbbd9, 2026-08-11): chart/Chart.yaml, chart/values.yaml",
} as const;

/** Pinned chart of the hcloud CSI driver; its driver image tag is `v<chart version>`. */
export const HCLOUD_CSI_CHART = {
    chart: "hcloud-csi",
    version: "2.22.1",
    source: "github.com/hetznercloud/csi-driver tag v2.22.1 (3186e78, 2026-07-30): chart/Chart.yaml, chart/values.yaml",
} as const;

/**
 * The StorageClass the CSI chart creates by default (`storageClasses[0]`, reclaim Delete). It stays, for
 * scratch volumes, but is not the default class: `core/k8s/storage.ts` makes a Retain class the default.
 */
export const CHART_STORAGE_CLASS = "hcloud-volumes";

export interface AutoDeployInput {
    /** The Hetzner Cloud API token the CCM and the CSI driver act with. Written only into the hcloud Secret. */
    readonly hcloudToken: string;
    /** The id of the hcloud network the nodes are attached to (the CCM's networking mode). */
    readonly networkId: string | number;
    /** The pod CIDR, equal to k3s's `cluster-cidr`: the CCM allocates node CIDRs from it. */
    readonly clusterCidr: string;
    /** The cluster's location: where the CCM creates load balancers and the CSI driver volumes by default. */
    readonly location: LocationName;
}

/** One file of the auto-deploy directory: `name` is an RFC-1123 label (k3s names its Addon object after it). */
export interface AutoDeployManifest {
    readonly name: string;
    readonly content: string;
}

const RFC1123_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/** Checks the input; no message quotes the token. */
function checked(input: AutoDeployInput): { networkId: string } {
    if (!/^[!-~]+$/.test(input.hcloudToken))
        throw new Error("hcloudToken must be non-empty printable ASCII without spaces (value not shown)");
    const networkId = String(input.networkId);
    if (!/^[1-9]\d*$/.test(networkId))
        throw new Error(`networkId must be an hcloud network id (a positive integer), not '${networkId}'`);
    const problem = cidrProblem(input.clusterCidr);
    if (problem) throw new Error(`clusterCidr '${input.clusterCidr}' ${problem}`);
    if (parseCidr(input.clusterCidr)?.family !== 4)
        throw new Error(`clusterCidr '${input.clusterCidr}' must be IPv4: hcloud networks route IPv4 only`);
    if (!Object.hasOwn(LOCATIONS, input.location))
        throw new Error(`location '${String(input.location)}' is not an hcloud location`);
    return { networkId };
}

/** `kube-system/hcloud`: `token` for the API, `network` for the CCM's networking mode (its `chart/values.yaml`). */
export function hcloudSecret(input: AutoDeployInput): KubeObject {
    const { networkId } = checked(input);
    return {
        apiVersion: "v1",
        kind: "Secret",
        metadata: { name: HCLOUD_SECRET.name, namespace: HCLOUD_SECRET.namespace },
        type: "Opaque",
        stringData: { token: input.hcloudToken, network: networkId },
    };
}

/** A k3s HelmChart (helm.cattle.io/v1, k3s-io/helm-controller) in kube-system, installing into kube-system. */
function helmChart(
    name: string,
    chart: { chart: string; version: string },
    values: unknown,
    bootstrap: boolean,
): KubeObject {
    return {
        apiVersion: "helm.cattle.io/v1",
        kind: "HelmChart",
        metadata: { name, namespace: "kube-system" },
        spec: {
            repo: HCLOUD_CHARTS_REPO,
            chart: chart.chart,
            version: chart.version,
            targetNamespace: "kube-system",
            // Only the CCM: a bootstrap chart's job runs on the host network and tolerates uninitialised nodes.
            ...(bootstrap ? { bootstrap: true } : {}),
            valuesContent: toYaml(values),
        },
    };
}

/**
 * The hcloud CCM in networking mode (`networking.enabled`: node addresses and load balancer targets on the
 * private network; the chart then runs it on the host network and reads `network` from the Secret). Routes
 * stay off: flannel's vxlan carries pod traffic, and the route controller needs a native-routing CNI
 * (`docs/explanation/private-networks.md`). `env` entries take the Kubernetes `value` form; the chart's own
 * HCLOUD_TOKEN and ROBOT_* entries remain, as Helm merges maps.
 */
export function hcloudCcmChart(input: AutoDeployInput): KubeObject {
    checked(input);
    return helmChart(
        "hcloud-ccm",
        HCLOUD_CCM_CHART,
        {
            networking: { enabled: true, clusterCIDR: input.clusterCidr },
            env: {
                HCLOUD_LOAD_BALANCERS_LOCATION: { value: input.location },
                HCLOUD_LOAD_BALANCERS_USE_PRIVATE_IP: { value: "true" },
                HCLOUD_NETWORK_ROUTES_ENABLED: { value: "false" },
                // The check asks the metadata service, which the nodes refuse to non-root processes (the CCM runs
                // as 65532): the program attaches every server to the network itself.
                HCLOUD_NETWORK_DISABLE_ATTACHED_CHECK: { value: "true" },
            },
        },
        true,
    );
}

/**
 * The hcloud CSI driver with the token from the same Secret. Not a bootstrap chart: no node needs a volume to
 * become ready, and its pods should wait for the CCM to initialise the nodes. `storageClasses` is a list, so
 * Helm replaces it whole: the chart's class is restated with only `defaultStorageClass` changed.
 */
export function hcloudCsiChart(input: AutoDeployInput): KubeObject {
    checked(input);
    return helmChart(
        "hcloud-csi",
        HCLOUD_CSI_CHART,
        {
            controller: {
                hcloudToken: { existingSecret: { name: HCLOUD_SECRET.name, key: "token" } },
                hcloudVolumeDefaultLocation: input.location,
            },
            // The node plugin reads its server id from the metadata service, which pods cannot reach
            // (core/render/host/metadataBlock.ts); on the host network it runs as root and may.
            node: { hostNetwork: true },
            storageClasses: [
                { name: CHART_STORAGE_CLASS, defaultStorageClass: false, reclaimPolicy: "Delete" },
            ],
        },
        false,
    );
}

/** The auto-deploy objects by file: the Secret first, then the charts that read it. */
function manifestObjects(input: AutoDeployInput): { name: string; objects: KubeObject[] }[] {
    return [
        { name: "hcloud-secret", objects: [hcloudSecret(input)] },
        { name: "hcloud-ccm", objects: [hcloudCcmChart(input)] },
        { name: "hcloud-csi", objects: [hcloudCsiChart(input)] },
    ];
}

/** Every object the auto-deploy manifests hold, in file order. */
export function autoDeployObjects(input: AutoDeployInput): KubeObject[] {
    return manifestObjects(input).flatMap((m) => m.objects);
}

/** Several objects as one YAML stream, one document each. */
export function yamlDocuments(objects: readonly KubeObject[]): string {
    return objects.map((o) => `---\n${toYaml(o)}`).join("");
}

/** The auto-deploy files, identical for every server of the cluster. */
export function autoDeployManifests(input: AutoDeployInput): AutoDeployManifest[] {
    return manifestObjects(input).map(({ name, objects }) => {
        if (!RFC1123_LABEL.test(name)) throw new Error(`manifest name '${name}' is not an RFC-1123 label`);
        return { name, content: yamlDocuments(objects) };
    });
}

/** The path a manifest is written to on a server. */
export function autoDeployPath(manifest: Pick<AutoDeployManifest, "name">): string {
    return `${AUTO_DEPLOY_DIR}/${manifest.name}.yaml`;
}
