/**
 * The local `dev` stack's containers as plain specs; components/local turns each into a docker.Container.
 * Same services, networks and hostnames as the app host's compose project, but every container meets the
 * policy pack's sandbox: a non-root user, a read-only root, all capabilities dropped, ports on 127.0.0.1.
 * Docker refuses uploads into a read-only root, so uploaded files land on small per-container volumes.
 */
import { SERVICE_NAMES, type ServiceName } from "../../workload/services";
import type { ResolvedWorkload } from "../../config/ports";
import { CADDY_ADMIN_LISTEN, CADDY_COMMAND } from "../app/caddy";
import { RUNTIME, type NetworkName, type SecretName } from "../../workload/runtime";
import { DEV_HOSTNAMES, DEV_PROXY_PORT, type DevStackFiles } from "./devStack";
import { CONTAINER_PATHS } from "../base/paths";
import { instanceHosts, serviceDnsName } from "../../topology/placement";
import { postgresExporterEnv, redisExporterEnv } from "../app/exporterEnv";
import { LOKI_COMMAND } from "../monitoring/loki";
import { OTEL_COLLECTOR_COMMAND } from "../monitoring/otelCollector";

export interface DevSecrets {
    readonly postgresPassword: string;
    readonly grafanaAdminPassword: string;
}

/** What a volume holds: only `data` is stateful; config and secrets are uploaded again on every create. */
export type VolumeContents = "data" | "config" | "secrets";

export interface DevVolumeMount {
    /** Volume name, unique per stack. */
    readonly volume: string;
    readonly target: string;
    readonly contents: VolumeContents;
}

export type DevUpload = { readonly file: string; readonly owner: string; readonly permissions: string } & (
    { readonly content: string } | { readonly secret: keyof DevSecrets }
);

export interface DevContainer {
    /** Container name on the engine and its DNS name on the networks. */
    readonly name: string;
    readonly service: ServiceName;
    readonly image: string;
    readonly command?: readonly string[];
    /** uid:gid, never root. */
    readonly user: string;
    readonly env: Readonly<Record<string, string>>;
    readonly networks: readonly { readonly network: NetworkName; readonly aliases: readonly string[] }[];
    /** Published on 127.0.0.1 only. */
    readonly ports: readonly { readonly internal: number; readonly external: number }[];
    readonly capAdd: readonly string[];
    readonly tmpfs: Readonly<Record<string, string>>;
    readonly volumes: readonly DevVolumeMount[];
    readonly uploads: readonly DevUpload[];
    readonly memoryMb: number;
    readonly cpus: number;
    readonly healthcheck?: readonly string[];
    /** Names of containers that must exist first. */
    readonly dependsOn: readonly string[];
}

const SECRETS_MOUNT = "/run/secrets";
/** World-writable with the sticky bit, like /tmp: the image's user owns what it creates there. */
const SCRATCH = "rw,noexec,nosuid,mode=1777,size=";

/** Dev's secret files; its Redis runs without a password on the internal data network, so has none. */
const SECRET_FILES: Readonly<Partial<Record<SecretName, { file: string; key: keyof DevSecrets }>>> = {
    postgresPassword: { file: "postgres-password", key: "postgresPassword" },
    grafanaAdminPassword: { file: "grafana-admin-password", key: "grafanaAdminPassword" },
};

function userOf(name: ServiceName): string {
    const { uid, gid } = RUNTIME[name].user;
    return `${uid}:${gid}`;
}

/** Every writable path in memory except durable state, which gets a volume: dev data is small and disposable. */
function tmpfsOf(name: ServiceName): Record<string, string> {
    return Object.fromEntries(
        RUNTIME[name].writable.filter((w) => !w.durable).map((w) => [w.path, `${SCRATCH}${w.memoryMb}m`]),
    );
}

function volume(stack: string, container: string, contents: VolumeContents, target: string): DevVolumeMount {
    return { volume: `${stack}-${container}-${contents}`, target, contents };
}

function dirOf(path: string): string {
    return path.slice(0, path.lastIndexOf("/"));
}

function appUrls(w: ResolvedWorkload): Record<string, string> {
    return {
        APP_URL: `http://${DEV_HOSTNAMES.app}:${DEV_PROXY_PORT}`,
        API_URL: `http://${DEV_HOSTNAMES.api}:${DEV_PROXY_PORT}`,
        API_INTERNAL_URL: `http://${serviceDnsName("api")}:${w.api.port}`,
    };
}

