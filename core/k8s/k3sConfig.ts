/**
 * The `/etc/rancher/k3s/config.yaml` objects of phase 5's nodes: one for control-plane servers, one for pool agents.
 *
 * They hold only what every node of a role shares, so one rendered user data serves a whole pool, including the
 * servers the cluster-autoscaler creates. What differs per node (`node-name`, `node-ip`, `node-external-ip`,
 * `flannel-iface`, and a server's `advertise-address`) is written at boot into `config.yaml.d/` by the node script
 * of `core/k8s/nodeJoin.ts`; k3s merges that directory after the main file (see `core/k8s/k3sFlags.ts`).
 *
 * Choices:
 * - `disable-cloud-controller` + `kubelet-arg: cloud-provider=external`: the hcloud CCM owns node addresses,
 *   providerIDs and load balancers (k3s-io/docs `cli/server.md`; hcloud CCM `docs/explanation/controllers.md`).
 * - `flannel-backend: vxlan` over the private NIC (`flannel-iface` from the node script): the CCM's routes are off,
 *   so pod traffic needs an overlay; vxlan is k3s's default and needs no kernel module beyond Ubuntu's.
 * - `secrets-encryption`, `disable` and the CIDRs must be equal on every server (k3s-io/docs `cli/server.md`,
 *   "Critical Configuration Values"): one builder for all servers guarantees it.
 * - Not set: `embedded-registry` (Spegel) is real (`server.go`) but only helps with mirrors configured in
 *   `registries.yaml`, which this program does not ship; `protect-kernel-defaults` makes the kubelet exit unless the
 *   kernel's sysctls already equal its defaults, which these nodes do not set up, so it would be an outage rather
 *   than a hardening.
 *
 * Credentials never enter these objects (the `secrets-not-in-user-data` policy, policies/secrets/userData.ts): the
 * tokens travel as files under SECRETS_DIR that `token-file`/`agent-token-file` name, and the etcd S3 keys, for
 * which k3s has no file flag, as a config drop-in under SECRETS_DIR that the installer copies into `config.yaml.d/`
 * ({@link k3sEtcdS3Credentials}, core/render/machines/k3sNode.ts).
 */
import { parseCidr } from "../config/net";
import { SECRETS_DIR } from "../render/base/artifact";
import { assertK3sKeys, type K3sRole } from "./k3sFlags";

/** Where user data delivers each k3s credential (0600, root); the configs point at them. */
export const K3S_SECRET_FILES = {
    /** The server token, read through `token-file` by servers. */
    serverToken: `${SECRETS_DIR}/k3s-server-token`,
    /** The agent token: `agent-token-file` on servers, `token-file` on agents. */
    agentToken: `${SECRETS_DIR}/k3s-agent-token`,
    /** A config drop-in with the etcd S3 keys; the installer copies it into `config.yaml.d/`. */
    etcdS3: `${SECRETS_DIR}/k3s-etcd-s3.yaml`,
} as const;

/** The supervisor and API port every server listens on (k3s's default `https-listen-port`). */
export const K3S_API_PORT = 6443;

/** The keys the node script writes per node; never part of a shared config. */
export const NODE_SPECIFIC_KEYS = [
    "node-name",
    "node-ip",
    "node-external-ip",
    "flannel-iface",
    "advertise-address",
] as const;

/** Packaged components the cluster replaces: ingress by the program's own, servicelb by hcloud LBs, local-path by CSI. */
export const K3S_DISABLED_COMPONENTS = ["traefik", "servicelb", "local-storage"] as const;

export interface K3sClusterNetwork {
    /** Pod CIDR; must equal the hcloud CCM's `networking.clusterCIDR`. */
    readonly clusterCidr: string;
    readonly serviceCidr: string;
    /** The CoreDNS service IP, inside `serviceCidr`. */
    readonly clusterDns: string;
}

/** etcd snapshots, local and to S3-compatible storage (k3s-io/docs `cli/etcd-snapshot.md`). */
export interface K3sEtcdSnapshots {
    /** Cron spec, e.g. "0 *\/6 * * *". */
    readonly scheduleCron: string;
    /** Local snapshots kept on each server. */
    readonly retention: number;
    /** Host (and optional port) only, e.g. "fsn1.your-objectstorage.com": k3s adds the scheme itself. */
    readonly endpoint: string;
    readonly bucket: string;
    readonly folder: string;
    readonly region: string;
    readonly accessKey: string;
    readonly secretKey: string;
    /** Snapshots kept in the bucket; k3s uses `retention` when unset. */
    readonly s3Retention?: number;
}

