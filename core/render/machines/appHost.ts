/**
 * Everything the phase-1 app server receives: every service of the workload as one Compose project behind
 * Caddy, monitoring, Postgres on its Volume with daily off-site dumps, and the host hardening, as the files it
 * gets and the cloud-config (user data) that writes them at first boot.
 */
import type { Phase } from "../../phases";
import type { ServiceName } from "../../workload/services";
import type { ResolvedWorkload } from "../../config/ports";
import type { RenderedFile } from "../base/artifact";
import { renderBackup, type BackupTarget } from "../data/backup";
import { renderOriginCaddyConfig } from "../app/caddy";
import { renderCloudConfig } from "../base/cloudInit";
import { renderCompose, type ComposeSpec } from "../app/compose";
import { renderComposeUnit } from "../app/composeUnit";
import { renderStateOwnersScript } from "../app/stateOwners";
import { renderVolumeMount } from "../data/dataVolume";
import { renderDockerDaemon } from "../host/dockerDaemon";
import { HOST_START_STEPS, renderHardening } from "../host/hardening";
import { renderMetadataBlock } from "../host/metadataBlock";
import { COMPOSE_FILE, HOST_PATHS, UNITS } from "../base/paths";
import { ALL_LOCAL, serviceDnsName } from "../../topology/placement";
import {
    alertmanagerFile,
    blackboxFile,
    grafanaDashboardHostFiles,
    grafanaDatasourceFile,
    prometheusFiles,
    type PrometheusInputs,
} from "../monitoring/monitoring";
import type { AlertReceiverSpec } from "../monitoring/alertmanager";
import { uptimeTargets } from "../monitoring/uptime";
import { renderRedisConfig } from "../app/redis";
import { renderSecretFiles } from "../app/secrets";
import { telemetryFiles } from "../monitoring/telemetry";

export interface AppHostSpec {
    readonly stack: string;
    /** The phase whose scaling alerts this host's Prometheus evaluates; this is the phase-1 host by default. */
    readonly phase?: Phase;
    readonly workload: ResolvedWorkload;
    /** docker `mem_reservation` per service, MiB. */
    readonly reservationsMb: Readonly<Record<ServiceName, number>>;
    readonly hostnames: { readonly app: string; readonly api: string; readonly write?: string };
    readonly postgres: {
        readonly database: string;
        readonly user: string;
        readonly volumeDevice: string;
        readonly mountPoint: string;
    };
    readonly backup: BackupTarget;
    readonly secrets: AppHostSecrets;
    /** What its Prometheus scrapes beyond this host: phase 1's agent hosts. */
    readonly prometheus?: PrometheusInputs;
    /** Where Alertmanager sends alerts; undefined keeps them in its UI. */
    readonly alertReceiver?: AlertReceiverSpec;
}

export interface AppHostSecrets {
    readonly postgresPassword: string;
    readonly redisPassword: string;
    readonly meiliMasterKey: string;
    readonly grafanaAdminPassword: string;
    readonly backupAccessKeyId: string;
    readonly backupSecretAccessKey: string;
    readonly originCertPem: string;
    readonly originKeyPem: string;
    readonly alertReceiverCredential: string;
}

/** Ubuntu 24.04 packages; python3-systemd lets fail2ban read sshd's journal. */
export const APP_HOST_PACKAGES: readonly string[] = [
    "docker.io",
    "docker-compose-v2",
    "fail2ban",
    "python3-systemd",
    "unattended-upgrades",
    "rclone",
];

/** SvelteKit and Vite put content-hashed assets here. */

function assertHostname(field: string, name: string): void {
    // Labels of letters, digits and inner hyphens; the last starts with a letter (covers IDN `xn--` TLDs).
    if (!/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]([a-z0-9-]{0,61}[a-z0-9])?$/.test(name))
        throw new Error(`hostnames.${field} '${name}' is not a lowercase DNS name`);
}

function assertPgIdentifier(field: string, value: string): void {
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(value))
        throw new Error(`postgres.${field} '${value}' must be a lowercase identifier (letters, digits, '_')`);
}

export function renderAppHost(spec: AppHostSpec): {
    readonly files: RenderedFile[];
    readonly cloudConfig: string;
} {
    assertHostname("app", spec.hostnames.app);
    assertHostname("api", spec.hostnames.api);
    assertPgIdentifier("database", spec.postgres.database);
    assertPgIdentifier("user", spec.postgres.user);
    const { workload, secrets: s } = spec;
    const placement = ALL_LOCAL;
    const pg = { database: spec.postgres.database, user: spec.postgres.user };
    const phase = spec.phase ?? "phase1";

    const caddy = renderOriginCaddyConfig(spec.hostnames, workload, placement);
    const composeSpec: ComposeSpec = {
        workload,
        reservationsMb: spec.reservationsMb,
        placement,
        hostnames: spec.hostnames,
        postgres: { ...pg, dataDir: spec.postgres.mountPoint },
        // The monitoring network is internal: Prometheus reads the agent hosts through the edge network.
        ...((spec.prometheus?.agentHosts?.length ?? 0) > 0 ? { egress: ["prometheus"] as const } : {}),
    };
    const compose = renderCompose(composeSpec);

    const files: RenderedFile[] = [
        { path: COMPOSE_FILE, content: compose, kind: "compose", permissions: "0644" },
        { path: HOST_PATHS.caddyConfig, content: caddy, kind: "caddy", permissions: "0644" },
        ...prometheusFiles(spec.stack, phase, workload, placement, {
            ...spec.prometheus,
            // The origin is the proxy beside the exporter, on the compose network they share.
            uptime: uptimeTargets(spec.hostnames, workload, [serviceDnsName("proxy")]),
        }),
        alertmanagerFile(spec.alertReceiver),
        blackboxFile(),
        grafanaDatasourceFile(workload, placement),
        ...grafanaDashboardHostFiles(phase),
        ...telemetryFiles({ stack: spec.stack, host: "app", phase, workload, placement }),
        {
            path: HOST_PATHS.redisConfig,
            content: renderRedisConfig(workload.redis.memoryMb),
            kind: "redis-conf",
            permissions: "0644",
        },
        ...renderSecretFiles({ workload, placement, postgres: pg, secrets: s }),
        ...renderBackup({
            stack: spec.stack,
            ...spec.backup,
            postgres: pg,
            credentials: { accessKeyId: s.backupAccessKeyId, secretAccessKey: s.backupSecretAccessKey },
        }),
        renderVolumeMount(spec.postgres.volumeDevice, spec.postgres.mountPoint),
        ...renderMetadataBlock(),
        renderStateOwnersScript(composeSpec),
        renderComposeUnit(placement, [spec.postgres.mountPoint]),
        renderDockerDaemon(),
        ...renderHardening(),
    ];

    const cloudConfig = renderCloudConfig({
        packages: APP_HOST_PACKAGES,
        files,
        // Packages are installed by now (write_files ran before them, so docker and fail2ban started with our config).
        runcmd: [
            ...HOST_START_STEPS,
            ["systemctl", "enable", "--now", UNITS.backupTimer],
            // --no-block: the unit may wait minutes for the Volume to attach; cloud-init need not wait with it.
            ["systemctl", "enable", "--now", "--no-block", UNITS.compose],
        ],
    });
    return { files, cloudConfig };
}
