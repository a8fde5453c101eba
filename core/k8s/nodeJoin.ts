/**
 * The two boot scripts of a k3s node: the node script, which finds this node's private address and writes the
 * per-node k3s keys, and the installer, which installs the pinned k3s release after it.
 *
 * Why a node script at all (research phase4-5 section 5): one user data serves every node of a pool, including
 * the servers the cluster-autoscaler creates, whose addresses nobody knows in advance; on Hetzner the private NIC
 * appears late, above all on autoscaled servers that are attached to the network after boot (hetzner-k3s #410);
 * and a node that registers with a non-Hetzner address (a tailscale 100.x) keeps the CCM's uninitialized taint
 * (hetzner-k3s #395). So the script waits, bounded, for an IPv4 inside the private subnet on an interface that is
 * not a VPN, bridge or CNI device, then writes `config.yaml.d/10-node.yaml`: `node-name` = the hostname (Hetzner
 * sets it to the server name, which the CCM and the autoscaler match nodes by), `node-ip` and `flannel-iface` = that
 * address and interface, `node-external-ip` = the public IPv4 if there is one, and on servers `advertise-address`
 * = the private address (k3s would otherwise advertise the external IP as the `kubernetes` service endpoint).
 *
 * cluster-init and server together (k3s `pkg/cluster/bootstrap.go`, `shouldBootstrapLoad`): when the datastore is
 * not initialised, `else if c.config.JoinURL == "" { // Not initialized, not joining - must be initializing
 * (cluster-init)`; otherwise ("Not initialized, but have a Join URL") k3s validates the token against the join URL
 * and joins. `cluster-init` only picks embedded etcd (`assignManagedDriver`: `ClusterInit || (Token != "" &&
 * JoinURL != "")`). So a server with both joins, and would never initialise a cluster whose join URL (the API load
 * balancer, with no server behind it yet) cannot answer: the first server's config therefore has `cluster-init`
 * only. Rebuilt later with an empty disk it would initialise a second cluster beside the running one. To make that
 * rebuild safe the first server's node script probes the join URL before k3s first starts (no etcd directory yet):
 * if a server of this cluster answers `/cacerts` with a certificate that verifies against this cluster's CA, it
 * writes `05-join.yaml` with `server: <join url>`, and by the rule above the rebuilt server joins. On the very
 * first boot nothing answers (the other servers can only join through it) and it initialises.
 */
import { bashScript, envSetting, shellQuote } from "../render/base/shell";
import { K3S_RELEASE } from "./k3sFlags";
import type { K3sRole } from "./k3sFlags";

export const K3S_CONFIG_PATH = "/etc/rancher/k3s/config.yaml";
export const K3S_DROPIN_DIR = `${K3S_CONFIG_PATH}.d`;
export const K3S_NODE_DROPIN = `${K3S_DROPIN_DIR}/10-node.yaml`;
export const K3S_JOIN_DROPIN = `${K3S_DROPIN_DIR}/05-join.yaml`;
/** The etcd S3 keys, copied here by the installer from SECRETS_DIR (k3s has no file flag for them). */
export const K3S_ETCD_S3_DROPIN = `${K3S_DROPIN_DIR}/20-etcd-s3.yaml`;
/** Present once this server's embedded etcd has data: after that a join URL changes nothing. */
export const K3S_ETCD_DIR = "/var/lib/rancher/k3s/server/db/etcd";

export const NODE_SCRIPT_PATH = "/usr/local/sbin/phase-stacks-k3s-node";
export const INSTALL_SCRIPT_PATH = "/usr/local/sbin/phase-stacks-k3s-install";

/** Interface name prefixes that never carry the Hetzner private network. */
export const IGNORED_INTERFACE_PREFIXES = [
    "lo",
    "tailscale",
    "wg",
    "docker",
    "br-",
    "veth",
    "cni",
    "flannel",
    "cilium",
    "kube-ipvs",
    "virbr",
    "zt",
] as const;

export const NIC_WAIT_DEFAULT_SECONDS = 300;

export interface NodeScriptSpec {
    readonly role: K3sRole;
    /** The private subnet (IPv4 CIDR) this node's pool lives in. */
    readonly privateSubnet: string;
    readonly waitSeconds?: number;
    /**
     * Only for the cluster-init server: the join URL to probe and the CA bundle (written by user data) a genuine
     * answer must verify against.
     */
    readonly joinProbe?: { readonly url: string; readonly caFile: string };
}

/**
 * Picks, from `ip -j -4 addr` JSON, the first address inside the subnet on a usable interface, and the first global
 * IPv4 (the public address) on a usable interface. Prints "iface ip [public]" or nothing.
 */
const PICK_ADDRESS_PY = [
    "import ipaddress, json, sys",
    "subnet = ipaddress.ip_network(sys.argv[1], strict=False)",
    "ignored = tuple(sys.argv[3].split())",
    "private = None",
    "public = None",
    'for link in json.loads(sys.argv[2] or "[]"):',
    '    name = link.get("ifname", "")',
    "    if name.startswith(ignored):",
    "        continue",
    '    for a in link.get("addr_info", []):',
    '        if a.get("family") != "inet":',
    "            continue",
    '        ip = ipaddress.ip_address(a.get("local", "0.0.0.0"))',
    "        if private is None and ip in subnet:",
    "            private = (name, str(ip))",
    "        elif public is None and ip.is_global:",
    "            public = str(ip)",
    "if private:",
    '    print(private[0], private[1], public or "")',
].join("\n");

