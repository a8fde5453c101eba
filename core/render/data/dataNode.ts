/**
 * The data tier's daemons on one database node, outside Docker: PostgreSQL (primary, or a streaming replica
 * cloned from it) on the node's Volume, PgBouncer, Redis (primary or replica), a Sentinel, the role health
 * responder and the point-in-time backups. They run from Ubuntu's packages under systemd units of our own:
 * replication, promotion and Sentinel announce the host's private address, which Docker's NAT would hide, and
 * the integration tests run these very configs and scripts with Debian's binaries. Phase 2's data server is
 * this node alone (a primary with no replica); phase 3 adds replicas.
 */
import type { Workload } from "../../workload/services";
import { SECRETS_DIR, type RenderedFile } from "../base/artifact";
import type { BackupTarget } from "./backup";
import { renderBackupEnv } from "./backup";
import { renderVolumeMount } from "./dataVolume";
import { SCRIPTS_DIR, SECRET_PATHS } from "../base/paths";
import {
    renderPgPass,
    renderPrimaryInit,
    renderPrimaryPrepare,
    renderPromote,
    renderReplicaClone,
} from "./pgBootstrap";
import { renderPgbouncerConfig, renderPgbouncerUserlist } from "./pgbouncer";
import { renderPgHba } from "./pgHba";
import { renderPostgresConf } from "./postgresConf";
import { renderRoleHealth } from "./roleHealth";
import { secretFile } from "../app/secrets";
import { renderRedisNodeConf, renderSentinelConf, SENTINEL_PORT } from "./sentinel";
import { unitFile } from "../base/systemd";
import { PITR_PATHS, PITR_UNITS, renderPitr } from "./walArchive";

/** Ubuntu 24.04 ships PostgreSQL 16. */
export const PG_BIN = "/usr/lib/postgresql/16/bin";
const PG_SOCKET_DIR = "/var/run/postgresql";
const CONFIG_DIR = "/etc/phase-stacks";
export const REPLICATION_USER = "replicator";

export const DATA_PATHS = {
    postgresConf: `${CONFIG_DIR}/postgresql.conf`,
    pgHba: `${CONFIG_DIR}/pg_hba.conf`,
    pgbouncerIni: `${CONFIG_DIR}/pgbouncer.ini`,
    prepare: `${SCRIPTS_DIR}/postgres-prepare.sh`,
    primaryInit: `${SCRIPTS_DIR}/postgres-primary-init.sh`,
    promote: `${SCRIPTS_DIR}/postgres-promote.sh`,
    createCluster: "/etc/postgresql-common/createcluster.conf",
} as const;

export const DATA_SECRETS = {
    replicationPassword: `${SECRETS_DIR}/replication-password`,
    pgpass: `${SECRETS_DIR}/replication.pgpass`,
    pgbouncerUserlist: `${SECRETS_DIR}/pgbouncer-userlist.txt`,
    redisPassword: `${SECRETS_DIR}/redis-password`,
    redisConf: `${SECRETS_DIR}/redis-node.conf`,
    sentinelConf: `${SECRETS_DIR}/sentinel.conf`,
} as const;

export const DATA_UNITS = {
    postgres: "phase-stacks-postgres.service",
    pgbouncer: "phase-stacks-pgbouncer.service",
    redis: "phase-stacks-redis.service",
    sentinel: "phase-stacks-sentinel.service",
} as const;

export const DATA_PACKAGES = ["postgresql-16", "pgbouncer", "redis-server", "redis-sentinel", "rclone"];

export interface DataNodeSecrets {
    readonly postgresPassword: string;
    readonly replicationPassword: string;
    readonly redisPassword: string;
    readonly backupAccessKeyId: string;
    readonly backupSecretAccessKey: string;
}

export interface DataNodeSpec {
    readonly stack: string;
    readonly workload: Workload;
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
}

/** Sentinel declares a primary down after 5 s without an answer, then elects a leader to fail over. */
export const SENTINEL_TIMING = { downAfterMs: 5000, failoverTimeoutMs: 60000 } as const;

/** A daemon's config that it rewrites itself: copied from the secrets directory on first start only. */
function seedCopy(src: string, dst: string, user: string): string[] {
    return [
        // "-": coreutils 9.2 made `cp -n` exit 1 when the copy already exists, which is the normal case here.
        `-+/usr/bin/cp -n ${src} ${dst}`,
        `+/usr/bin/chown ${user}:${user} ${dst}`,
        `+/usr/bin/chmod 0600 ${dst}`,
    ];
}

export function renderSentinelFiles(spec: {
    readonly privateIp: string;
    readonly primaryIp: string;
    readonly redisPort: number;
    readonly quorum: number;
    readonly password: string;
}): RenderedFile[] {
    const state = "/var/lib/phase-stacks/sentinel";
    return [
        secretFile(
            DATA_SECRETS.sentinelConf,
            renderSentinelConf({
                bind: ["127.0.0.1", spec.privateIp],
                port: SENTINEL_PORT,
                announceIp: spec.privateIp,
                dir: state,
                primary: { host: spec.primaryIp, port: spec.redisPort },
                quorum: spec.quorum,
                ...SENTINEL_TIMING,
                password: spec.password,
            }),
            "sentinel-conf",
        ),
        unitFile(DATA_UNITS.sentinel, {
            Unit: {
                Description: "phase-stacks Redis Sentinel",
                Wants: "network-online.target",
                After: "network-online.target",
            },
            Service: {
                User: "redis",
                StateDirectory: "phase-stacks/sentinel",
                StateDirectoryMode: "0700",
                ExecStartPre: seedCopy(DATA_SECRETS.sentinelConf, `${state}/sentinel.conf`, "redis"),
                ExecStart: `/usr/bin/redis-sentinel ${state}/sentinel.conf`,
                Restart: "always",
                NoNewPrivileges: true,
            },
            Install: { WantedBy: "multi-user.target" },
        }),
    ];
}

