/** The systemd units of the data tier's daemons: PostgreSQL, PgBouncer, Redis and Sentinel. */
import type { RenderedFile } from "../base/artifact";
import { SECRET_PATHS } from "../base/paths";
import { unitFile } from "../base/systemd";
import { secretFile } from "../app/secrets";
import { DATA_PATHS, DATA_SECRETS, DATA_UNITS, PG_BIN } from "./dataLayout";
import { renderSentinelConf, SENTINEL_PORT } from "./sentinel";

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

export function postgresUnit(nodeName: string, mountPoint: string, pgData: string): RenderedFile {
    return unitFile(DATA_UNITS.postgres, {
        Unit: {
            Description: `phase-stacks PostgreSQL ${nodeName}`,
            Wants: "network-online.target",
            After: "network-online.target",
            RequiresMountsFor: mountPoint,
            AssertPathIsMountPoint: mountPoint,
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
    });
}

/** `after`: the unit that runs PostgreSQL (the standalone server's, or Patroni's). */
export function pgbouncerUnit(after: string): RenderedFile {
    return unitFile(DATA_UNITS.pgbouncer, {
        Unit: { Description: "phase-stacks PgBouncer", After: after },
        Service: {
            User: "postgres",
            LoadCredential: `userlist:${DATA_SECRETS.pgbouncerUserlist}`,
            ExecStart: `/usr/sbin/pgbouncer ${DATA_PATHS.pgbouncerIni}`,
            ExecReload: "/bin/kill -HUP $MAINPID",
            Restart: "always",
            NoNewPrivileges: true,
        },
        Install: { WantedBy: "multi-user.target" },
    });
}

/** `state` is Redis's working directory, where the seeded config lives. */
export function redisUnit(isPrimary: boolean, state: string): RenderedFile {
    return unitFile(DATA_UNITS.redis, {
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
            ExecStartPre: seedCopy(DATA_SECRETS.redisConf, `${state}/redis.conf`, "redis"),
            ExecStart: `/usr/bin/redis-server ${state}/redis.conf`,
            Restart: "always",
            NoNewPrivileges: true,
        },
        Install: { WantedBy: "multi-user.target" },
    });
}
