/**
 * The cluster-autoscaler's Hetzner node groups: the cluster config (the JSON `HCLOUD_CLUSTER_CONFIG_FILE`
 * points at) and the `--nodes` flags, with the guards that turn the known reasons autoscaled nodes fail to
 * join (research phase4-5-anchors §5) into plan errors.
 *
 * The schema mirrors the Go structs of kubernetes/autoscaler at tag `cluster-autoscaler-1.33.6`
 * (commit be4b5a18814a53539d0fe6299c92839152cae54c), the release the image in `autoscalerObjects.ts` runs:
 * - `cluster-autoscaler/cloudprovider/hetzner/hetzner_manager.go`: `ClusterConfig`, `ImageList`, `NodeConfig`;
 * - `k8s.io/api/core/v1` `Taint` (json tags `key`, `value,omitempty`, `effect`, `timeAdded,omitempty`).
 * The structs carry no json tags, so Go matches keys case-insensitively; the schema takes the camelCase
 * spelling the provider's README uses. Every object is `.strict()`: Go's `json.Unmarshal` silently drops an
 * unknown key, so a typo (`placementgroupp`, `taint`) would leave a pool without its placement group or taints
 * and nothing would say so.
 *
 * Two struct fields are deliberately not accepted: `IsUsingNewFormat` (the manager overwrites it with `true`
 * after decoding the file) and `LegacyConfig` (read only from `HCLOUD_CLOUD_INIT`/`HCLOUD_IMAGE` when no JSON
 * is given). Both decode from JSON but do nothing there, so writing them is a mistake.
 *
 * 1.33 has none of the later per-pool fields: `defaultSubnetIPRange`/`subnetIPRange` arrived in 1.35
 * (commit 6a0f0afdcf), `serverLabels` and per-pool `imagesForArch` in 1.36, per-pool `firewalls` after 1.36.1.
 * The network, firewall and SSH key are process-wide environment variables in 1.33.
 */
import { z } from "zod";
import { DNS_LABEL } from "./names";

/** Kubernetes' taint effects (`k8s.io/api/core/v1` `TaintEffect`). Any other string breaks k3s's node-taint. */
export const TaintEffect = z.enum(["NoSchedule", "PreferNoSchedule", "NoExecute"]);

/** `v1.Taint`. */
export const AutoscalerTaint = z
    .object({
        key: z.string().min(1),
        value: z.string().optional(),
        effect: TaintEffect,
        /** RFC 3339; only meaningful on NoExecute taints, and never needed in a template. */
        timeAdded: z.string().optional(),
    })
    .strict();
export type AutoscalerTaint = z.output<typeof AutoscalerTaint>;

/** `ImageList`: an image id, name, or a label selector meaning the newest snapshot, per architecture. */
export const ImageList = z
    .object({
        arm64: z.string().optional(),
        amd64: z.string().optional(),
    })
    .strict();
export type ImageList = z.output<typeof ImageList>;

/** `NodeConfig`: one node group. */
export const AutoscalerNodeConfig = z
    .object({
        /** The server's user_data, plain text (the file is not base64, unlike `HCLOUD_CLUSTER_CONFIG`). */
        cloudInit: z.string().min(1),
        /** The id or name of an existing placement group; the autoscaler exits if it does not exist. */
        placementGroup: z.string().optional(),
        /** Taints of the simulated template node; k3s `node-taint` in `cloudInit` must set the same. */
        taints: z.array(AutoscalerTaint).optional(),
        /** Labels of the simulated template node; k3s `node-label` in `cloudInit` must set the same. */
        labels: z.record(z.string(), z.string()).optional(),
    })
    .strict();
export type AutoscalerNodeConfig = z.output<typeof AutoscalerNodeConfig>;

/** `ClusterConfig`, as decoded from `HCLOUD_CLUSTER_CONFIG_FILE`. */
export const AutoscalerClusterConfig = z
    .object({
        imagesForArch: ImageList,
        /** Keyed by node group name: the fifth field of its `--nodes` flag. */
        nodeConfigs: z.record(z.string(), AutoscalerNodeConfig),
    })
    .strict();
export type AutoscalerClusterConfig = z.output<typeof AutoscalerClusterConfig>;

/** Hetzner's user_data limit ("invalid input in field 'user_data'" above it; devantler-tech/ksail #5015). */
export const USER_DATA_MAX_BYTES = 32_768;
/** A spread placement group holds at most 10 servers (`maxPlacementGroupSize` in hetzner_cloud_provider.go). */
export const PLACEMENT_GROUP_MAX_SERVERS = 10;
/** Hetzner's default limit of placement groups per project. */
export const PLACEMENT_GROUPS_PER_PROJECT = 50;
/**
 * The config travels in a Secret mounted as a file. The file route removes the 128 KiB per-string limit of
 * `execve` that `HCLOUD_CLUSTER_CONFIG` hits (kube-hetzner #2194, #1456), but a Secret is capped at 1 MiB.
 */
