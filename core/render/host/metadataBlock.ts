/**
 * Keeps containers away from the Hetzner metadata service at 169.254.169.254, which serves this server's user
 * data (and with it the files under SECRETS_DIR). Non-root host processes are blocked too; cloud-init runs as root.
 * Docker hosts use renderMetadataBlock, k3s nodes renderK3sMetadataBlock.
 */
import type { RenderedFile } from "../base/artifact";
import { HOST_PATHS, UNITS } from "../base/paths";
import { bashScript } from "../base/shell";
import { unitFile } from "../base/systemd";

const METADATA_SERVICE = "169.254.169.254/32";

/**
 * Where untrusted agent containers must never open a connection: the private network (Postgres, Redis and
 * PgBouncer live there from phase 2 on), every other private and carrier-grade NAT range, and link-local.
 */
export const CONTAINER_DENIED_RANGES: readonly string[] = [
    "10.0.0.0/8",
    "172.16.0.0/12",
    "192.168.0.0/16",
    "100.64.0.0/10",
    "169.254.0.0/16",
];

export interface MetadataBlockOptions {
    /**
     * Agent hosts run other people's code: containers may not start connections to CONTAINER_DENIED_RANGES
     * (replies to connections made to them still flow). Hosts whose containers reach the data tier leave it off.
     */
    readonly isolateContainers?: boolean;
}

function isolationLines(): string[] {
    return [
        "",
        "# New connections from container bridges to private and link-local ranges are refused (agent hosts only).",
        `for range in ${CONTAINER_DENIED_RANGES.join(" ")}; do`,
        "    for bridge in docker0 br-+; do",
        '        rule=(-i "$bridge" -d "$range" -m conntrack --ctstate NEW -j REJECT)',
        '        iptables -w -C DOCKER-USER "${rule[@]}" 2>/dev/null || iptables -w -I DOCKER-USER "${rule[@]}"',
        "    done",
        "done",
    ];
}

/** Non-root host processes may not open connections to the metadata service; root (cloud-init) still can. */
const OUTPUT_RULE_LINES: readonly string[] = [
    'iptables -w -C OUTPUT -d "$metadata" -m owner ! --uid-owner 0 -j REJECT 2>/dev/null ||',
    '    iptables -w -I OUTPUT -d "$metadata" -m owner ! --uid-owner 0 -j REJECT',
];

function renderMetadataBlockScript(options: MetadataBlockOptions): string {
    return bashScript(
        [
            "Blocks the Hetzner metadata service for containers (DOCKER-USER) and non-root host processes (OUTPUT).",
            "Idempotent: each rule is checked (-C) before it is inserted.",
        ],
        [
            `readonly metadata=${METADATA_SERVICE}`,
            "",
            "# dockerd keeps an existing DOCKER-USER chain and jumps to it from FORWARD; creating it here, before dockerd",
            "# starts, leaves no window in which containers restarted at boot can reach the metadata service.",
            "iptables -w -n -L DOCKER-USER >/dev/null 2>&1 || iptables -w -N DOCKER-USER",
            'iptables -w -C DOCKER-USER -d "$metadata" -j REJECT 2>/dev/null || iptables -w -I DOCKER-USER -d "$metadata" -j REJECT',
            ...OUTPUT_RULE_LINES,
            ...(options.isolateContainers ? isolationLines() : []),
        ],
    );
}

export function renderMetadataBlock(options: MetadataBlockOptions = {}): RenderedFile[] {
    return [
        {
            path: HOST_PATHS.metadataBlockScript,
            content: renderMetadataBlockScript(options),
            kind: "shell",
            permissions: "0755",
        },
        unitFile(UNITS.metadataBlock, {
            Unit: {
                Description: "Block the Hetzner metadata service for containers and non-root processes",
                // Before dockerd, so the rule exists when it restarts containers; PartOf and WantedBy re-apply it
                // whenever docker.service (re)starts.
                Before: "docker.service",
                PartOf: "docker.service",
            },
            Service: { Type: "oneshot", RemainAfterExit: true, ExecStart: HOST_PATHS.metadataBlockScript },
            Install: { WantedBy: ["docker.service", "multi-user.target"] },
        }),
    ];
}

/**
 * Where pods' packets enter the host on a k3s node: flannel's bridge, and its vxlan device for traffic from other
 * nodes' pods.
 */
export const K3S_POD_INTERFACES: readonly string[] = ["cni0", "flannel.1"];
/** The units k3s's installer creates for a server and an agent. */
const K3S_UNITS = "k3s.service k3s-agent.service";

