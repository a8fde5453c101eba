/**
 * Keeps containers away from the Hetzner metadata service at 169.254.169.254, which serves this server's user
 * data (and with it the files under SECRETS_DIR). Non-root host processes are blocked too; cloud-init runs as root.
 */
import type { RenderedFile } from "./artifact";
import { HOST_PATHS, UNITS } from "./paths";
import { bashScript } from "./shell";
import { unitFile } from "./systemd";

const METADATA_SERVICE = "169.254.169.254/32";

function renderMetadataBlockScript(): string {
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
        ],
    );
}

export function renderMetadataBlock(): RenderedFile[] {
    return [
        {
            path: HOST_PATHS.metadataBlockScript,
            content: renderMetadataBlockScript(),
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