/** Where the data services are; only for services that reach them. */
function dataEnv(w: ResolvedWorkload): Record<string, string> {
    return {
        DATABASE_HOST: serviceDnsName("postgres"),
        DATABASE_PORT: String(w.postgres.port),
        DATABASE_NAME: "app",
        DATABASE_USER: "app",
        // Apps read the password from the file, the convention the official images follow.
        DATABASE_PASSWORD_FILE: `${SECRETS_MOUNT}/postgres-password`,
        REDIS_URL: `redis://${serviceDnsName("redis")}:${w.redis.port}/0`,
        MEILISEARCH_URL: `http://${serviceDnsName("meilisearch")}:${w.meilisearch.port}`,
    };
}

function httpProbe(port: number | undefined, path: string | undefined): string[] | undefined {
    if (port === undefined || path === undefined) return undefined;
    return [
        "CMD-SHELL",
        `wget -q -O /dev/null http://127.0.0.1:${port}${path} || curl -fsS -o /dev/null http://127.0.0.1:${port}${path}`,
    ];
}

/** The volumes and files of a container: its config files, its durable state, its secrets. */
function storage(
    name: ServiceName,
    container: string,
    stack: string,
    files: DevStackFiles,
): Pick<DevContainer, "volumes" | "uploads"> {
    const owner = userOf(name);
    const configUploads: DevUpload[] = (files.byService[name] ?? []).map((f) => ({
        file: f.path,
        content: f.content,
        owner,
        permissions: "0444",
    }));
    // One volume per outermost directory: a nested directory (Prometheus' rules/) lives inside its parent's
    // volume, since two mounts of one volume would be two resources with one URN.
    const dirs = [...new Set(configUploads.map((u) => dirOf(u.file)))];
    const configVolumes = dirs
        .filter((dir) => !dirs.some((d) => dir.startsWith(`${d}/`)))
        .map((dir) => volume(stack, container, "config", dir));
    const dataVolumes = RUNTIME[name].writable
        .filter((w) => w.durable)
        .map((w) => volume(stack, container, "data", w.path));
    const secrets = RUNTIME[name].secrets.flatMap((s) => SECRET_FILES[s] ?? []);
    const secretUploads = secrets.map(({ file, key }): DevUpload => ({
        file: `${SECRETS_MOUNT}/${file}`,
        secret: key,
        owner,
        permissions: "0400",
    }));
    return {
        volumes: [
            ...configVolumes,
            ...dataVolumes,
            ...(secrets.length > 0 ? [volume(stack, container, "secrets", SECRETS_MOUNT)] : []),
        ],
        uploads: [...configUploads, ...secretUploads],
    };
}

function healthcheckOf(name: ServiceName, w: ResolvedWorkload): readonly string[] | undefined {
    switch (RUNTIME[name].probe) {
        case "caddy-admin":
            return ["CMD", "wget", "-q", "-O", "/dev/null", `http://${CADDY_ADMIN_LISTEN}/config/`];
        case "postgres-ready":
            return ["CMD", "pg_isready", "-U", "app", "-d", "app"];
        case "redis-ping":
            return ["CMD", "redis-cli", "ping"];
        case "http":
            return httpProbe(w[name].port, w[name].healthPath);
        case "none":
            if (w[name].healthPath !== undefined)
                throw new Error(
                    `workload.${name}.healthPath is set, but ${name}'s image has no program to probe it with: unset it`,
                );
            return undefined;
    }
}

