/**
 * The data tier's daemons on one database node, outside Docker: PostgreSQL (primary, or a streaming replica
 * cloned from it) on the node's Volume, PgBouncer, Redis (primary or replica), a Sentinel, the role health
 * responder, the point-in-time backups and, on Patroni nodes, postgres_exporter for the region's Prometheus. They run from Ubuntu's packages under systemd units of our own:
 * replication, promotion and Sentinel announce the host's private address, which Docker's NAT would hide, and
 * the integration tests run these very configs and scripts with Debian's binaries. Phase 2's data server is
 * this node alone (a primary with no replica); phase 3 adds replicas.
 */
import type { ResolvedWorkload } from "../../config/ports";
import type { RenderedFile } from "../base/artifact";
import type { BackupTarget } from "./backup";
import { renderBackupEnv } from "./backup";
import { renderVolumeMount } from "./dataVolume";
import { SECRET_PATHS } from "../base/paths";
import { renderPgPass, renderPrimaryInit, renderPrimaryPrepare, renderReplicaClone } from "./pgBootstrap";
import { renderPgbouncerConfig, renderPgbouncerUserlist } from "./pgbouncer";
import { renderPgHba } from "./pgHba";
import { renderPostgresConf } from "./postgresConf";
import { renderRoleHealth } from "./roleHealth";
import { secretFile } from "../app/secrets";
import { renderRedisNodeConf } from "./sentinel";
import { PITR_PATHS, PITR_UNITS, renderPitr } from "./walArchive";
import { HA_PACKAGES, HA_UNITS, renderHaPostgres, type HaPostgresSpec as HaSpec } from "./haPostgres";
import { PATRONI_UNIT } from "./patroniNode";
import { POSTGRES_EXPORTER, renderPostgresExporter } from "../monitoring/postgresExporter";
import { REDIS_EXPORTER, renderRedisExporter } from "../monitoring/redisExporter";

import {
    DATA_PACKAGES,
    DATA_PATHS,
    DATA_SECRETS,
    DATA_UNITS,
    PG_BIN,
    PG_SOCKET_DIR,
    REPLICATION_USER,
} from "./dataLayout";
import { pgbouncerUnit, postgresUnit, redisUnit, renderSentinelFiles } from "./dataUnits";

// Stacks and tests import these from here; they live beside their users.
export { DATA_UNITS } from "./dataLayout";
export { renderSentinelFiles, SENTINEL_TIMING } from "./dataUnits";

export interface DataNodeSecrets {
    readonly postgresPassword: string;
    readonly replicationPassword: string;
    readonly redisPassword: string;
    readonly backupAccessKeyId: string;
    readonly backupSecretAccessKey: string;
}

export interface DataNodeSpec {
    readonly stack: string;
    readonly workload: ResolvedWorkload;
    readonly nodeName: string;
    readonly privateIp: string;
    readonly subnetCidr: string;
    /** Absent on the primary; a replica clones this address. */
    readonly primaryIp?: string;
    readonly replicaNames: readonly string[];
    readonly synchronous: boolean;
    readonly maxSlotWalKeepSizeGb: number;
    readonly postgres: {
        readonly database: string;
        readonly user: string;
        readonly volumeDevice: string;
        readonly mountPoint: string;
    };
    readonly backup: BackupTarget & { readonly every: "daily" | "hourly" };
    /** Sentinel quorum; undefined runs no Sentinel on this node. */
    readonly sentinelQuorum?: number;
    readonly secrets: DataNodeSecrets;
    /** Patroni and etcd run PostgreSQL (a replicated tier); without it the node runs one standalone server. */
    readonly ha?: { readonly memberName: string } & Omit<
        HaSpec,
        | "self"
        | "pgPort"
        | "database"
        | "appUser"
        | "mountPoint"
        | "synchronous"
        | "maxSlotWalKeepSizeGb"
        | "memoryMb"
    >;
}