/**
 * The node script. Every path and the address listing can be overridden from the environment, which is how the
 * tests run it in a sandbox: PHASE_STACKS_DROPIN_DIR, PHASE_STACKS_NIC_WAIT_SECONDS, PHASE_STACKS_NIC_WAIT_INTERVAL,
 * PHASE_STACKS_NODE_HOSTNAME (instead of `hostname`), PHASE_STACKS_IP_ADDR_JSON (a file with `ip -j -4 addr` output),
 * PHASE_STACKS_ETCD_DIR, PHASE_STACKS_JOIN_PROBE_TRIES, PHASE_STACKS_JOIN_URL, PHASE_STACKS_JOIN_CA.
 *
 * The override names carry no digit (not `K3S_...`): `"${K3S_NODE_SUBNET:-$subnet_default}"` has upper and lower case,
 * a digit and symbols in one word, which the secrets policy's entropy check (policies/secrets/detect.ts,
 * `looksLikeSymbolPassword`) reads as a password. They also stay clear of k3s's own `K3S_*` variables, which its
 * install script copies into the service's environment file.
 */
export function renderNodeScript(spec: NodeScriptSpec): string {
    const wait = spec.waitSeconds ?? NIC_WAIT_DEFAULT_SECONDS;
    if (!Number.isInteger(wait) || wait < 1)
        throw new Error("the NIC wait must be a positive number of seconds");
    if (spec.joinProbe && spec.role !== "server") throw new Error("only a server probes the join URL");
    const server = spec.role === "server";
    const body: string[] = [
        ...envSetting("PHASE_STACKS_NODE_SUBNET", spec.privateSubnet, "subnet"),
        ...envSetting("PHASE_STACKS_DROPIN_DIR", K3S_DROPIN_DIR, "dropin_dir"),
        ...envSetting("PHASE_STACKS_NIC_WAIT_SECONDS", wait, "wait_seconds"),
        ...envSetting("PHASE_STACKS_NIC_WAIT_INTERVAL", 2, "wait_interval"),
        `readonly ignored=${shellQuote(IGNORED_INTERFACE_PREFIXES.join(" "))}`,
        `readonly pick=${shellQuote(PICK_ADDRESS_PY)}`,
        "",
        "list_addresses() {",
        '    if [[ -n "${PHASE_STACKS_IP_ADDR_JSON:-}" ]]; then',
        '        cat "$PHASE_STACKS_IP_ADDR_JSON"',
        "    else",
        "        ip -j -4 addr show",
        "    fi",
        "}",
        "",
        "deadline=$((SECONDS + wait_seconds))",
        'found=""',
        "while :; do",
        '    found="$(python3 -c "$pick" "$subnet" "$(list_addresses)" "$ignored")"',
        '    if [[ -n "$found" ]]; then',
        "        break",
        "    fi",
        "    if ((SECONDS >= deadline)); then",
        '        echo "phase-stacks-k3s-node: no interface has an IPv4 address in $subnet after ${wait_seconds}s (ignoring $ignored); is the server attached to the private network?" >&2',
        "        exit 1",
        "    fi",
        '    sleep "$wait_interval"',
        "done",
        'read -r iface node_ip public_ip <<<"$found"',
        "",
        'node_name="${PHASE_STACKS_NODE_HOSTNAME:-$(hostname)}"',
        "if [[ ! $node_name =~ ^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$ ]]; then",
        "    echo \"phase-stacks-k3s-node: hostname '$node_name' is not a valid Kubernetes node name\" >&2",
        "    exit 1",
        "fi",
        "",
        'mkdir -p "$dropin_dir"',
        // Not *.yaml: k3s reads only .yaml/.yml drop-ins, so a half-written file is never merged.
        'tmp="$(mktemp "$dropin_dir/.10-node.XXXXXX")"',
        "{",
        '    echo "# Written at boot by phase-stacks-k3s-node: this node\'s name and addresses."',
        '    echo "node-name: \\"$node_name\\""',
        '    echo "node-ip: \\"$node_ip\\""',
        '    echo "flannel-iface: \\"$iface\\""',
        ...(server ? ['    echo "advertise-address: \\"$node_ip\\""'] : []),
        '    if [[ -n "$public_ip" ]]; then',
        '        echo "node-external-ip: \\"$public_ip\\""',
        "    fi",
        '} >"$tmp"',
        'chmod 0600 "$tmp"',
        'mv "$tmp" "$dropin_dir/10-node.yaml"',
        'echo "phase-stacks-k3s-node: $node_name uses $node_ip on $iface${public_ip:+, external $public_ip}"',
    ];
    if (spec.joinProbe) {
        body.push(
            "",
            ...envSetting("PHASE_STACKS_JOIN_URL", spec.joinProbe.url, "join_url"),
            ...envSetting("PHASE_STACKS_JOIN_CA", spec.joinProbe.caFile, "join_ca"),
            ...envSetting("PHASE_STACKS_ETCD_DIR", K3S_ETCD_DIR, "etcd_dir"),
            ...envSetting("PHASE_STACKS_JOIN_PROBE_TRIES", 6, "probe_tries"),
            "# First start of this server (no etcd data): join a cluster that already answers, never start a second one.",
            'if [[ ! -d "$etcd_dir" ]]; then',
            "    for ((try = 1; try <= probe_tries; try++)); do",
            '        if curl -fsS --max-time 5 --cacert "$join_ca" -o /dev/null "$join_url/cacerts"; then',
            '            printf \'# Written by phase-stacks-k3s-node: a cluster already answers, so join it.\\nserver: "%s"\\n\' "$join_url" >"$dropin_dir/05-join.yaml"',
            '            chmod 0600 "$dropin_dir/05-join.yaml"',
            '            echo "phase-stacks-k3s-node: $join_url answers with this cluster\'s CA; joining instead of initialising"',
            "            exit 0",
            "        fi",
            "        if ((try < probe_tries)); then",
            '            sleep "$wait_interval"',
            "        fi",
            "    done",
            '    echo "phase-stacks-k3s-node: nothing answers at $join_url; this server initialises the cluster"',
            "fi",
        );
    }
    return bashScript(
        [
            "Waits for this node's private IPv4 and writes the per-node k3s keys into config.yaml.d before k3s starts.",
            "Runs on every boot (phase-stacks-k3s-node.service, before k3s).",
        ],
        body,
    );
}