/** Per-service settings beyond the runtime table: command, environment, ports. */
function specifics(name: ServiceName, w: ResolvedWorkload): Partial<DevContainer> {
    switch (name) {
        case "proxy":
            return {
                command: CADDY_COMMAND,
                ports: [{ internal: DEV_PROXY_PORT, external: DEV_PROXY_PORT }],
            };
        case "frontend":
            return { env: appUrls(w) };
        case "api":
        case "worker":
            return {
                env: {
                    ...appUrls(w),
                    ...dataEnv(w),
                    OTEL_EXPORTER_OTLP_ENDPOINT: `http://${serviceDnsName("otelCollector")}:${w.otelCollector.port}`,
                    OTEL_EXPORTER_OTLP_PROTOCOL: "http/protobuf",
                    OTEL_SERVICE_NAME: name,
                },
            };
        // Chromium's profile goes to the scratch /tmp, as on the app host.
        case "crawler":
            return { env: { ...appUrls(w), ...dataEnv(w), HOME: "/tmp" } };
        case "postgres":
            return {
                env: {
                    POSTGRES_USER: "app",
                    POSTGRES_DB: "app",
                    POSTGRES_PASSWORD_FILE: `${SECRETS_MOUNT}/postgres-password`,
                    PGDATA: `${CONTAINER_PATHS.postgresData}/pgdata`,
                },
            };
        case "redis":
            // On the internal data network only; the app host's Redis requires a password, dev's needs none.
            return { command: ["redis-server", "--appendonly", "yes"] };
        case "meilisearch":
            return {
                env: {
                    MEILI_ENV: "development",
                    MEILI_NO_ANALYTICS: "true",
                    MEILI_DB_PATH: "/meili_data/data.ms",
                },
            };
        case "grafana": {
            const port = w.grafana.port;
            return {
                env: {
                    GF_SECURITY_ADMIN_PASSWORD__FILE: `${SECRETS_MOUNT}/grafana-admin-password`,
                    GF_USERS_ALLOW_SIGN_UP: "false",
                    GF_ANALYTICS_REPORTING_ENABLED: "false",
                },
                ports: [{ internal: port, external: port }],
            };
        }
        case "loki":
            return { command: LOKI_COMMAND };
        case "otelCollector":
            return { command: OTEL_COLLECTOR_COMMAND };
        case "alertmanager":
            return {
                command: [
                    `--config.file=${CONTAINER_PATHS.alertmanagerConfig}`,
                    "--storage.path=/alertmanager",
                    "--cluster.listen-address=",
                ],
            };
        case "blackboxExporter":
            return { command: [`--config.file=${CONTAINER_PATHS.blackboxConfig}`] };
        // No host mounts in dev: node-exporter reports the container's own view.
        case "prometheus":
        case "nodeExporter":
            return {};
        case "postgresExporter":
            return {
                env: postgresExporterEnv({
                    endpoint: { host: serviceDnsName("postgres"), port: w.postgres.port },
                    database: "app",
                    user: "app",
                }),
            };
        // Dev's Redis has no password, so neither has its exporter.
        case "redisExporter":
            return { env: redisExporterEnv({ host: serviceDnsName("redis"), port: w.redis.port }, false) };
        case "logAgent":
            throw new Error("dev runs no log agent (NOT_IN_DEV)");
    }
}

/**
 * The log agent reads the engine host's /var/lib/docker and journal, which dev neither configures (its daemon.json
 * is the developer's) nor mounts (no host mounts in dev; Docker Desktop's are inside its VM): `docker logs` it is.
 */
const NOT_IN_DEV: ReadonlySet<ServiceName> = new Set(["logAgent"]);

/** Dependencies first, so each container can name the ones it starts after. */
function dependencyOrder(containers: readonly DevContainer[]): DevContainer[] {
    const byName = new Map(containers.map((c) => [c.name, c]));
    const ordered: DevContainer[] = [];
    const placed = new Set<string>();
    const visit = (c: DevContainer, path: readonly string[]): void => {
        if (placed.has(c.name)) return;
        if (path.includes(c.name))
            throw new Error(
                `dev containers depend on each other in a cycle: ${[...path, c.name].join(" -> ")}`,
            );
        for (const d of c.dependsOn) {
            const dep = byName.get(d);
            if (dep) visit(dep, [...path, c.name]);
        }
        placed.add(c.name);
        ordered.push(c);
    };
    for (const c of containers) visit(c, []);
    return ordered;
}

export function devContainers(
    stack: string,
    workload: ResolvedWorkload,
    files: DevStackFiles,
): DevContainer[] {
    return dependencyOrder(
        SERVICE_NAMES.filter((n) => !NOT_IN_DEV.has(n)).flatMap((name) => {
            const spec = workload[name];
            const hosts = instanceHosts(name, spec);
            return hosts.map((container): DevContainer => {
                const own = specifics(name, workload);
                const healthcheck = healthcheckOf(name, workload);
                const aliases = hosts.length > 1 ? [container, serviceDnsName(name)] : [container];
                return {
                    name: container,
                    service: name,
                    image: spec.image,
                    ...(spec.command && !own.command ? { command: spec.command } : {}),
                    user: userOf(name),
                    env: {},
                    ports: [],
                    capAdd: RUNTIME[name].capabilities,
                    tmpfs: tmpfsOf(name),
                    ...storage(name, container, stack, files),
                    ...own,
                    ...(healthcheck ? { healthcheck } : {}),
                    networks: RUNTIME[name].networks.map((network) => ({ network, aliases })),
                    memoryMb: spec.memoryMb,
                    cpus: spec.cpus,
                    dependsOn: RUNTIME[name].reaches.flatMap((t) => instanceHosts(t, workload[t])),
                };
            });
        }),
    );
}