export function renderDataNode(spec: DataNodeSpec): {
    readonly files: RenderedFile[];
    readonly packages: readonly string[];
    readonly runcmd: readonly (readonly string[])[];
} {
    const { workload, secrets: s } = spec;
    const isPrimary = spec.primaryIp === undefined;
    const pgPort = workload.postgres.port;
    const redisPort = workload.redis.port;
    const pgData = `${spec.postgres.mountPoint}/pgdata`;
    const paths = { pgData, pgBin: PG_BIN, socketDir: PG_SOCKET_DIR, port: pgPort };
    const cred = (name: string) => `/run/credentials/${DATA_UNITS.postgres}/${name}`;
    const pitr = {
        backup: { ...spec.backup, stack: spec.stack },
        every: spec.backup.every,
        pgBin: PG_BIN,
        socketDir: PG_SOCKET_DIR,
        port: pgPort,
        redis: { port: redisPort },
        credentials: { backupEnv: SECRET_PATHS.backupEnv, redisPassword: DATA_SECRETS.redisPassword },
    };
    const redisState = "/var/lib/phase-stacks/redis";
    const files: RenderedFile[] = [
        // Before the package installs: Ubuntu would otherwise create and start a default cluster on the root disk.
        {
            path: DATA_PATHS.createCluster,
            content: "create_main_cluster = false\n",
            kind: "text",
            permissions: "0644",
        },
        ...(spec.ha
            ? renderHaPostgres({
                  ...spec.ha,
                  self: { name: spec.ha.memberName, ip: spec.privateIp },
                  pgPort,
                  database: spec.postgres.database,
                  appUser: spec.postgres.user,
                  mountPoint: spec.postgres.mountPoint,
                  synchronous: spec.synchronous,
                  maxSlotWalKeepSizeGb: spec.maxSlotWalKeepSizeGb,
                  memoryMb: workload.postgres.memoryMb,
              })
            : standalonePostgres(spec, paths, cred)),
        {
            path: DATA_PATHS.pgbouncerIni,
            content: renderPgbouncerConfig({
                listenAddresses: ["127.0.0.1", spec.privateIp],
                database: spec.postgres.database,
                pgPort,
                authFile: `/run/credentials/${DATA_UNITS.pgbouncer}/userlist`,
                maxClientConn: 1000,
                poolSize: 20,
                unixSocketDir: PG_SOCKET_DIR,
            }),
            kind: "text",
            permissions: "0644",
        },
        secretFile(SECRET_PATHS.postgresPassword, s.postgresPassword, "text"),
        secretFile(DATA_SECRETS.replicationPassword, s.replicationPassword, "text"),
        secretFile(DATA_SECRETS.pgpass, renderPgPass(REPLICATION_USER, s.replicationPassword), "text"),
        secretFile(
            DATA_SECRETS.pgbouncerUserlist,
            renderPgbouncerUserlist(spec.postgres.user, s.postgresPassword),
            "text",
        ),
        secretFile(DATA_SECRETS.redisPassword, s.redisPassword, "text"),
        secretFile(
            DATA_SECRETS.redisConf,
            renderRedisNodeConf({
                bind: ["127.0.0.1", spec.privateIp],
                port: redisPort,
                announceIp: spec.privateIp,
                dir: redisState,
                maxmemoryMb: workload.redis.memoryMb,
                password: s.redisPassword,
                ...(spec.primaryIp ? { replicaOf: { host: spec.primaryIp, port: redisPort } } : {}),
            }),
            "redis-conf",
        ),
        secretFile(
            SECRET_PATHS.backupEnv,
            renderBackupEnv({
                stack: spec.stack,
                ...spec.backup,
                postgres: spec.postgres,
                credentials: { accessKeyId: s.backupAccessKeyId, secretAccessKey: s.backupSecretAccessKey },
            }),
            "env",
        ),
        renderVolumeMount(spec.postgres.volumeDevice, spec.postgres.mountPoint),
        ...(spec.ha ? [] : [postgresUnit(spec.nodeName, spec.postgres.mountPoint, pgData)]),
        pgbouncerUnit(spec.ha ? PATRONI_UNIT : DATA_UNITS.postgres),
        redisUnit(isPrimary, redisState),
        ...(spec.sentinelQuorum !== undefined
            ? renderSentinelFiles({
                  privateIp: spec.privateIp,
                  primaryIp: spec.primaryIp ?? spec.privateIp,
                  redisPort,
                  quorum: spec.sentinelQuorum,
                  password: s.redisPassword,
              })
            : []),
        ...renderRoleHealth(
            {
                pgBin: PG_BIN,
                pgSocketDir: PG_SOCKET_DIR,
                pgPort,
                redisPort,
                redisPasswordFile: DATA_SECRETS.redisPassword,
            },
            spec.privateIp,
        ),
        ...renderPitr(pitr),
        // The region's Prometheus scrapes both on the private address.
        ...renderPostgresExporter({
            listenIp: spec.privateIp,
            socketDir: PG_SOCKET_DIR,
            pgPort,
            after: spec.ha ? PATRONI_UNIT : DATA_UNITS.postgres,
        }),
        ...renderRedisExporter({
            listenIp: spec.privateIp,
            redisPort,
            password: s.redisPassword,
            after: DATA_UNITS.redis,
        }),
    ];
    const units = [
        ...(spec.ha ? HA_UNITS : [DATA_UNITS.postgres]),
        DATA_UNITS.pgbouncer,
        DATA_UNITS.redis,
        POSTGRES_EXPORTER.unit,
        REDIS_EXPORTER.unit,
        ...(spec.sentinelQuorum !== undefined ? [DATA_UNITS.sentinel] : []),
        "phase-stacks-role-health.socket",
        PITR_UNITS.timer,
    ];
    return {
        files,
        packages: [
            ...DATA_PACKAGES,
            ...(spec.ha ? HA_PACKAGES : []),
            POSTGRES_EXPORTER.package,
            REDIS_EXPORTER.package,
        ],
        runcmd: [
            // The packages' own units would compete for the same ports with default configs.
            [
                "systemctl",
                "disable",
                "--now",
                "redis-server.service",
                "pgbouncer.service",
                ...(spec.ha ? ["etcd.service", "patroni.service"] : []),
            ],
            // Patroni's watchdog: the udev rule gives postgres the device softdog creates.
            ...(spec.ha ? [["modprobe", "softdog"]] : []),
            ["systemctl", "daemon-reload"],
            ["systemctl", "enable", "--now", "--no-block", ...units],
        ],
    };
}

