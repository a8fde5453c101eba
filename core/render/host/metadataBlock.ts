/**
 * Keeps containers away from the Hetzner metadata service at 169.254.169.254, which serves this server's user
 * data (and with it the files under SECRETS_DIR). Non-root host processes are blocked too; cloud-init runs as root.
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
            'iptables -w -C OUTPUT -d "$metadata" -m owner ! --uid-owner 0 -j REJECT 2>/dev/null ||',
            '    iptables -w -I OUTPUT -d "$metadata" -m owner ! --uid-owner 0 -j REJECT',
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
