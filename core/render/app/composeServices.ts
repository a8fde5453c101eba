/** The per-service part of the compose project: command, environment, files, ports and the healthcheck test. */
import type { ServiceName } from "../../workload/services";
import { RUNTIME } from "../../workload/runtime";
import { CADDY_ADMIN_LISTEN, CADDY_COMMAND } from "./caddy";
import { RULES_DIRS } from "../monitoring/alertRules";
import { GRAFANA_DASHBOARD_PATHS } from "../monitoring/grafana";
import { CONTAINER_PATHS, HOST_PATHS, SECRET_PATHS, TEXTFILE_COLLECTOR_DIR } from "../base/paths";
import { serviceEndpoint } from "../../topology/placement";
import type { ComposeSpec } from "./compose";
import { postgresExporterEnv, redisExporterEnv } from "./exporterEnv";
import { LOKI_COMMAND, LOKI_DATA_DIR } from "../monitoring/loki";
import { DOCKER_CONTAINERS_DIR, JOURNAL_PATHS, LOG_AGENT_STORAGE } from "../monitoring/logAgent";
import { OTEL_COLLECTOR_COMMAND } from "../monitoring/otelCollector";

/** Compose interpolates `$`; values from config must reach the container literally. */
export function literal(s: string): string {
    return s.replace(/\$/g, "$$$$");
}

function httpProbe(port: number, path: string): string[] {
    const url = `'${literal(`http://127.0.0.1:${port}${path}`).replace(/'/g, `'\\''`)}'`;
    // Images ship different clients (curl, busybox wget, only python): use the first one present.
    return [
        "CMD-SHELL",
        `u=${url}; if command -v curl >/dev/null; then curl -fsS -o /dev/null "$$u"; ` +
            `elif command -v wget >/dev/null; then wget -q -O /dev/null "$$u"; ` +
            `else python3 -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=4)' "$$u"; fi`,
    ];
}

export function healthcheckTest(name: ServiceName, spec: ComposeSpec): string[] | undefined {
    const s = spec.workload[name];
    switch (RUNTIME[name].probe) {
        case "caddy-admin":
            return ["CMD", "wget", "-q", "-O", "/dev/null", `http://${CADDY_ADMIN_LISTEN}/config/`];
        case "postgres-ready":
            return [
                "CMD",
                "pg_isready",
                "-U",
                literal(spec.postgres.user),
                "-d",
                literal(spec.postgres.database),
            ];
        case "redis-ping":
            return [
                "CMD-SHELL",
                `REDISCLI_AUTH="$$(sed -n 's/^requirepass //p' ${CONTAINER_PATHS.redisAuth})" redis-cli ping | grep -q PONG`,
            ];
        case "http":
            return s.healthPath !== undefined && s.port !== undefined
                ? httpProbe(s.port, s.healthPath)
                : undefined;
        case "none":
            if (s.healthPath !== undefined)
                throw new Error(
                    `workload.${name}.healthPath is set, but ${name}'s image has no program to probe it with: unset it`,
                );
            return undefined;
    }
}

/** Compose interpolates `$` in environment values too. */
function literalEnv(env: Readonly<Record<string, string>>): Record<string, string> {
    return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, literal(v)]));
}

function bind(host: string, container: string): string {
    return `${host}:${container}:ro`;
}

/**
 * A named volume, mounted without Docker's copy of the image's directory (which would hand the volume back to
 * the image's owner, root for Caddy and Meilisearch): the unit makes the service's user its owner before start.
 */
function volume(name: string, target: string): object {
    return { type: "volume", source: name, target, volume: { nocopy: true } };
}

export type ComposeSecret = keyof typeof SECRET_PATHS;

/** A secret file from SECRETS_DIR as a compose secret (a read-only bind of that one file) at `target`. */
function secret(source: ComposeSecret, target: string): { source: ComposeSecret; target: string } {
    return { source, target };
}

function refuseCommand(spec: ComposeSpec, name: ServiceName, why: string): void {
    if (spec.workload[name].command) throw new Error(`workload.${name}.command must not be set: ${why}`);
}

/** Where the app sends traces: the region's collector over OTLP/HTTP, under the service's own name. */
function otlp(spec: ComposeSpec, name: ServiceName): Record<string, string> {
    const collector = serviceEndpoint(spec.placement, spec.workload, "otelCollector");
    return {
        OTEL_EXPORTER_OTLP_ENDPOINT: `http://${collector.host}:${collector.port}`,
        OTEL_EXPORTER_OTLP_PROTOCOL: "http/protobuf",
        OTEL_SERVICE_NAME: name,
    };
}

