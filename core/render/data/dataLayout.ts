/** Where the data tier's daemons, configs, secrets and units live on a database node. */
import { SECRETS_DIR } from "../base/artifact";
import { CONFIG_DIR, SCRIPTS_DIR } from "../base/paths";

/** Ubuntu 24.04 ships PostgreSQL 16. */
export const PG_BIN = "/usr/lib/postgresql/16/bin";
export const PG_SOCKET_DIR = "/var/run/postgresql";
export const REPLICATION_USER = "replicator";

export const DATA_PATHS = {
    postgresConf: `${CONFIG_DIR}/postgresql.conf`,
    pgHba: `${CONFIG_DIR}/pg_hba.conf`,
    pgbouncerIni: `${CONFIG_DIR}/pgbouncer.ini`,
    prepare: `${SCRIPTS_DIR}/postgres-prepare.sh`,
    primaryInit: `${SCRIPTS_DIR}/postgres-primary-init.sh`,
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