/** One PostgreSQL server with no failover manager: phase 2's data server. */
function standalonePostgres(
    spec: DataNodeSpec,
    paths: { pgData: string; pgBin: string; socketDir: string; port: number },
    cred: (name: string) => string,
): RenderedFile[] {
    const isPrimary = spec.primaryIp === undefined;
    const pgPort = paths.port;
    return [
        {
            path: DATA_PATHS.postgresConf,
            content: renderPostgresConf({
                nodeName: spec.nodeName,
                listenAddresses: ["127.0.0.1", spec.privateIp],
                port: pgPort,
                memoryMb: spec.workload.postgres.memoryMb,
                maxConnections: 200,
                hbaFile: DATA_PATHS.pgHba,
                replicaNames: spec.replicaNames,
                synchronousStandbys: isPrimary && spec.synchronous ? spec.replicaNames : [],
                maxSlotWalKeepSizeGb: spec.maxSlotWalKeepSizeGb,
                archiveCommand: `${PITR_PATHS.walArchive} %p %f`,
                archiveTimeoutSeconds: 300,
                socketDirectory: PG_SOCKET_DIR,
            }),
            kind: "postgresql-conf",
            permissions: "0644",
        },
        {
            path: DATA_PATHS.pgHba,
            content: renderPgHba({
                database: spec.postgres.database,
                appUser: spec.postgres.user,
                replicationUser: REPLICATION_USER,
                allowedCidrs: ["127.0.0.1/32", spec.subnetCidr],
            }),
            kind: "pg-hba",
            permissions: "0644",
        },
        {
            path: DATA_PATHS.prepare,
            content: isPrimary
                ? renderPrimaryPrepare(paths)
                : renderReplicaClone({
                      ...paths,
                      nodeName: spec.nodeName,
                      primaryHost: spec.primaryIp,
                      primaryPort: pgPort,
                      replicationUser: REPLICATION_USER,
                      passFile: cred("pgpass"),
                      attempts: 30,
                  }),
            kind: "shell",
            permissions: "0755",
        },
        {
            path: DATA_PATHS.primaryInit,
            content: renderPrimaryInit({
                ...paths,
                database: spec.postgres.database,
                appUser: spec.postgres.user,
                replicationUser: REPLICATION_USER,
                replicaNames: spec.replicaNames,
                appPasswordFile: cred("postgres-password"),
                replicationPasswordFile: cred("replication-password"),
            }),
            kind: "shell",
            permissions: "0755",
        },
    ];
}