export const SECRET_MAX_BYTES = 1_048_576;
/** `<name>-<hex of rand.Int63()>` (newNodeName): up to 17 characters after the name, inside a 63-char hostname. */
export const NODE_GROUP_NAME_MAX = 63 - 17;

/** One pool to autoscale, as the cluster program describes it. */
export interface AutoscaledPool {
    /** The pool's name; names its node groups. */
    readonly pool: string;
    /** A Hetzner server type, e.g. cx33; `cax*` types are arm64. */
    readonly serverType: string;
    /** A Hetzner location, e.g. nbg1. */
    readonly location: string;
    readonly min: number;
    readonly max: number;
    /** Node labels; `cloudInit` must set each as a k3s node-label `k=v`. */
    readonly labels: Readonly<Record<string, string>>;
    /** Node taints; `cloudInit` must set each as a k3s node-taint `k=v:Effect`. */
    readonly taints: readonly { key: string; value: string; effect: z.output<typeof TaintEffect> }[];
    /** The server's user_data: installs k3s and joins the cluster. */
    readonly cloudInit: string;
    /** Spread the pool's servers over a placement group each of its node groups gets. */
    readonly placement: boolean;
}

export interface AutoscalerNodeGroupsInput {
    readonly pools: readonly AutoscaledPool[];
    /** One image for both architectures: an id, a name or a snapshot label selector. Default ubuntu-24.04. */
    readonly image?: string;
    /** Or one per architecture; a pool of arm64 (`cax*`) types needs `arm64`, the others `amd64`. */
    readonly imagesForArch?: ImageList;
    /**
     * Not supported by the 1.33 autoscaler (`subnetIPRange` arrived in 1.35): set only to get the plan error that
     * says so, rather than servers that silently land in another subnet.
     */
    readonly subnetIpRange?: string;
    /** Prefix of the placement group names, which are project-wide. Default `autoscaler-`. */
    readonly placementGroupPrefix?: string;
    /** Placement groups the project already holds (the control plane's, other stacks'), counted against 50. */
    readonly existingPlacementGroups?: number;
}

/** One node group: one `--nodes` flag and one `nodeConfigs` entry. */
export interface AutoscalerNodeGroup {
    readonly name: string;
    readonly pool: string;
    readonly min: number;
    readonly max: number;
    readonly serverType: string;
    readonly location: string;
    /** The spread placement group the shell must create before the autoscaler starts. */
    readonly placementGroup?: string;
}

export interface AutoscalerNodeGroups {
    readonly config: AutoscalerClusterConfig;
    /** The config as the file holds it. */
    readonly configJson: string;
    /** `--nodes=<min>:<max>:<TYPE>:<LOCATION>:<name>`, one per node group. */
    readonly nodesArgs: readonly string[];
    readonly groups: readonly AutoscalerNodeGroup[];
    /** Names of the spread placement groups to create: the autoscaler only looks them up. */
    readonly placementGroups: readonly string[];
}

/** A DNS label: a valid hostname part, k8s node name, and hcloud/k8s label value (`hcloud/node-group=<name>`). */

/**
 * Label keys kubelet refuses in `--node-labels` (NodeRestriction): the kubernetes.io and k8s.io namespaces,
 * except node.kubernetes.io/ and kubelet.kubernetes.io/ and a few well-known keys. A node that sets one never
 * registers.
 */
