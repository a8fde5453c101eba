/**
 * The Docker Compose project of one host: the services placed there, with limits, sandboxing, healthchecks and
 * start order, and the addresses of services placed elsewhere. Valid for docker-compose 1.29 and compose v2
 * (no top-level `version` or `name`, no `scale`: the project name comes from `-p`).
 */
import { toYaml } from "../base/yaml";
import { SERVICE_NAMES, type ServiceName, type Workload } from "../../workload/services";
import { CADDY_ADMIN_LISTEN, CADDY_COMMAND } from "./caddy";
import { RULES_DIRS } from "../monitoring/alertRules";
import { CONTAINER_PATHS, HOST_PATHS, SECRET_PATHS } from "../base/paths";
import {
    instanceHosts,
    isLocal,
    serviceEndpoint,
    serviceHost,
    type HostPlacement,
} from "../../topology/placement";

export interface ComposeSpec {
    readonly workload: Workload;
    /** `mem_reservation` per container, MiB. */
    readonly reservationsMb: Readonly<Record<ServiceName, number>>;
    readonly placement: HostPlacement;
    readonly hostnames: { readonly app: string; readonly api: string };
    /** `dataDir` is the host directory (the mounted volume) that holds PGDATA. */
    readonly postgres: { readonly database: string; readonly user: string; readonly dataDir: string };
}

/**
 * `edge` reaches the internet (the proxy's published ports, egress for workers, the crawler and Grafana);
 * `data` and `monitoring` are internal: no route out, nothing published.
 */
export const NETWORKS = {
    edge: { internal: false },
    data: { internal: true },
    monitoring: { internal: true },
} as const;
export type NetworkName = keyof typeof NETWORKS;

/** Who talks to whom: the source of `depends_on`, and of egress when the target is on another host. */
export const REACHES: Readonly<Record<ServiceName, readonly ServiceName[]>> = {
    proxy: ["api", "frontend"],
    api: ["postgres", "redis", "meilisearch"],
    frontend: ["api"],
    postgres: [],
    redis: [],
    meilisearch: [],
    worker: ["postgres", "redis", "meilisearch"],
    crawler: ["redis"],
    prometheus: ["api", "nodeExporter"],
    grafana: ["prometheus"],
    nodeExporter: [],
};

interface Profile {
    readonly networks: readonly NetworkName[];
    readonly pidsLimit: number;
    /** Capabilities the official image still needs after `cap_drop: [ALL]`. */
    readonly capAdd?: readonly string[];
    /** False only where the image writes outside its volumes; the reason is next to the entry. */
    readonly readOnly: boolean;
    readonly tmpfs?: readonly string[];
    readonly stopGracePeriod?: string;
}

const PROFILES: Readonly<Record<ServiceName, Profile>> = {
    // The caddy binary carries the cap_net_bind_service file capability; exec fails unless it stays in the bounding set.
    proxy: {
        networks: ["edge"],
        pidsLimit: 256,
        capAdd: ["NET_BIND_SERVICE"],
        readOnly: true,
        tmpfs: ["/tmp"],
    },
    api: { networks: ["edge", "data", "monitoring"], pidsLimit: 512, readOnly: true, tmpfs: ["/tmp"] },
    frontend: { networks: ["edge"], pidsLimit: 512, readOnly: true, tmpfs: ["/tmp"] },
    // The entrypoint starts as root to chown PGDATA and read POSTGRES_PASSWORD_FILE, then drops to postgres with gosu.
    postgres: {
        networks: ["data"],
        pidsLimit: 512,
        capAdd: ["CHOWN", "DAC_OVERRIDE", "FOWNER", "SETGID", "SETUID"],
        readOnly: true,
        tmpfs: ["/tmp", "/var/run/postgresql"],
        stopGracePeriod: "1m",
    },
    // Runs as the image's redis user from the start (`user:`), so the entrypoint needs no capability to switch users.
    redis: { networks: ["data"], pidsLimit: 256, readOnly: true, tmpfs: ["/tmp"] },
    // Meilisearch writes large temporary files while indexing; a RAM-backed tmpfs would count against its memory limit.
    meilisearch: { networks: ["data"], pidsLimit: 512, readOnly: false },
    worker: {
        networks: ["edge", "data"],
        pidsLimit: 512,
        readOnly: true,
        tmpfs: ["/tmp"],
        stopGracePeriod: "1m",
    },
    // Firecrawl drives headless Chromium, which writes profiles and caches all over the filesystem and runs many threads.
    crawler: { networks: ["edge", "data"], pidsLimit: 2048, readOnly: false },
    prometheus: { networks: ["monitoring"], pidsLimit: 256, readOnly: true },
    // On `edge` because a published port (even on loopback) needs a non-internal network.
    grafana: { networks: ["monitoring", "edge"], pidsLimit: 256, readOnly: true, tmpfs: ["/tmp"] },
    nodeExporter: { networks: ["monitoring"], pidsLimit: 128, readOnly: true },
};

