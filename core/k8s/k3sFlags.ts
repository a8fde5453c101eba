/**
 * The config-file keys `k3s server` and `k3s agent` accept, for the one k3s release the program installs.
 *
 * Pinned release: v1.33.13+k3s2, the newest patch on the v1.33 line (published 2026-08-04), commit
 * 875e930d812e17f955cfb3a4817ad33cce3c6822 of github.com/k3s-io/k3s (nixpkgs' `k3s/1_33/versions.nix` records
 * the tag's commit). Kubernetes 1.33 is inside the hcloud CCM v1.35 support window (1.33-1.36) and matches the
 * Kubernetes schemas the tests validate against.
 *
 * Where the table comes from (github.com/k3s-io/k3s): a full mirror was too large to fetch here, and the index
 * held `pkg/cli/cmds/server.go` and `agent.go` at the last v1.3x revisions before the urfave/cli v2 port (the
 * revision with `supervisor-metrics`, `embedded-registry`, `etcd-s3-proxy`, `etcd-s3-config-secret`, `kine-tls`,
 * and the agent's `default-runtime`, `image-service-endpoint`, `node-internal-dns`, `disable-apiserver-lb`), not at
 * the tag's own commit. Those two files, with `pkg/cli/cmds/log.go` and `config.go` for the shared flags, give every
 * key below. Keys added after them were checked one by one: `etcd-s3-retention` ("Add retention flag specific for
 * s3", k3s#12694, in v1.33.4+k3s1 per k3s-io/docs `release-notes/v1.33.X.md`; also in the newer
 * `pkg/cli/cmds/etcd_snapshot.go`, which shares the server's `EtcdS3Retention`). `etcd-s3-session-token`,
 * `etcd-s3-bucket-lookup-type` and `etcd-snapshot-reconcile-interval` exist in newer sources but could not be tied
 * to the pinned tag, so they are left out: a key missing here is refused, never silently accepted. Hidden and
 * deprecated flags (`no-flannel`, `cluster-secret`, `no-deploy`, `disable-selinux`) are left out as well.
 *
 * How a config file is read (`pkg/configfilearg/parser.go`, commit f646604010affc6a1d3233a8a0870bca46bf80cf):
 * - every key is a flag name without `--` (one-letter keys become `-k`); aliases after the comma in a flag's
 *   `Name` ("token,t") are valid keys too (`stripInvalidFlags` splits on ",");
 * - `dotDFiles` reads `<config>.d/*.yaml|*.yml` (files only, in directory order, i.e. by name) after the main file;
 *   `readConfigFile` merges them: a later file's value replaces an earlier one's, except that a key written with a
 *   `+` suffix (`node-label+:`) appends to the earlier list (`toSlice`);
 * - for `server` an unknown key is dropped with only a log warning ("Unknown flag ... found in config.yaml,
 *   skipping"); for `agent` there is no such list (`defaultparser.go`: `ValidFlags` holds `server` and
 *   `etcd-snapshot` only), so an unknown key reaches urfave/cli and the agent refuses to start. Either way a typo is
 *   a node that does not do what the program meant, which is why every rendered config is checked against this
 *   table.
 */

/** The k3s release every node installs; the install script and binary are fetched at this tag. */
export const K3S_RELEASE = "v1.33.13+k3s2";
/** The commit the tag points at, recorded for review. */
export const K3S_RELEASE_COMMIT = "875e930d812e17f955cfb3a4817ad33cce3c6822";

export type K3sRole = "server" | "agent";

/** Flags both commands take: logging (`log.go`), the config file itself (`config.go`). */
const SHARED = ["config", "debug", "v", "vmodule", "log", "alsologtostderr"] as const;

/** What `agent.go` defines and both `k3s agent` and `k3s server` list (servers run an agent). */
const NODE = [
    "node-name",
    "with-node-id",
    "node-label",
    "node-taint",
    "image-credential-provider-bin-dir",
    "image-credential-provider-config",
    "selinux",
    "lb-server-port",
    "protect-kernel-defaults",
    "container-runtime-endpoint",
    "default-runtime",
    "image-service-endpoint",
    "pause-image",
    "snapshotter",
    "private-registry",
    "disable-default-registry-endpoint",
    "airgap-extra-registry",
    "node-ip",
    "bind-address",
    "node-external-ip",
    "node-internal-dns",
    "node-external-dns",
    "resolv-conf",
    "flannel-iface",
    "flannel-conf",
    "flannel-cni-conf",
    "kubelet-arg",
    "kube-proxy-arg",
    "enable-pprof",
    "rootless",
    "prefer-bundled-bin",
    "docker",
    "vpn-auth",
    "vpn-auth-file",
    "token",
    "token-file",
    "server",
    "data-dir",
] as const;

