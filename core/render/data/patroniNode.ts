/**
 * What Patroni needs on a database node besides its patroni.yml: the unit that runs it as postgres with its secrets
 * handed over by systemd, and the softdog watchdog. The watchdog is the fence: a Patroni that hangs while its
 * PostgreSQL is primary stops feeding /dev/watchdog, and the kernel resets the host before the leader key (and so
 * another node's promotion) can expire.
 */
import type { RenderedFile } from "../base/artifact";
import { SECRETS_DIR } from "../base/artifact";
import { SECRET_PATHS } from "../base/paths";
import { unitFile } from "../base/systemd";
import { secretFile } from "../app/secrets";
import { CLUSTER_TLS } from "./clusterTls";
import { DATA_SECRETS } from "./dataLayout";
import { renderPatroniYml, type PatroniNodeSpec } from "./patroni";

export const PATRONI_UNIT = "phase-stacks-patroni.service";
export const PATRONI_CONFIG_SECRET = `${SECRETS_DIR}/patroni.yml`;
/** Where the post-bootstrap script finds its passwords inside the unit. */
export const PATRONI_CREDENTIAL = (name: string) => `/run/credentials/${PATRONI_UNIT}/${name}`;

export const WATCHDOG_FILES = {
    module: "/etc/modules-load.d/phase-stacks-softdog.conf",
    udevRule: "/etc/udev/rules.d/61-phase-stacks-watchdog.rules",
} as const;

/** Patroni opens /dev/watchdog as postgres: the rule hands the device to it when softdog creates it. */
export function renderWatchdogFiles(): RenderedFile[] {
    return [
        { path: WATCHDOG_FILES.module, content: "softdog\n", kind: "text", permissions: "0644" },
        {
            path: WATCHDOG_FILES.udevRule,
            content: 'KERNEL=="watchdog", OWNER="postgres", GROUP="postgres", MODE="0600"\n',
            kind: "text",
            permissions: "0644",
        },
    ];
}

export function renderPatroniNode(
    spec: PatroniNodeSpec,
    host: { readonly mountPoint: string },
): RenderedFile[] {
    return [
        secretFile(PATRONI_CONFIG_SECRET, renderPatroniYml(spec), "text"),
        ...renderWatchdogFiles(),
        unitFile(PATRONI_UNIT, {
            Unit: {
                Description: `phase-stacks Patroni member ${spec.name} of ${spec.scope} (runs PostgreSQL)`,
                Wants: "network-online.target",
                After: `network-online.target systemd-udev-settle.service`,
                RequiresMountsFor: host.mountPoint,
                AssertPathIsMountPoint: host.mountPoint,
            },
            Service: {
                Type: "simple",
                User: "postgres",
                LoadCredential: [
                    `patroni.yml:${PATRONI_CONFIG_SECRET}`,
                    ...CLUSTER_TLS.credentials,
                    `postgres-password:${SECRET_PATHS.postgresPassword}`,
                    `replication-password:${DATA_SECRETS.replicationPassword}`,
                    `backup.env:${SECRET_PATHS.backupEnv}`,
                ],
                // archive_command runs under PostgreSQL, which Patroni starts with this environment.
                Environment: ["PHASE_STACKS_BACKUP_ENV=%d/backup.env"],
                ExecStartPre: `+/usr/bin/install -d -o postgres -g postgres -m 0700 ${spec.dataDir}`,
                ExecStart: "/usr/bin/patroni %d/patroni.yml",
                ExecReload: "/bin/kill -HUP $MAINPID",
                // Patroni stops PostgreSQL itself (and demotes first); systemd must not kill the postmaster under it.
                KillMode: "process",
                TimeoutStopSec: "120s",
                Restart: "on-failure",
                RestartSec: "5s",
            },
            Install: { WantedBy: "multi-user.target" },
        }),
    ];
}