export interface K3sApiLoadBalancer {
    readonly publicIpv4: string;
    readonly privateIp: string;
}

export interface K3sServerConfigInput {
    /** The secure server token, `K10<ca hash>::server:<password>` (core/k8s/joinToken.ts). */
    readonly serverToken: string;
    /** The agent token, `K10<ca hash>::node:<password>`: the only credential agents receive. */
    readonly agentToken: string;
    /** True for the one server that initialises the cluster; the others join through the API load balancer. */
    readonly clusterInit: boolean;
    readonly apiLoadBalancer: K3sApiLoadBalancer;
    readonly network: K3sClusterNetwork;
    readonly etcdSnapshots: K3sEtcdSnapshots;
    readonly nodeLabels?: readonly string[];
    readonly nodeTaints?: readonly string[];
}

export interface K3sAgentConfigInput {
    /** The API load balancer's private IP: agents join through it, never through one server. */
    readonly apiPrivateIp: string;
    readonly agentToken: string;
    readonly nodeLabels?: readonly string[];
    readonly nodeTaints?: readonly string[];
}

/** What k3s servers and agents join: the API load balancer on the private network. */
export function k3sJoinUrl(apiPrivateIp: string): string {
    requireIpv4(apiPrivateIp, "the API load balancer's private IP");
    return `https://${apiPrivateIp}:${K3S_API_PORT}`;
}

function requireIpv4(value: string, what: string): void {
    if (parseCidr(`${value}/32`)?.family !== 4)
        throw new Error(`${what} must be an IPv4 address, got '${value}'`);
}

const SECURE_TOKEN = /^K10[0-9a-f]{64}::(server|node):[A-Za-z0-9]+$/;

function requireToken(token: string, user: "server" | "node", what: string): void {
    const m = SECURE_TOKEN.exec(token);
    if (!m) throw new Error(`${what} must be a secure K10 token (K10<sha256>::<user>:<password>)`);
    if (m[1] !== user) throw new Error(`${what} must be for the '${user}' user, not '${m[1]}'`);
}

const HOST_PORT = /^[A-Za-z0-9.-]+(:[0-9]{1,5})?$/;

function requireS3Endpoint(endpoint: string): void {
    if (!HOST_PORT.test(endpoint)) {
        throw new Error(
            `etcd-s3-endpoint must be a host (and port) without scheme or path, e.g. 'fsn1.your-objectstorage.com'; got '${endpoint}'`,
        );
    }
}

/** `key=value:Effect` taints and `key=value` labels, as k3s (and the kubelet) read them. */
function labelsAndTaints(
    labels: readonly string[] = [],
    taints: readonly string[] = [],
): Record<string, string[]> {
    for (const l of labels)
        if (!/^[^=\s]+=[^=\s]*$/.test(l)) throw new Error(`node label '${l}' is not key=value`);
    for (const t of taints) {
        if (!/^[^=\s:]+(=[^=\s:]*)?:(NoSchedule|PreferNoSchedule|NoExecute)$/.test(t)) {
            throw new Error(`node taint '${t}' is not key[=value]:NoSchedule|PreferNoSchedule|NoExecute`);
        }
    }
    return {
        ...(labels.length > 0 ? { "node-label": [...labels] } : {}),
        ...(taints.length > 0 ? { "node-taint": [...taints] } : {}),
    };
}

function checked(role: K3sRole, config: Record<string, unknown>): Record<string, unknown> {
    assertK3sKeys(role, config);
    const nodeKey = NODE_SPECIFIC_KEYS.find((k) => k in config);
    if (nodeKey)
        throw new Error(`'${nodeKey}' is per node: the node script writes it, not the shared config`);
    return config;
}

