/**
 * Where the app host keeps each rendered file, and where containers see them. One table, so the compose
 * bind mounts, the configs that name those files and the cloud-config cannot drift apart.
 */
import { SECRETS_DIR } from "./artifact";

/** Docker Compose project name; every `docker compose` call on the host passes it with `-p`. */
export const COMPOSE_PROJECT = "phase-stacks";
export const COMPOSE_FILE = "/opt/phase-stacks/compose.yaml";
export const SCRIPTS_DIR = "/opt/phase-stacks/bin";
/** Configs the host renders for its services. */
export const CONFIG_DIR = "/etc/phase-stacks";

export const HOST_PATHS = {
    caddyConfig: `${CONFIG_DIR}/caddy.json`,
    prometheusConfig: `${CONFIG_DIR}/prometheus.yml`,
    grafanaDatasource: `${CONFIG_DIR}/grafana-datasource.yaml`,
    redisConfig: `${CONFIG_DIR}/redis.conf`,
    backupScript: `${SCRIPTS_DIR}/backup-postgres.sh`,
    restoreScript: `${SCRIPTS_DIR}/restore-postgres.sh`,
    metadataBlockScript: `${SCRIPTS_DIR}/block-metadata-service.sh`,
} as const;

export const SECRET_PATHS = {
    postgresPassword: `${SECRETS_DIR}/postgres-password`,
    redisAuth: `${SECRETS_DIR}/redis-auth.conf`,
    meilisearchEnv: `${SECRETS_DIR}/meilisearch.env`,
    appEnv: `${SECRETS_DIR}/app.env`,
    grafanaAdminPassword: `${SECRETS_DIR}/grafana-admin-password`,
    backupEnv: `${SECRETS_DIR}/backup.env`,
    originCert: `${SECRETS_DIR}/origin-cert.pem`,
    originKey: `${SECRETS_DIR}/origin-key.pem`,
} as const;

/** Paths inside the containers (also where the dev stack uploads its files). */
export const CONTAINER_PATHS = {
    caddyConfig: "/etc/caddy/caddy.json",
    originCert: "/etc/caddy/tls/origin-cert.pem",
    originKey: "/etc/caddy/tls/origin-key.pem",
    prometheusConfig: "/etc/prometheus/prometheus.yml",
    grafanaDatasource: "/etc/grafana/provisioning/datasources/phase-stacks.yaml",
    grafanaAdminPassword: "/run/secrets/grafana-admin-password",
    postgresPassword: "/run/secrets/postgres-password",
    postgresData: "/var/lib/postgresql/data",
    redisConfig: "/usr/local/etc/redis/redis.conf",
    redisAuth: "/usr/local/etc/redis/auth.conf",
} as const;

/** `docker compose` bound to the project, for units and scripts. */
export const DOCKER_COMPOSE: readonly string[] = [
    "docker",
    "compose",
    "-p",
    COMPOSE_PROJECT,
    "-f",
    COMPOSE_FILE,
];

export const UNITS = {
    compose: "phase-stacks.service",
    metadataBlock: "phase-stacks-metadata-block.service",
    backup: "phase-stacks-backup.service",
    backupTimer: "phase-stacks-backup.timer",
} as const;