const KUBELET_ALLOWED = new Set([
    "kubernetes.io/hostname",
    "kubernetes.io/arch",
    "kubernetes.io/os",
    "beta.kubernetes.io/arch",
    "beta.kubernetes.io/os",
    "beta.kubernetes.io/instance-type",
    "node.kubernetes.io/instance-type",
    "failure-domain.beta.kubernetes.io/region",
    "failure-domain.beta.kubernetes.io/zone",
    "topology.kubernetes.io/region",
    "topology.kubernetes.io/zone",
]);
function kubeletRefuses(key: string): boolean {
    const slash = key.indexOf("/");
    if (slash < 0) return false;
    const prefix = key.slice(0, slash);
    const reserved = ["kubernetes.io", "k8s.io"].some((d) => prefix === d || prefix.endsWith(`.${d}`));
    if (!reserved || KUBELET_ALLOWED.has(key)) return false;
    return !["node.kubernetes.io", "kubelet.kubernetes.io"].some(
        (d) => prefix === d || prefix.endsWith(`.${d}`),
    );
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
/** Characters that continue a label key or value: a match must not be part of a longer one. */
const TOKEN_CHARS = "\\-A-Za-z0-9._/=";

/**
 * Whether `text` holds `token` as a whole k3s node-label/node-taint entry: not preceded by a key character
 * and not followed by a value character or, for labels, by `:` (that would be a taint). A plain text search,
 * not a YAML parse: it accepts the token in `config.yaml` lists, in `--node-label` flags and in
 * `INSTALL_K3S_EXEC`, whichever the cloud-init uses.
 */
function holdsEntry(text: string, token: string, followersToo: string): boolean {
    const re = new RegExp(`(?<![${TOKEN_CHARS}])${escapeRegExp(token)}(?![${TOKEN_CHARS}${followersToo}])`);
    return re.test(text);
}

/** Splits `n` into `parts` integers differing by at most one, the larger first. */
function spread(n: number, parts: number): number[] {
    return Array.from({ length: parts }, (_, i) => Math.floor(n / parts) + (i < n % parts ? 1 : 0));
}

const isArm = (serverType: string) => /^cax/i.test(serverType);

function checkPool(p: AutoscaledPool, images: ImageList): void {
    const fail = (problem: string, fix: string): never => {
        throw new Error(`autoscaled pool "${p.pool}": ${problem}; ${fix}`);
    };
    if (!Number.isInteger(p.min) || !Number.isInteger(p.max) || p.min < 0 || p.max < 1 || p.min > p.max)
        fail(
            `min ${p.min} and max ${p.max} are not 0 ≤ min ≤ max, max ≥ 1`,
            "set whole numbers with min ≤ max",
        );
    if (!/^[a-z0-9]+$/i.test(p.serverType) || !/^[a-z0-9-]+$/i.test(p.location))
        fail(
            `server type "${p.serverType}" or location "${p.location}" is not a bare Hetzner name`,
            "use names such as cx33 and nbg1 (a colon would break the --nodes flag)",
        );
    const bytes = Buffer.byteLength(p.cloudInit, "utf8");
    if (bytes > USER_DATA_MAX_BYTES)
        fail(
            `cloudInit is ${bytes} bytes, above Hetzner's user_data limit of ${USER_DATA_MAX_BYTES}`,
            "move files out of the cloud-init (fetch them at boot, or bake them into a snapshot image)",
        );
    const arch = isArm(p.serverType) ? "arm64" : "amd64";
    if (!images[arch])
        fail(
            `server type ${p.serverType} is ${arch} but imagesForArch has no ${arch} image`,
            `set imagesForArch.${arch}`,
        );
    for (const [k, v] of Object.entries(p.labels)) {
        if (k === "hcloud/node-group")
            fail(
                `sets the label hcloud/node-group`,
                "remove it: the autoscaler sets it to the node group's name",
            );
        if (kubeletRefuses(k))
            fail(
                `label ${k} is in a namespace kubelet refuses to set, so the node would never register`,
                "use a node.kubernetes.io/ key or a key of your own domain",
            );
        if (!holdsEntry(p.cloudInit, `${k}=${v}`, ":"))
            fail(
                `label ${k}=${v} is not set by the cloudInit's k3s node-label, so the autoscaler would plan for a node that never appears`,
                `add node-label ${k}=${v} to the cloudInit or remove the label`,
            );
    }
    for (const t of p.taints)
        if (!holdsEntry(p.cloudInit, `${t.key}=${t.value}:${t.effect}`, ""))
            fail(
                `taint ${t.key}=${t.value}:${t.effect} is not set by the cloudInit's k3s node-taint, so pods the template rejects would land on the real node`,
                `add node-taint ${t.key}=${t.value}:${t.effect} to the cloudInit or remove the taint`,
            );
}

/**
 * The cluster config and `--nodes` flags for the pools. A pool with `placement` and more than 10 servers
 * becomes node groups `<pool>-1` … `<pool>-n`, each of at most 10 with a placement group of its own, min and
 * max shared out between them (`--balance-similar-node-groups` keeps them level). Throws an Error naming the
 * pool and the fix for anything that would make the autoscaler exit or its nodes fail to join.
 */
export function autoscalerNodeGroups(input: AutoscalerNodeGroupsInput): AutoscalerNodeGroups {
    if (input.subnetIpRange !== undefined)
        throw new Error(
            `autoscaler: subnetIpRange ${input.subnetIpRange} needs cluster-autoscaler 1.35 or later (subnetIPRange); ` +
                "the 1.33 release ignores it and attaches servers to whichever subnet Hetzner picks. Remove it or " +
                "give the network a single cloud subnet for the nodes",
        );
    if (input.image !== undefined && input.imagesForArch !== undefined)
        throw new Error("autoscaler: set image or imagesForArch, not both");
    const images: ImageList = input.imagesForArch ?? {
        amd64: input.image ?? "ubuntu-24.04",
        arm64: input.image ?? "ubuntu-24.04",
    };
    const prefix = input.placementGroupPrefix ?? "autoscaler-";
    if (input.pools.length === 0)
        throw new Error("autoscaler: no pools to autoscale; the autoscaler exits without one");

    const groups: AutoscalerNodeGroup[] = [];
    for (const p of input.pools) {
        checkPool(p, images);
        const parts = p.placement ? Math.ceil(p.max / PLACEMENT_GROUP_MAX_SERVERS) : 1;
        const mins = spread(p.min, parts);
        const maxes = spread(p.max, parts);
        for (let i = 0; i < parts; i++) {
            const name = parts === 1 ? p.pool : `${p.pool}-${i + 1}`;
            if (!DNS_LABEL.test(name) || name.length > NODE_GROUP_NAME_MAX)
                throw new Error(
                    `autoscaled pool "${p.pool}": node group name "${name}" is not a lowercase DNS label of at most ` +
                        `${NODE_GROUP_NAME_MAX} characters (it names servers <name>-<hex> and the label ` +
                        "hcloud/node-group); rename the pool",
                );
            groups.push({
                name,
                pool: p.pool,
                min: mins[i]!,
                max: maxes[i]!,
                serverType: p.serverType.toLowerCase(),
                location: p.location.toLowerCase(),
                ...(p.placement ? { placementGroup: `${prefix}${name}` } : {}),
            });
        }
    }
    const seen = new Map<string, string>();
    for (const g of groups) {
        const other = seen.get(g.name);
        if (other !== undefined)
            throw new Error(
                `autoscaled pool "${g.pool}": node group "${g.name}" is also a node group of pool "${other}"; rename one of them`,
            );
        seen.set(g.name, g.pool);
    }

    const placementGroups = groups.flatMap((g) => (g.placementGroup ? [g.placementGroup] : []));
    const existing = input.existingPlacementGroups ?? 0;
    if (placementGroups.length + existing > PLACEMENT_GROUPS_PER_PROJECT) {
        const counts = new Map<string, number>();
        for (const g of groups) if (g.placementGroup) counts.set(g.pool, (counts.get(g.pool) ?? 0) + 1);
        const largest = [...counts.entries()].sort((a, b) => b[1] - a[1])[0]!;
        throw new Error(
            `autoscaled pool "${largest[0]}": needs ${largest[1]} placement groups, and the pools together ` +
                `${placementGroups.length} (+${existing} existing), above Hetzner's ${PLACEMENT_GROUPS_PER_PROJECT} ` +
                "per project; lower max or turn placement off for the largest pools",
        );
    }

    const byPool = new Map(input.pools.map((p) => [p.pool, p]));
    const config = AutoscalerClusterConfig.parse({
        imagesForArch: images,
        nodeConfigs: Object.fromEntries(
            groups.map((g) => {
                const p = byPool.get(g.pool)!;
                return [
                    g.name,
                    {
                        cloudInit: p.cloudInit,
                        ...(g.placementGroup ? { placementGroup: g.placementGroup } : {}),
                        taints: p.taints.map((t) => ({ key: t.key, value: t.value, effect: t.effect })),
                        labels: { ...p.labels },
                    },
                ];
            }),
        ),
    });
    const configJson = JSON.stringify(config);
    const bytes = Buffer.byteLength(configJson, "utf8");
    if (bytes > SECRET_MAX_BYTES) {
        const largest = [...input.pools].sort(
            (a, b) => Buffer.byteLength(b.cloudInit) * b.max - Buffer.byteLength(a.cloudInit) * a.max,
        )[0]!;
        throw new Error(
            `autoscaled pool "${largest.pool}": the cluster config is ${bytes} bytes, above a Secret's ` +
                `${SECRET_MAX_BYTES} (each node group repeats its pool's cloudInit); shrink the cloudInit ` +
                "or the number of node groups",
        );
    }
    return {
        config,
        configJson,
        nodesArgs: groups.map((g) => `--nodes=${g.min}:${g.max}:${g.serverType}:${g.location}:${g.name}`),
        groups,
        placementGroups,
    };
}