/** What differs per service: command, environment, files, secrets, ports. */
export function specifics(name: ServiceName, spec: ComposeSpec): Record<string, unknown> {
    const { workload, placement, hostnames } = spec;
    const appUrls = { APP_URL: `https://${hostnames.app}`, API_URL: `https://${hostnames.api}` };
    switch (name) {
        case "proxy":
            refuseCommand(spec, name, `the proxy runs '${CADDY_COMMAND.join(" ")}'`);
            if (!/(^|\/)caddy[:@]/.test(workload.proxy.image))
                throw new Error(
                    `workload.proxy.image must be a Caddy image (the proxy is configured with Caddy JSON), got ${workload.proxy.image}`,
                );
            return {
                command: [...CADDY_COMMAND],
                volumes: [
                    bind(HOST_PATHS.caddyConfig, CONTAINER_PATHS.caddyConfig),
                    volume("caddy-data", "/data"),
                    volume("caddy-config", "/config"),
                ],
                secrets: [
                    secret("originCert", CONTAINER_PATHS.originCert),
                    secret("originKey", CONTAINER_PATHS.originKey),
                ],
                ports: ["80:80", "443:443"],
            };
        case "api":
            return { environment: { ...appUrls, ...otlp(spec, name) }, env_file: [SECRET_PATHS.appEnv] };
        case "frontend": {
            const api = serviceEndpoint(placement, workload, "api");
            return { environment: { ...appUrls, API_INTERNAL_URL: `http://${api.host}:${api.port}` } };
        }
        case "worker":
            return { environment: otlp(spec, name), env_file: [SECRET_PATHS.appEnv] };
        case "crawler":
            // Reaps the zombie processes headless browsers leave behind; Chromium's profile goes to the scratch /tmp.
            return {
                environment: { HOME: "/tmp" },
                env_file: [SECRET_PATHS.appEnv],
                init: true,
                shm_size: "512m",
            };
        case "postgres":
            return {
                environment: {
                    POSTGRES_USER: literal(spec.postgres.user),
                    POSTGRES_DB: literal(spec.postgres.database),
                    POSTGRES_PASSWORD_FILE: CONTAINER_PATHS.postgresPassword,
                    // A subdirectory: the volume's root holds lost+found, which initdb refuses.
                    PGDATA: `${CONTAINER_PATHS.postgresData}/pgdata`,
                },
                volumes: [`${spec.postgres.dataDir}:${CONTAINER_PATHS.postgresData}`],
                secrets: [secret("postgresPassword", CONTAINER_PATHS.postgresPassword)],
                shm_size: "256m",
            };
        case "redis":
            refuseCommand(
                spec,
                name,
                "redis must start with the rendered redis.conf, which sets its password",
            );
            return {
                command: ["redis-server", CONTAINER_PATHS.redisConfig],
                volumes: [
                    bind(HOST_PATHS.redisConfig, CONTAINER_PATHS.redisConfig),
                    volume("redis-data", "/data"),
                ],
                secrets: [secret("redisAuth", CONTAINER_PATHS.redisAuth)],
            };
        case "meilisearch":
            return {
                environment: {
                    MEILI_ENV: "production",
                    MEILI_NO_ANALYTICS: "true",
                    MEILI_DB_PATH: "/meili_data/data.ms",
                    // Indexing's large temporary files go to the data volume, not the read-only root or RAM.
                    TMPDIR: "/meili_data",
                    // Meilisearch sizes its indexing memory from the host's RAM, not the container limit.
                    MEILI_MAX_INDEXING_MEMORY: String(
                        Math.floor(workload.meilisearch.memoryMb / 2) * 1024 * 1024,
                    ),
                },
                env_file: [SECRET_PATHS.meilisearchEnv],
                volumes: [volume("meili-data", "/meili_data")],
            };
        case "prometheus":
            return {
                volumes: [
                    bind(HOST_PATHS.prometheusConfig, CONTAINER_PATHS.prometheusConfig),
                    bind(RULES_DIRS.host, RULES_DIRS.container),
                    volume("prometheus-data", "/prometheus"),
                ],
            };
        case "grafana": {
            const port = workload.grafana.port;
            return {
                environment: {
                    GF_SECURITY_ADMIN_PASSWORD__FILE: CONTAINER_PATHS.grafanaAdminPassword,
                    GF_USERS_ALLOW_SIGN_UP: "false",
                    GF_ANALYTICS_REPORTING_ENABLED: "false",
                    GF_LOG_MODE: "console",
                },
                volumes: [
                    bind(HOST_PATHS.grafanaDatasource, CONTAINER_PATHS.grafanaDatasource),
                    bind(HOST_PATHS.grafanaDashboardProvider, GRAFANA_DASHBOARD_PATHS.provider),
                    bind(HOST_PATHS.grafanaDashboards, GRAFANA_DASHBOARD_PATHS.dir),
                    volume("grafana-data", "/var/lib/grafana"),
                ],
                secrets: [secret("grafanaAdminPassword", CONTAINER_PATHS.grafanaAdminPassword)],
                // Loopback only: reach it with `ssh -L 3000:127.0.0.1:3000`; never on a public interface.
                ports: [`127.0.0.1:${port}:${port}`],
            };
        }
        case "nodeExporter":
            return {
                // Host metrics without host networking: /proc, /sys and / read-only. Network counters are the container's.
                ...(workload.nodeExporter.command
                    ? {}
                    : {
                          command: [
                              "--path.procfs=/host/proc",
                              "--path.sysfs=/host/sys",
                              "--path.rootfs=/rootfs",
                              "--collector.filesystem.mount-points-exclude=^/(dev|proc|run|sys|var/lib/docker/.+)($$|/)",
                              // The backups' `*.prom` files (empty on hosts that run none).
                              `--collector.textfile.directory=${CONTAINER_PATHS.textfileCollector}`,
                          ],
                      }),
                volumes: [
                    "/proc:/host/proc:ro",
                    "/sys:/host/sys:ro",
                    "/:/rootfs:ro,rslave",
                    bind(TEXTFILE_COLLECTOR_DIR, CONTAINER_PATHS.textfileCollector),
                ],
            };
        case "postgresExporter":
            return {
                environment: literalEnv(
                    postgresExporterEnv({
                        endpoint: serviceEndpoint(placement, workload, "postgres"),
                        database: spec.postgres.database,
                        user: spec.postgres.user,
                    }),
                ),
                secrets: [secret("postgresPassword", CONTAINER_PATHS.postgresPassword)],
            };
        case "redisExporter":
            return {
                environment: literalEnv(
                    redisExporterEnv(serviceEndpoint(placement, workload, "redis"), true),
                ),
                secrets: [secret("redisExporterPasswords", CONTAINER_PATHS.redisExporterPasswords)],
            };
        case "loki":
            refuseCommand(spec, name, `Loki runs '${LOKI_COMMAND.join(" ")}' with the rendered config`);
            return {
                command: [...LOKI_COMMAND],
                volumes: [
                    bind(HOST_PATHS.lokiConfig, CONTAINER_PATHS.lokiConfig),
                    volume("loki-data", LOKI_DATA_DIR),
                ],
            };
        case "logAgent":
            refuseCommand(spec, name, "the log agent runs Alloy with the rendered pipeline");
            // The host's logs, read-only, at their own paths (Alloy's journal reader looks there); no Docker socket.
            return {
                command: [
                    "run",
                    `--storage.path=${LOG_AGENT_STORAGE}`,
                    "--disable-reporting",
                    CONTAINER_PATHS.logAgentConfig,
                ],
                volumes: [
                    bind(HOST_PATHS.logAgentConfig, CONTAINER_PATHS.logAgentConfig),
                    bind(DOCKER_CONTAINERS_DIR, DOCKER_CONTAINERS_DIR),
                    ...JOURNAL_PATHS.map((p) => bind(p, p)),
                    volume("log-agent-data", LOG_AGENT_STORAGE),
                ],
            };
        case "otelCollector":
            refuseCommand(spec, name, `the collector runs '${OTEL_COLLECTOR_COMMAND.join(" ")}'`);
            return {
                command: [...OTEL_COLLECTOR_COMMAND],
                volumes: [bind(HOST_PATHS.otelCollectorConfig, CONTAINER_PATHS.otelCollectorConfig)],
            };
        case "alertmanager":
            refuseCommand(spec, name, "Alertmanager must start on the rendered alertmanager.yml");
            return {
                command: [
                    `--config.file=${CONTAINER_PATHS.alertmanagerConfig}`,
                    "--storage.path=/alertmanager",
                    // One Alertmanager per host: no cluster to gossip with.
                    "--cluster.listen-address=",
                ],
                volumes: [
                    bind(HOST_PATHS.alertmanagerConfig, CONTAINER_PATHS.alertmanagerConfig),
                    volume("alertmanager-data", "/alertmanager"),
                ],
                secrets: [secret("alertReceiverCredential", CONTAINER_PATHS.alertReceiverCredential)],
            };
        case "blackboxExporter":
            refuseCommand(spec, name, "blackbox_exporter must start on the rendered blackbox.yml");
            return {
                command: [`--config.file=${CONTAINER_PATHS.blackboxConfig}`],
                volumes: [bind(HOST_PATHS.blackboxConfig, CONTAINER_PATHS.blackboxConfig)],
            };
    }
}
