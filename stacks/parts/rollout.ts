/**
 * What a config edit does to the running hosts, as stack outputs the offline plan shows: the engine ignores
 * the protected servers' user data, so no preview would ever say that an edit stops short of the host.
 */
import { PROJECT_DIR, UNITS } from "../../core/render/base/paths";
import type { Hostnames } from "./edge";

export function phase1RolloutNotes(hostnames: Hostnames, osImage: string): string[] {
    return [
        "The app server is stateful: its user data, image, SSH keys and location are ignored after creation, so edits " +
            "to workload images, sizes, hostnames or the OS image do not reach it.",
        `The edge (DNS records, Origin CA certificate) follows the config at once: it now names ${hostnames.app} and ` +
            `${hostnames.api}; after a hostname edit the server keeps its old Caddy routes and certificate until it is rolled.`,
        `Roll a workload change: ssh to the server, copy the plan's files (npm run plan -- <stack> --out DIR) over ` +
            `${PROJECT_DIR} (compose.yaml, config/, bin/) and the systemd units, ` +
            `then \`systemctl daemon-reload && systemctl restart ${UNITS.compose}\`.`,
        `Roll everything (hostnames, OS image ${osImage}): take a backup, then \`pulumi up --replace <app server urn>\` ` +
            "after `pulumi state unprotect` of the server only; the Postgres volume stays protected and is re-attached.",
    ];
}
