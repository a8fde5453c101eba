/**
 * Where the app host keeps each rendered file, and where containers see them. One table, so the compose
 * bind mounts, the configs that name those files and the cloud-config cannot drift apart.
 */
import { SECRETS_DIR } from "./artifact";

/** Docker Compose project name; every `docker compose` call on the host passes it with `-p`. */
export const COMPOSE_PROJECT = "phase-stacks";
/** What the compose project reads on the host: its file, its services' configs and the host's scripts. */
export const PROJECT_DIR = "/opt/phase-stacks";
export const COMPOSE_FILE = `${PROJECT_DIR}/compose.yaml`;
export const SCRIPTS_DIR = `${PROJECT_DIR}/bin`;
/** Configs the host's own daemons read (the data tier's Postgres and PgBouncer); never mounted into a container. */
export const CONFIG_DIR = "/etc/phase-stacks";
/**
 * Configs the compose project's containers read, bound read-only: outside /etc, which CIS Docker 5.6 keeps out of
 * containers. Secrets stay in SECRETS_DIR and reach containers as compose secrets, one file each.
 */
export const SERVICE_CONFIG_DIR = `${PROJECT_DIR}/config`;
/**
 * node_exporter's textfile collector reads every `*.prom` here (Debian's own default for it): the backup scripts
 * write their success metrics into it, and every host's node exporter container reads it bound read-only.
 */
export const TEXTFILE_COLLECTOR_DIR = "/var/lib/prometheus/node-exporter";

export const HOST_PATHS = {
    caddyConfig: `${SERVICE_CONFIG_DIR}/caddy.json`,
    prometheusConfig: `${SERVICE_CONFIG_DIR}/prometheus.yml`,
    grafanaDatasource: `${SERVICE_CONFIG_DIR}/grafana-datasource.yaml`,
    grafanaDashboardProvider: `${SERVICE_CONFIG_DIR}/grafana-dashboard-provider.yaml`,
    /** A directory: compose mounts it whole, so every dashboard shipped into it reaches Grafana. */
    grafanaDashboards: `${SERVICE_CONFIG_DIR}/grafana-dashboards`,
    alertmanagerConfig: `${SERVICE_CONFIG_DIR}/alertmanager.yml`,
    blackboxConfig: `${SERVICE_CONFIG_DIR}/blackbox.yml`,
    redisConfig: `${SERVICE_CONFIG_DIR}/redis.conf`,
    lokiConfig: `${SERVICE_CONFIG_DIR}/loki.yaml`,
    logAgentConfig: `${SERVICE_CONFIG_DIR}/log-agent.alloy`,
    otelCollectorConfig: `${SERVICE_CONFIG_DIR}/otel-collector.yaml`,
    stateOwnersScript: `${SCRIPTS_DIR}/own-service-state.sh`,
    backupScript: `${SCRIPTS_DIR}/backup-postgres.sh`,
    restoreScript: `${SCRIPTS_DIR}/restore-postgres.sh`,
    metadataBlockScript: `${SCRIPTS_DIR}/block-metadata-service.sh`,
} as const;

export const SECRET_PATHS = {
    postgresPassword: `${SECRETS_DIR}/postgres-password`,
    redisAuth: `${SECRETS_DIR}/redis-auth.conf`,
    redisExporterPasswords: `${SECRETS_DIR}/redis-exporter-passwords.json`,
    meilisearchEnv: `${SECRETS_DIR}/meilisearch.env`,
    appEnv: `${SECRETS_DIR}/app.env`,
    grafanaAdminPassword: `${SECRETS_DIR}/grafana-admin-password`,
    backupEnv: `${SECRETS_DIR}/backup.env`,
    originCert: `${SECRETS_DIR}/origin-cert.pem`,
    originKey: `${SECRETS_DIR}/origin-key.pem`,
    /** The alert receiver's SMTP password or webhook bearer token; empty when no receiver is configured. */
    alertReceiverCredential: `${SECRETS_DIR}/alert-receiver-credential`,
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
    redisExporterPasswords: "/run/secrets/redis-exporter-passwords.json",
    textfileCollector: "/host/textfile",
    lokiConfig: "/etc/loki/config.yaml",
    logAgentConfig: "/etc/alloy/config.alloy",
    otelCollectorConfig: "/etc/otelcol-contrib/config.yaml",
    /** Where the images' default commands read their configs. */
    alertmanagerConfig: "/etc/alertmanager/alertmanager.yml",
    blackboxConfig: "/etc/blackbox_exporter/config.yml",
    alertReceiverCredential: "/run/secrets/alert-receiver-credential",
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