export function k3sServerConfig(input: K3sServerConfigInput): Record<string, unknown> {
    requireToken(input.serverToken, "server", "the server token");
    requireToken(input.agentToken, "node", "the agent token");
    requireIpv4(input.apiLoadBalancer.publicIpv4, "the API load balancer's public IPv4");
    const joinUrl = k3sJoinUrl(input.apiLoadBalancer.privateIp);
    const { network: n, etcdSnapshots: s } = input;
    for (const [what, cidr] of [
        ["cluster-cidr", n.clusterCidr],
        ["service-cidr", n.serviceCidr],
    ] as const) {
        if (parseCidr(cidr)?.family !== 4) throw new Error(`${what} must be an IPv4 CIDR, got '${cidr}'`);
    }
    requireIpv4(n.clusterDns, "cluster-dns");
    requireS3Endpoint(s.endpoint);
    if (!Number.isInteger(s.retention) || s.retention < 1)
        throw new Error("etcd-snapshot-retention must be >= 1");

    return checked("server", {
        // The tokens themselves are in these files (k3sTokenFiles); k3s reads them at every start.
        "token-file": K3S_SECRET_FILES.serverToken,
        "agent-token-file": K3S_SECRET_FILES.agentToken,
        // The first server initialises etcd; the others join. Why the first server never also carries `server:` in
        // this file, and how a rebuilt first server joins instead of starting a second cluster: core/k8s/nodeJoin.ts.
        ...(input.clusterInit ? { "cluster-init": true } : { server: joinUrl }),
        "tls-san": [input.apiLoadBalancer.publicIpv4, input.apiLoadBalancer.privateIp],
        disable: [...K3S_DISABLED_COMPONENTS],
        "disable-cloud-controller": true,
        "kubelet-arg": ["cloud-provider=external"],
        ...labelsAndTaints(input.nodeLabels, input.nodeTaints),
        "cluster-cidr": n.clusterCidr,
        "service-cidr": n.serviceCidr,
        "cluster-dns": n.clusterDns,
        "flannel-backend": "vxlan",
        "etcd-expose-metrics": true,
        "secrets-encryption": true,
        "write-kubeconfig-mode": "0600",
        "etcd-snapshot-schedule-cron": s.scheduleCron,
        "etcd-snapshot-retention": s.retention,
        "etcd-s3": true,
        "etcd-s3-endpoint": s.endpoint,
        "etcd-s3-bucket": s.bucket,
        "etcd-s3-folder": s.folder,
        "etcd-s3-region": s.region,
        // etcd-s3-access-key and etcd-s3-secret-key: k3sEtcdS3Credentials, merged from config.yaml.d/.
        ...(s.s3Retention !== undefined ? { "etcd-s3-retention": s.s3Retention } : {}),
    });
}

/**
 * The etcd S3 keys as a config drop-in: k3s has no `*-file` flag for them, but merges `config.yaml.d/*.yaml` after
 * the main file (core/k8s/k3sFlags.ts), so the same keys in a drop-in are read exactly as if they were in config.yaml.
 */
export function k3sEtcdS3Credentials(
    s: Pick<K3sEtcdSnapshots, "accessKey" | "secretKey">,
): Record<string, unknown> {
    if (s.accessKey === "" || s.secretKey === "")
        throw new Error("the etcd S3 access key and secret key must be set");
    return checked("server", { "etcd-s3-access-key": s.accessKey, "etcd-s3-secret-key": s.secretKey });
}

/** The token files a node's user data carries, by path: servers both tokens, agents only the agent token. */
export function k3sTokenFiles(
    input: Pick<K3sServerConfigInput, "serverToken" | "agentToken"> | Pick<K3sAgentConfigInput, "agentToken">,
): { readonly path: string; readonly content: string }[] {
    const server = "serverToken" in input ? input.serverToken : undefined;
    if (server !== undefined) requireToken(server, "server", "the server token");
    requireToken(input.agentToken, "node", "the agent token");
    // No trailing newline: k3s trims the file, but a token file that is exactly the token needs no trust in that.
    return [
        ...(server !== undefined ? [{ path: K3S_SECRET_FILES.serverToken, content: server }] : []),
        { path: K3S_SECRET_FILES.agentToken, content: input.agentToken },
    ];
}

export function k3sAgentConfig(input: K3sAgentConfigInput): Record<string, unknown> {
    requireToken(input.agentToken, "node", "the agent token");
    return checked("agent", {
        server: k3sJoinUrl(input.apiPrivateIp),
        // The agent token, in the file k3sTokenFiles writes.
        "token-file": K3S_SECRET_FILES.agentToken,
        "kubelet-arg": ["cloud-provider=external"],
        ...labelsAndTaints(input.nodeLabels, input.nodeTaints),
    });
}