export function renderDataNode(spec: DataNodeSpec): {
    readonly files: RenderedFile[];
    readonly packages: readonly string[];
    readonly runcmd: readonly (readonly string[])[];
} {
    const { workload, secrets: s } = spec;
    const isPrimary = spec.primaryIp === undefined;
    const pgPort = workload.postgres.port ?? 5432;
    const redisPort = workload.redis.port ?? 6379;
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
        {
            path: DATA_PATHS.postgresConf,
            content: renderPostgresConf({
                nodeName: spec.nodeName,
                listenAddresses: ["127.0.0.1", spec.privateIp],
                port: pgPort,
                memoryMb: workload.postgres.memoryMb,
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
        { path: DATA_PATHS.promote, content: renderPromote(paths), kind: "shell", permissions: "0755" },
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
        unitFile(DATA_UNITS.postgres, {
            Unit: {
                Description: `phase-stacks PostgreSQL ${spec.nodeName}`,
                Wants: "network-online.target",
                After: "network-online.target",
                RequiresMountsFor: spec.postgres.mountPoint,
                AssertPathIsMountPoint: spec.postgres.mountPoint,
            },
            Service: {
                Type: "notify",
                User: "postgres",
                // systemd hands the unit its secrets under /run/credentials/<unit>/, readable by this user only.
                LoadCredential: [
                    `postgres-password:${SECRET_PATHS.postgresPassword}`,
                    `replication-password:${DATA_SECRETS.replicationPassword}`,
                    `pgpass:${DATA_SECRETS.pgpass}`,
                    `backup.env:${SECRET_PATHS.backupEnv}`,
                ],
                Environment: ["PHASE_STACKS_BACKUP_ENV=%d/backup.env"],
                ExecStartPre: [
                    `+/usr/bin/install -d -o postgres -g postgres -m 0700 ${pgData}`,
                    DATA_PATHS.prepare,
                ],
                ExecStart: `${PG_BIN}/postgres -D ${pgData} -c config_file=${DATA_PATHS.postgresConf}`,
                ExecStartPost: DATA_PATHS.primaryInit,
                ExecReload: "/bin/kill -HUP $MAINPID",
                KillMode: "mixed",
                KillSignal: "SIGINT",
                TimeoutStartSec: "infinity",
                TimeoutStopSec: "120s",
                Restart: "on-failure",
                RestartSec: "10s",
            },
            Install: { WantedBy: "multi-user.target" },
        }),
        unitFile(DATA_UNITS.pgbouncer, {
            Unit: { Description: "phase-stacks PgBouncer", After: DATA_UNITS.postgres },
            Service: {
                User: "postgres",
                LoadCredential: `userlist:${DATA_SECRETS.pgbouncerUserlist}`,
                ExecStart: `/usr/sbin/pgbouncer ${DATA_PATHS.pgbouncerIni}`,
                ExecReload: "/bin/kill -HUP $MAINPID",
                Restart: "always",
                NoNewPrivileges: true,
            },
            Install: { WantedBy: "multi-user.target" },
        }),
        unitFile(DATA_UNITS.redis, {
            Unit: {
                Description: `phase-stacks Redis ${isPrimary ? "primary" : "replica"}`,
                Wants: "network-online.target",
                After: "network-online.target",
            },
            Service: {
                User: "redis",
                StateDirectory: "phase-stacks/redis",
                StateDirectoryMode: "0700",
                // Sentinel rewrites the copy (replicaof) on failover; the seed file is only the first boot's state.
                ExecStartPre: seedCopy(DATA_SECRETS.redisConf, `${redisState}/redis.conf`, "redis"),
                ExecStart: `/usr/bin/redis-server ${redisState}/redis.conf`,
                Restart: "always",
                NoNewPrivileges: true,
            },
            Install: { WantedBy: "multi-user.target" },
        }),
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
    ];
    const units = [
        DATA_UNITS.postgres,
        DATA_UNITS.pgbouncer,
        DATA_UNITS.redis,
        ...(spec.sentinelQuorum !== undefined ? [DATA_UNITS.sentinel] : []),
        "phase-stacks-role-health.socket",
        PITR_UNITS.timer,
    ];
    return {
        files,
        packages: DATA_PACKAGES,
        runcmd: [
            // The packages' own units would compete for the same ports with default configs.
            ["systemctl", "disable", "--now", "redis-server.service", "pgbouncer.service"],
            ["systemctl", "daemon-reload"],
            ["systemctl", "enable", "--now", "--no-block", ...units],
        ],
    };
}
