/** The systemd unit that runs a host's Docker Compose project after docker, the metadata block and its volumes. */
import type { RenderedFile } from "../base/artifact";
import {
    DOCKER_COMPOSE,
    HOST_PATHS,
    PROJECT_DIR,
    SECRET_PATHS,
    TEXTFILE_COLLECTOR_DIR,
    UNITS,
} from "../base/paths";
import { isLocal, type HostPlacement } from "../../topology/placement";
import { unitFile } from "../base/systemd";
import { SERVICE_NAMES, type ServiceName } from "../../workload/services";
import { RUNTIME } from "../../workload/runtime";
/** On the app host these read their secrets from the env file, which Docker reads as root. */
const ENV_FILE_READERS: ReadonlySet<ServiceName> = new Set(["api", "worker", "crawler"]);

/**
 * The secret files a service's own user reads: the unit chowns them to it (they stay 0600). Services sharing a
 * file (Postgres and its exporter) must run as one uid, or the second chown would lock the first out.
 */
export function secretFileOwners(
    placement: HostPlacement,
): { readonly path: string; readonly uid: number }[] {
    const owners = new Map<string, { uid: number; service: ServiceName }>();
    for (const n of SERVICE_NAMES.filter((s) => isLocal(placement, s) && !ENV_FILE_READERS.has(s)))
        for (const secret of RUNTIME[n].secrets) {
            const path = SECRET_PATHS[secret];
            const { uid } = RUNTIME[n].user;
            const first = owners.get(path);
            if (first && first.uid !== uid)
                throw new Error(
                    `RUNTIME.${n}.user.uid (${uid}) differs from RUNTIME.${first.service}.user.uid (${first.uid}), but both read ${path}, which only one owner can read`,
                );
            owners.set(path, first ?? { uid, service: n });
        }
    return [...owners].map(([path, { uid }]) => ({ path, uid }));
}

export function renderComposeUnit(placement: HostPlacement, mountPoints: readonly string[]): RenderedFile {
    const compose = `/usr/bin/${DOCKER_COMPOSE.join(" ")}`;
    return unitFile(UNITS.compose, {
        Unit: {
            Description: "phase-stacks services (Docker Compose)",
            // Wants, never Requires: Requires would carry every docker restart (an upgrade, which PartOf also passes
            // to the metadata block) over to this unit and recreate all containers; live-restore keeps them running.
            Wants: ["docker.service", "network-online.target", UNITS.metadataBlock],
            After: ["docker.service", "network-online.target", UNITS.metadataBlock],
            RequiresMountsFor: mountPoints.length > 0 ? [...mountPoints] : undefined,
            // Without a mounted volume, Docker would create the bind source on the root disk and Postgres would init there.
            AssertPathIsMountPoint: mountPoints.length > 0 ? [...mountPoints] : undefined,
        },
        Service: {
            Type: "oneshot",
            RemainAfterExit: true,
            WorkingDirectory: PROJECT_DIR,
            ExecStartPre: [
                // No container starts unless the metadata service is blocked (the script is idempotent).
                HOST_PATHS.metadataBlockScript,
                // Images whose process reads its secret file itself need to own it (the file stays 0600).
                ...secretFileOwners(placement).map((o) => `/usr/bin/chown ${o.uid} ${o.path}`),
                // The source of the node exporter's textfile bind; -p leaves an existing one, and the owner a backup
                // unit's StateDirectory= gave it, as it is.
                `/usr/bin/mkdir -p ${TEXTFILE_COLLECTOR_DIR}`,
                // Volumes exist from here on, but no container has started: hand them to the services' users.
                `${compose} create`,
                HOST_PATHS.stateOwnersScript,
            ],
            ExecStart: `${compose} up -d --remove-orphans`,
            ExecStop: `${compose} down`,
            // First start pulls every image.
            TimeoutStartSec: "20min",
        },
        Install: { WantedBy: "multi-user.target" },
    });
}
