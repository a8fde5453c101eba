/**
 * The local `dev` stack's containers as plain specs; components/local turns each into a docker.Container.
 * Same services, networks and hostnames as the app host's compose project, but every container meets the
 * policy pack's sandbox: a non-root user, a read-only root, all capabilities dropped, ports on 127.0.0.1.
 * Docker refuses uploads into a read-only root, so uploaded files land on small per-container volumes.
 */
import { SERVICE_NAMES, type ServiceName, type Workload } from "../../workload/services";
import { CADDY_ADMIN_LISTEN, CADDY_COMMAND } from "../app/caddy";
import { REACHES, serviceNetworks, type NetworkName } from "../app/compose";
import { DEV_HOSTNAMES, DEV_PROXY_PORT, type DevStackFiles } from "./devStack";
import { CONTAINER_PATHS } from "../base/paths";
import { instanceHosts, serviceHost } from "../../topology/placement";

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

interface DevProfile {
    readonly user: string;
    readonly tmpfs: Readonly<Record<string, string>>;
    readonly capAdd?: readonly string[];
}

const APP_USER = "10001:10001";

const PROFILES: Readonly<Record<ServiceName, DevProfile>> = {
    // The caddy binary carries the cap_net_bind_service file capability: exec fails unless it stays in the bounding set.
    proxy: {
        user: "1000:1000",
        tmpfs: { "/tmp": `${SCRATCH}16m`, "/data": `${SCRATCH}16m`, "/config": `${SCRATCH}16m` },
        capAdd: ["NET_BIND_SERVICE"],
    },
    api: { user: APP_USER, tmpfs: { "/tmp": `${SCRATCH}64m` } },
    frontend: { user: APP_USER, tmpfs: { "/tmp": `${SCRATCH}64m` } },
    worker: { user: APP_USER, tmpfs: { "/tmp": `${SCRATCH}64m` } },
    crawler: { user: APP_USER, tmpfs: { "/tmp": `${SCRATCH}256m` } },
    // uid 70 is the postgres user of the Alpine image: the entrypoint then needs no capability to switch users.
    postgres: { user: "70:70", tmpfs: { "/tmp": `${SCRATCH}64m`, "/var/run/postgresql": `${SCRATCH}1m` } },
    redis: { user: "999:1000", tmpfs: { "/tmp": `${SCRATCH}16m` } },
    // Dev indexes are small and rebuilt from Postgres: keep them in memory.
    meilisearch: { user: "1000:1000", tmpfs: { "/meili_data": `${SCRATCH}256m`, "/tmp": `${SCRATCH}64m` } },
    prometheus: { user: "65534:65534", tmpfs: { "/prometheus": `${SCRATCH}128m` } },
    grafana: { user: "472:0", tmpfs: { "/var/lib/grafana": `${SCRATCH}64m`, "/tmp": `${SCRATCH}16m` } },
    nodeExporter: { user: "65534:65534", tmpfs: {} },
};

function volume(stack: string, container: string, contents: VolumeContents, target: string): DevVolumeMount {
    return { volume: `${stack}-${container}-${contents}`, target, contents };
}

function dirOf(path: string): string {
    return path.slice(0, path.lastIndexOf("/"));
}

function appUrls(w: Workload): Record<string, string> {
    return {
        APP_URL: `http://${DEV_HOSTNAMES.app}:${DEV_PROXY_PORT}`,
        API_URL: `http://${DEV_HOSTNAMES.api}:${DEV_PROXY_PORT}`,
        API_INTERNAL_URL: `http://${serviceHost("api")}:${w.api.port ?? 8000}`,
    };
}

/** Where the data services are; only for services that reach them. */
function dataEnv(w: Workload): Record<string, string> {
    return {
        DATABASE_HOST: serviceHost("postgres"),
        DATABASE_PORT: String(w.postgres.port ?? 5432),
        DATABASE_NAME: "app",
        DATABASE_USER: "app",
        // Apps read the password from the file, the convention the official images follow.
        DATABASE_PASSWORD_FILE: `${SECRETS_MOUNT}/postgres-password`,
        REDIS_URL: `redis://${serviceHost("redis")}:${w.redis.port ?? 6379}/0`,
        MEILISEARCH_URL: `http://${serviceHost("meilisearch")}:${w.meilisearch.port ?? 7700}`,
    };
}

function httpProbe(port: number | undefined, path: string | undefined): string[] | undefined {
    if (port === undefined || path === undefined) return undefined;
    return [
        "CMD-SHELL",
        `wget -q -O /dev/null http://127.0.0.1:${port}${path} || curl -fsS -o /dev/null http://127.0.0.1:${port}${path}`,
    ];
}