/** The networks a service joins on any host (the dev stack's containers join the same ones). */
export function serviceNetworks(name: ServiceName): readonly NetworkName[] {
    return PROFILES[name].networks;
}

/** UIDs of official-image users that read a secret file themselves; the compose unit chowns the file to them. */
const SECRET_READERS: readonly {
    readonly service: ServiceName;
    readonly path: string;
    readonly uid: number;
}[] = [
    { service: "redis", path: SECRET_PATHS.redisAuth, uid: 999 }, // redis user, Debian and Alpine variants
    { service: "grafana", path: SECRET_PATHS.grafanaAdminPassword, uid: 472 }, // grafana image USER
];

export function secretFileOwners(
    placement: HostPlacement,
): { readonly path: string; readonly uid: number }[] {
    return SECRET_READERS.filter((r) => isLocal(placement, r.service)).map(({ path, uid }) => ({
        path,
        uid,
    }));
}

const LOGGING = { driver: "json-file", options: { "max-size": "10m", "max-file": "3" } };

/** Compose interpolates `$`; values from config must reach the container literally. */
function literal(s: string): string {
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

function healthcheckTest(name: ServiceName, spec: ComposeSpec): string[] | undefined {
    const s = spec.workload[name];
    switch (name) {
        case "proxy":
            return ["CMD", "wget", "-q", "-O", "/dev/null", `http://${CADDY_ADMIN_LISTEN}/config/`];
        case "postgres":
            return [
                "CMD",
                "pg_isready",
                "-U",
                literal(spec.postgres.user),
                "-d",
                literal(spec.postgres.database),
            ];
        case "redis":
            return [
                "CMD-SHELL",
                `REDISCLI_AUTH="$$(sed -n 's/^requirepass //p' ${CONTAINER_PATHS.redisAuth})" redis-cli ping | grep -q PONG`,
            ];
        default:
            return s.healthPath !== undefined && s.port !== undefined
                ? httpProbe(s.port, s.healthPath)
                : undefined;
    }
}

function healthcheck(name: ServiceName, spec: ComposeSpec): object | undefined {
    const test = healthcheckTest(name, spec);
    if (!test) return undefined;
    return {
        test,
        interval: "30s",
        timeout: "5s",
        retries: 3,
        start_period: name === "postgres" || name === "redis" ? "30s" : "60s",
    };
}

function bind(host: string, container: string): string {
    return `${host}:${container}:ro`;
}

function refuseCommand(spec: ComposeSpec, name: ServiceName, why: string): void {
    if (spec.workload[name].command) throw new Error(`workload.${name}.command must not be set: ${why}`);
}

/** What differs per service: command, user, environment, files, ports. */
function specifics(name: ServiceName, spec: ComposeSpec): Record<string, unknown> {
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
                    bind(SECRET_PATHS.originCert, CONTAINER_PATHS.originCert),
                    bind(SECRET_PATHS.originKey, CONTAINER_PATHS.originKey),
                    "caddy-data:/data",
                    "caddy-config:/config",
                ],
                ports: ["80:80", "443:443"],
            };
        case "api":
            return { environment: appUrls, env_file: [SECRET_PATHS.appEnv] };
        case "frontend": {
            const api = serviceEndpoint(placement, workload, "api");
            return { environment: { ...appUrls, API_INTERNAL_URL: `http://${api.host}:${api.port}` } };
        }
        case "worker":
            return { env_file: [SECRET_PATHS.appEnv] };
        case "crawler":
            // Reaps the zombie processes headless browsers leave behind.
            return { env_file: [SECRET_PATHS.appEnv], init: true, shm_size: "512m" };
        case "postgres":
            return {
                environment: {
                    POSTGRES_USER: literal(spec.postgres.user),
                    POSTGRES_DB: literal(spec.postgres.database),
                    POSTGRES_PASSWORD_FILE: CONTAINER_PATHS.postgresPassword,
                    // A subdirectory: the volume's root holds lost+found, which initdb refuses.
                    PGDATA: `${CONTAINER_PATHS.postgresData}/pgdata`,
                },
                volumes: [
                    `${spec.postgres.dataDir}:${CONTAINER_PATHS.postgresData}`,
                    bind(SECRET_PATHS.postgresPassword, CONTAINER_PATHS.postgresPassword),
                ],
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
                user: "redis",
                volumes: [
                    bind(HOST_PATHS.redisConfig, CONTAINER_PATHS.redisConfig),
                    bind(SECRET_PATHS.redisAuth, CONTAINER_PATHS.redisAuth),
                    "redis-data:/data",
                ],
            };
        case "meilisearch":
            return {
                environment: {
                    MEILI_ENV: "production",
                    MEILI_NO_ANALYTICS: "true",
                    MEILI_DB_PATH: "/meili_data/data.ms",
                    // Meilisearch sizes its indexing memory from the host's RAM, not the container limit.
                    MEILI_MAX_INDEXING_MEMORY: String(
                        Math.floor(workload.meilisearch.memoryMb / 2) * 1024 * 1024,
                    ),
                },
                env_file: [SECRET_PATHS.meilisearchEnv],
                volumes: ["meili-data:/meili_data"],
            };
        case "prometheus":
            return {
                volumes: [
                    bind(HOST_PATHS.prometheusConfig, CONTAINER_PATHS.prometheusConfig),
                    bind(RULES_DIRS.host, RULES_DIRS.container),
                    "prometheus-data:/prometheus",
                ],
            };
        case "grafana": {
            const port = workload.grafana.port ?? 3000;
            return {
                environment: {
                    GF_SECURITY_ADMIN_PASSWORD__FILE: CONTAINER_PATHS.grafanaAdminPassword,
                    GF_USERS_ALLOW_SIGN_UP: "false",
                    GF_ANALYTICS_REPORTING_ENABLED: "false",
                    GF_LOG_MODE: "console",
                },
                volumes: [
                    bind(HOST_PATHS.grafanaDatasource, CONTAINER_PATHS.grafanaDatasource),
                    bind(SECRET_PATHS.grafanaAdminPassword, CONTAINER_PATHS.grafanaAdminPassword),
                    "grafana-data:/var/lib/grafana",
                ],
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
                          ],
                      }),
                volumes: ["/proc:/host/proc:ro", "/sys:/host/sys:ro", "/:/rootfs:ro,rslave"],
            };
    }
}