/** Only `k3s agent`. */
const AGENT_ONLY = ["disable-apiserver-lb"] as const;

/** Only `k3s server` (`server.go`'s `ServerFlags`). */
const SERVER_ONLY = [
    "https-listen-port",
    "advertise-address",
    "advertise-port",
    "tls-san",
    "tls-san-security",
    "cluster-cidr",
    "service-cidr",
    "service-node-port-range",
    "cluster-dns",
    "cluster-domain",
    "flannel-backend",
    "flannel-ipv6-masq",
    "flannel-external-ip",
    "egress-selector-mode",
    "servicelb-namespace",
    "write-kubeconfig",
    "write-kubeconfig-mode",
    "write-kubeconfig-group",
    "helm-job-image",
    "agent-token",
    "agent-token-file",
    "cluster-init",
    "cluster-reset",
    "cluster-reset-restore-path",
    "kube-apiserver-arg",
    "etcd-arg",
    "kube-controller-manager-arg",
    "kube-scheduler-arg",
    "kube-cloud-controller-manager-arg",
    "kine-tls",
    "datastore-endpoint",
    "datastore-cafile",
    "datastore-certfile",
    "datastore-keyfile",
    "etcd-expose-metrics",
    "etcd-disable-snapshots",
    "etcd-snapshot-name",
    "etcd-snapshot-schedule-cron",
    "etcd-snapshot-retention",
    "etcd-snapshot-dir",
    "etcd-snapshot-compress",
    "etcd-s3",
    "etcd-s3-endpoint",
    "etcd-s3-endpoint-ca",
    "etcd-s3-skip-ssl-verify",
    "etcd-s3-access-key",
    "etcd-s3-secret-key",
    "etcd-s3-bucket",
    "etcd-s3-region",
    "etcd-s3-folder",
    "etcd-s3-proxy",
    "etcd-s3-config-secret",
    "etcd-s3-insecure",
    "etcd-s3-timeout",
    // k3s#12694, v1.33.4+k3s1 (see the header).
    "etcd-s3-retention",
    "default-local-storage-path",
    "disable",
    "disable-scheduler",
    "disable-cloud-controller",
    "disable-kube-proxy",
    "disable-network-policy",
    "disable-helm-controller",
    "disable-apiserver",
    "disable-controller-manager",
    "disable-etcd",
    "embedded-registry",
    "supervisor-metrics",
    "system-default-registry",
    "secrets-encryption",
    "disable-agent",
    // Hidden spellings `ServerFlags` still lists.
    "kube-controller-arg",
    "kube-cloud-controller-arg",
] as const;

/** One-letter aliases (`Name: "token,t"`), valid config keys for the commands that have the long flag. */
const ALIASES: Readonly<Record<string, string>> = {
    c: "config",
    l: "log",
    t: "token",
    s: "server",
    d: "data-dir",
    i: "node-ip",
    o: "write-kubeconfig",
};

export const K3S_FLAGS: Readonly<Record<K3sRole, ReadonlySet<string>>> = {
    server: new Set<string>([...SHARED, ...NODE, ...SERVER_ONLY]),
    agent: new Set<string>([...SHARED, ...NODE, ...AGENT_ONLY]),
};

/** True when `key` (optionally with the `+` append suffix) is a config-file key `k3s <role>` accepts. */
export function isK3sKey(role: K3sRole, key: string): boolean {
    const name = key.endsWith("+") ? key.slice(0, -1) : key;
    const long = ALIASES[name] ?? name;
    return K3S_FLAGS[role].has(long);
}

/** The keys of a k3s config object that `k3s <role>` of the pinned release would not accept, in input order. */
export function unknownK3sKeys(role: K3sRole, config: Record<string, unknown>): string[] {
    return Object.keys(config).filter((k) => !isK3sKey(role, k));
}

/** Throws naming the first unknown key: a builder that produced one has a bug, not the user's config. */
export function assertK3sKeys(role: K3sRole, config: Record<string, unknown>): void {
    const unknown = unknownK3sKeys(role, config);
    if (unknown.length > 0) {
        throw new Error(
            `k3s ${role} ${K3S_RELEASE} has no config key ${unknown.map((k) => `'${k}'`).join(", ")} ` +
                `(see core/k8s/k3sFlags.ts); k3s would ${role === "server" ? "skip it with a warning" : "refuse to start"}`,
        );
    }
}