/**
 * The k3s variant. Pods reach 169.254.169.254 through the host: their packets come in on K3S_POD_INTERFACES and
 * are forwarded, so new connections from those interfaces to the metadata service are dropped there.
 *
 * Why the mangle table's FORWARD and DROP, not the filter table's FORWARD and REJECT: in filter FORWARD an earlier
 * ACCEPT ends the chain, and k3s puts one above anything inserted before it starts. Its embedded kube-router
 * network policy controller keeps its `KUBE-ROUTER-FORWARD` jump at position 1 of FORWARD (re-inserting it there on
 * every sync), runs every local pod's egress through a per-pod chain that marks policy-compliant traffic 0x20000,
 * and ends KUBE-ROUTER-FORWARD with `-m mark --mark 0x20000/0x20000 -j ACCEPT` ("rule to explicitly ACCEPT traffic
 * that comply to network policies"); a pod without any NetworkPolicy complies by default, so its packets to
 * 169.254.169.254 are accepted before a rule of ours in filter FORWARD is ever seen. flannel's FLANNEL-FWD accepts
 * `-s <cluster CIDR>` as well. kube-proxy's KUBE-FORWARD accepts RELATED,ESTABLISHED and its masquerade mark, which a
 * pod cannot aim at 169.254.169.254 (EndpointSlices refuse link-local addresses). None of them writes the mangle
 * table's FORWARD chain (kube-proxy keeps only a canary chain in mangle, flannel uses nat and filter, kube-router
 * filter), and the kernel runs mangle before filter at the forward hook: a DROP there is final whatever filter
 * accepts afterwards, with either iptables backend. REJECT is only valid in the filter table, so clients in pods
 * time out (hcloud-go's metadata client after 5 s) instead of being refused.
 *
 * The OUTPUT rule is the Docker hosts' one: it also covers hostNetwork pods that run as non-root. Root host
 * processes are not blocked: k3s, cloud-init, and hostNetwork pods running as root still reach the service.
 * Nothing else is blocked. The hcloud CSI node plugin reads its server ID from the metadata service, so it must run
 * on the host network as root (chart value `node.hostNetwork: true`); the hcloud CCM checks its network attachment
 * there unless HCLOUD_NETWORK_DISABLE_ATTACHED_CHECK is set, and runs as uid 65532.
 */
function renderK3sMetadataBlockScript(): string {
    return bashScript(
        [
            "Blocks the Hetzner metadata service for pods (mangle FORWARD) and non-root host processes (OUTPUT).",
            "Idempotent: each rule is checked (-C) before it is inserted.",
        ],
        [
            `readonly metadata=${METADATA_SERVICE}`,
            "",
            `for iface in ${K3S_POD_INTERFACES.join(" ")}; do`,
            '    rule=(-i "$iface" -d "$metadata" -m conntrack --ctstate NEW -j DROP)',
            '    iptables -w -t mangle -C FORWARD "${rule[@]}" 2>/dev/null || iptables -w -t mangle -I FORWARD "${rule[@]}"',
            "done",
            ...OUTPUT_RULE_LINES,
        ],
    );
}

/**
 * The script and its oneshot unit for k3s servers and agents. It runs before k3s (the rules exist before any pod
 * starts, also on reboots), and PartOf with WantedBy re-apply it whenever k3s is restarted, or stopped and started:
 * k3s's install.sh pipes `iptables-save | grep -v KUBE- | grep -iv flannel` into iptables-restore right before its
 * `systemctl restart`, and k3s-killall.sh does the same after stopping k3s, which drops the flannel.1 rule each time.
 * The unit is Wanted, not Required: a failed block leaves k3s running, as on Docker hosts.
 */
export function renderK3sMetadataBlock(): RenderedFile[] {
    return [
        {
            path: HOST_PATHS.metadataBlockScript,
            content: renderK3sMetadataBlockScript(),
            kind: "shell",
            permissions: "0755",
        },
        unitFile(UNITS.metadataBlock, {
            Unit: {
                Description: "Block the Hetzner metadata service for pods and non-root processes",
                Before: K3S_UNITS,
                PartOf: K3S_UNITS,
            },
            Service: { Type: "oneshot", RemainAfterExit: true, ExecStart: HOST_PATHS.metadataBlockScript },
            Install: { WantedBy: [...K3S_UNITS.split(" "), "multi-user.target"] },
        }),
    ];
}