/** `ports` for a service other hosts reach: its port on the host's private address only. */
function publishedPorts(name: ServiceName, spec: ComposeSpec): string[] {
    const address = spec.placement.published?.[name];
    if (address === undefined) return [];
    const port = spec.workload[name].port;
    if (port === undefined)
        throw new Error(`workload.${name}.port is not set, but ${name} is published on ${address}`);
    return [`${address}:${port}:${port}`];
}

function networksOf(name: ServiceName, spec: ComposeSpec, aliased: boolean): unknown {
    // Docker publishes no port of a container that is only on internal networks.
    const needsEgress =
        REACHES[name].some((t) => !isLocal(spec.placement, t)) || publishedPorts(name, spec).length > 0;
    const names = new Set<NetworkName>([
        ...PROFILES[name].networks,
        ...(needsEgress ? (["edge"] as const) : []),
    ]);
    if (!aliased) return [...names];
    // Copies answer to the service's own name too, so clients need not know how many there are.
    return Object.fromEntries([...names].map((n) => [n, { aliases: [serviceHost(name)] }]));
}

function dependsOn(name: ServiceName, spec: ComposeSpec): Record<string, { condition: string }> | undefined {
    const entries = REACHES[name]
        .filter((t) => isLocal(spec.placement, t))
        .flatMap((t) => {
            const condition = healthcheckTest(t, spec) ? "service_healthy" : "service_started";
            return instanceHosts(t, spec.workload[t]).map((h) => [h, { condition }] as const);
        });
    return entries.length > 0 ? Object.fromEntries(entries) : undefined;
}