/** Per-service settings beyond the profile: command, environment, files, ports, healthcheck. */
function specifics(
    name: ServiceName,
    container: string,
    stack: string,
    w: Workload,
    files: DevStackFiles,
): Partial<DevContainer> {
    const configUploads = (files.byService[name] ?? []).map((f) => ({
        file: f.path,
        content: f.content,
        owner: PROFILES[name].user,
        permissions: "0444",
    }));
    // One volume per outermost directory: a nested directory (Prometheus' rules/) lives inside its parent's
    // volume, since two mounts of one volume would be two resources with one URN.
    const dirs = [...new Set(configUploads.map((u) => dirOf(u.file)))];
    const configVolumes = dirs
        .filter((dir) => !dirs.some((d) => dir.startsWith(`${d}/`)))
        .map((dir) => volume(stack, container, "config", dir));
    const secretsVolume = volume(stack, container, "secrets", SECRETS_MOUNT);
    const secret = (file: string, key: keyof DevSecrets): DevUpload => ({
        file: `${SECRETS_MOUNT}/${file}`,
        secret: key,
        owner: PROFILES[name].user,
        permissions: "0400",
    });
    switch (name) {
        case "proxy":
            return {
                command: CADDY_COMMAND,
                volumes: configVolumes,
                uploads: configUploads,
                ports: [{ internal: DEV_PROXY_PORT, external: DEV_PROXY_PORT }],
                healthcheck: ["CMD", "wget", "-q", "-O", "/dev/null", `http://${CADDY_ADMIN_LISTEN}/config/`],
            };
        case "frontend":
            return { env: appUrls(w), healthcheck: httpProbe(w.frontend.port, w.frontend.healthPath) };
        case "api":
        case "worker":
        case "crawler":
            return {
                env: { ...appUrls(w), ...dataEnv(w) },
                volumes: [secretsVolume],
                uploads: [secret("postgres-password", "postgresPassword")],
                healthcheck: httpProbe(w[name].port, w[name].healthPath),
            };
        case "postgres":
            return {
                env: {
                    POSTGRES_USER: "app",
                    POSTGRES_DB: "app",
                    POSTGRES_PASSWORD_FILE: `${SECRETS_MOUNT}/postgres-password`,
                    PGDATA: `${CONTAINER_PATHS.postgresData}/pgdata`,
                },
                volumes: [volume(stack, container, "data", CONTAINER_PATHS.postgresData), secretsVolume],
                uploads: [secret("postgres-password", "postgresPassword")],
                healthcheck: ["CMD", "pg_isready", "-U", "app", "-d", "app"],
            };
        case "redis":
            // On the internal data network only; the app host's Redis requires a password, dev's needs none.
            return {
                command: ["redis-server", "--appendonly", "yes"],
                volumes: [volume(stack, container, "data", "/data")],
                healthcheck: ["CMD", "redis-cli", "ping"],
            };
        case "meilisearch":
            return {
                env: {
                    MEILI_ENV: "development",
                    MEILI_NO_ANALYTICS: "true",
                    MEILI_DB_PATH: "/meili_data/data.ms",
                },
                healthcheck: httpProbe(w.meilisearch.port, w.meilisearch.healthPath),
            };
        case "prometheus":
            return {
                volumes: configVolumes,
                uploads: configUploads,
                healthcheck: httpProbe(w.prometheus.port, w.prometheus.healthPath),
            };
        case "grafana": {
            const port = w.grafana.port ?? 3000;
            return {
                env: {
                    GF_SECURITY_ADMIN_PASSWORD__FILE: `${SECRETS_MOUNT}/grafana-admin-password`,
                    GF_USERS_ALLOW_SIGN_UP: "false",
                    GF_ANALYTICS_REPORTING_ENABLED: "false",
                },
                volumes: [...configVolumes, secretsVolume],
                uploads: [...configUploads, secret("grafana-admin-password", "grafanaAdminPassword")],
                ports: [{ internal: port, external: port }],
                healthcheck: httpProbe(port, w.grafana.healthPath),
            };
        }
        case "nodeExporter":
            // No host mounts in dev: it reports the container's own view.
            return { healthcheck: httpProbe(w.nodeExporter.port, w.nodeExporter.healthPath) };
    }
}

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

export function devContainers(stack: string, workload: Workload, files: DevStackFiles): DevContainer[] {
    return dependencyOrder(
        SERVICE_NAMES.flatMap((name) => {
            const spec = workload[name];
            const hosts = instanceHosts(name, spec);
            return hosts.map((container): DevContainer => {
                const own = specifics(name, container, stack, workload, files);
                const aliases = hosts.length > 1 ? [container, serviceHost(name)] : [container];
                return {
                    name: container,
                    service: name,
                    image: spec.image,
                    ...(spec.command && !own.command ? { command: spec.command } : {}),
                    user: PROFILES[name].user,
                    env: {},
                    ports: [],
                    capAdd: PROFILES[name].capAdd ?? [],
                    tmpfs: PROFILES[name].tmpfs,
                    volumes: [],
                    uploads: [],
                    ...own,
                    networks: serviceNetworks(name).map((network) => ({ network, aliases })),
                    memoryMb: spec.memoryMb,
                    cpus: spec.cpus,
                    dependsOn: REACHES[name].flatMap((t) => instanceHosts(t, workload[t])),
                };
            });
        }),
    );
}