/** The install script URL at the pinned tag; `+` must be escaped in a URL path. */
export function k3sInstallScriptUrl(release: string = K3S_RELEASE): string {
    return `https://raw.githubusercontent.com/k3s-io/k3s/${encodeURIComponent(release)}/install.sh`;
}

/** A credential user data delivers under SECRETS_DIR, and where k3s wants it: the installer copies it there. */
export interface PlacedSecret {
    /** Absolute path of the delivered file, under SECRETS_DIR. */
    readonly from: string;
    /** Absolute path k3s reads (its TLS directory, manifests directory or `config.yaml.d/`). */
    readonly to: string;
}

/**
 * Downloads the install script at the pinned tag and runs it with INSTALL_K3S_VERSION, which makes it fetch that
 * release's binary and check it against the release's sha256sum file. It refuses to run before the node script has
 * written the node's keys: a k3s started without them would register with whatever address it guesses.
 *
 * Before that it copies each of `placed` from SECRETS_DIR to where k3s reads it (`install -D -m 0600`): the CA keys
 * and service.key, Secret manifests and the etcd S3 drop-in, which k3s has no `*-file` flag for. Only on the first
 * boot (cloud-init's runcmd), like the write_files it replaces: a later boot never overwrites a CA k3s has rotated.
 * PHASE_STACKS_ROOT (empty on a host) prefixes every path, which is how the tests run it in a sandbox.
 */
export function renderInstallScript(
    role: K3sRole,
    placed: readonly PlacedSecret[] = [],
    release: string = K3S_RELEASE,
): string {
    for (const p of placed) {
        if (!p.from.startsWith("/") || !p.to.startsWith("/"))
            throw new Error(`secret placement '${p.from}' -> '${p.to}' needs absolute paths`);
    }
    return bashScript(
        [`Installs k3s ${release} (${role}) from the release's own install script, after the node script.`],
        [
            ...envSetting("PHASE_STACKS_ROOT", "", "root"),
            `readonly node_dropin="$root"${shellQuote(K3S_NODE_DROPIN)}`,
            `readonly release=${shellQuote(release)}`,
            `readonly url=${shellQuote(k3sInstallScriptUrl(release))}`,
            'if [[ ! -s "$node_dropin" ]]; then',
            '    echo "phase-stacks-k3s-install: $node_dropin is missing; phase-stacks-k3s-node.service must succeed first" >&2',
            "    exit 1",
            "fi",
            ...(placed.length > 0
                ? [
                      "# Credentials arrive under the secrets directory; k3s reads them from its own paths.",
                      "place() {",
                      '    install -D -m 0600 "$root$1" "$root$2"',
                      "}",
                      ...placed.map((p) => `place ${shellQuote(p.from)} ${shellQuote(p.to)}`),
                  ]
                : []),
            'installer="$(mktemp)"',
            "trap 'rm -f \"$installer\"' EXIT",
            "for attempt in 1 2 3; do",
            '    if curl -fsSL --proto "=https" --retry 10 --retry-delay 5 --retry-all-errors -o "$installer" "$url" &&',
            `        INSTALL_K3S_VERSION="$release" INSTALL_K3S_EXEC=${shellQuote(role)} sh "$installer"; then`,
            "        exit 0",
            "    fi",
            '    echo "phase-stacks-k3s-install: attempt $attempt failed; retrying in 30s" >&2',
            "    sleep 30",
            "done",
            'echo "phase-stacks-k3s-install: k3s $release was not installed" >&2',
            "exit 1",
        ],
    );
}