function service(name: ServiceName, spec: ComposeSpec, aliased: boolean): Record<string, unknown> {
    const s = spec.workload[name];
    const profile = PROFILES[name];
    const reservation = spec.reservationsMb[name];
    if (!(reservation > 0 && reservation <= s.memoryMb))
        throw new Error(
            `reservation for ${name} is ${reservation} MiB; it must be > 0 and at most memoryMb (${s.memoryMb})`,
        );
    const own = specifics(name, spec);
    const published = publishedPorts(name, spec);
    if (published.length > 0)
        own["ports"] = [...((own["ports"] as string[] | undefined) ?? []), ...published];
    const hc = healthcheck(name, spec);
    const deps = dependsOn(name, spec);
    return {
        image: s.image,
        ...(s.command && !("command" in own) ? { command: s.command.map(literal) } : {}),
        ...own,
        restart: "unless-stopped",
        networks: networksOf(name, spec, aliased),
        ...(deps ? { depends_on: deps } : {}),
        ...(hc ? { healthcheck: hc } : {}),
        mem_limit: `${s.memoryMb}m`,
        mem_reservation: `${reservation}m`,
        // Equal to the limit: no swap on top of it.
        memswap_limit: `${s.memoryMb}m`,
        cpus: s.cpus,
        pids_limit: profile.pidsLimit,
        read_only: profile.readOnly,
        ...(profile.tmpfs ? { tmpfs: [...profile.tmpfs] } : {}),
        security_opt: ["no-new-privileges:true"],
        cap_drop: ["ALL"],
        ...(profile.capAdd ? { cap_add: [...profile.capAdd] } : {}),
        ...(profile.stopGracePeriod ? { stop_grace_period: profile.stopGracePeriod } : {}),
        logging: LOGGING,
    };
}

export function buildCompose(spec: ComposeSpec): {
    services: Record<string, unknown>;
    networks: object;
    volumes: object;
} {
    const local = SERVICE_NAMES.filter((n) => isLocal(spec.placement, n));
    const services: Record<string, Record<string, unknown>> = {};
    for (const name of local) {
        const hosts = instanceHosts(name, spec.workload[name]);
        for (const host of hosts) services[host] = service(name, spec, hosts.length > 1);
    }
    const used = (key: "networks" | "volumes", extract: (v: unknown) => string[]) =>
        [...new Set(Object.values(services).flatMap((s) => extract(s[key])))].sort();
    const networkNames = used("networks", (v) =>
        Array.isArray(v) ? (v as string[]) : Object.keys(v as object),
    ) as NetworkName[];
    const volumeNames = used("volumes", (v) =>
        ((v as string[] | undefined) ?? [])
            .map((m) => m.split(":")[0] ?? "")
            .filter((src) => !src.startsWith("/")),
    );
    return {
        services,
        networks: Object.fromEntries(
            networkNames.map((n) => [n, NETWORKS[n].internal ? { internal: true } : {}]),
        ),
        volumes: Object.fromEntries(volumeNames.map((v) => [v, {}])),
    };
}

export function renderCompose(spec: ComposeSpec): string {
    return toYaml(buildCompose(spec));
}
