/**
 * The Docker Compose project of one host: the services placed there, with limits, sandboxing, healthchecks and
 * start order, and the addresses of services placed elsewhere. Valid for docker-compose 1.29 and compose v2
 * (no top-level `version` or `name`, no `scale`: the project name comes from `-p`).
 */
import { toYaml } from "../base/yaml";
import { SERVICE_NAMES, type ServiceName } from "../../workload/services";
import type { ResolvedWorkload } from "../../config/ports";
import { NETWORKS, REACHES, RUNTIME, type NetworkName } from "../../workload/runtime";
import { instanceHosts, isLocal, serviceDnsName, type HostPlacement } from "../../topology/placement";
import { SECRET_PATHS } from "../base/paths";
import { healthcheckTest, literal, specifics, type ComposeSecret } from "./composeServices";
import { DOCKER_LOGGED_LABEL } from "../host/dockerDaemon";

// The networks and who reaches whom are the runtime table's; re-exported for the stacks and tests that read them here.
export { NETWORKS, REACHES, type NetworkName };

export interface ComposeSpec {
    readonly workload: ResolvedWorkload;
    /** `mem_reservation` per container, MiB. */
    readonly reservationsMb: Readonly<Record<ServiceName, number>>;
    readonly placement: HostPlacement;
    readonly hostnames: { readonly app: string; readonly api: string };
    /** `dataDir` is the host directory (the mounted volume) that holds PGDATA. */
    readonly postgres: { readonly database: string; readonly user: string; readonly dataDir: string };
    /** Services that also reach hosts beyond the placement: phase 1's Prometheus scraping the agent hosts. */
    readonly egress?: readonly ServiceName[];
}

// `labels` as in daemon.json: each line names its compose service, which the log agent labels streams with.
const LOGGING = {
    driver: "json-file",
    options: { "max-size": "10m", "max-file": "3", labels: DOCKER_LOGGED_LABEL },
};

function healthcheck(name: ServiceName, spec: ComposeSpec): object | undefined {
    const test = healthcheckTest(name, spec);
    if (!test) return undefined;
    return {
        test,
        interval: "30s",
        timeout: "5s",
        retries: 3,
        // The data stores answer sooner than the apps, which migrate and warm caches first.
        start_period: ["postgres-ready", "redis-ping"].includes(RUNTIME[name].probe) ? "30s" : "60s",
    };
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
        REACHES[name].some((t) => !isLocal(spec.placement, t)) ||
        publishedPorts(name, spec).length > 0 ||
        (spec.egress ?? []).includes(name);
    const names = new Set<NetworkName>([
        ...RUNTIME[name].networks,
        ...(needsEgress ? (["edge"] as const) : []),
    ]);
    if (!aliased) return [...names];
    // Copies answer to the service's own name too, so clients need not know how many there are.
    return Object.fromEntries([...names].map((n) => [n, { aliases: [serviceDnsName(name)] }]));
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

function gracePeriod(seconds: number): string {
    return seconds % 60 === 0 ? `${seconds / 60}m` : `${seconds}s`;
}

function service(name: ServiceName, spec: ComposeSpec, aliased: boolean): Record<string, unknown> {
    const s = spec.workload[name];
    const rt = RUNTIME[name];
    const scratch = rt.writable.filter((w) => w.keeps === "scratch").map((w) => w.path);
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
        user: `${rt.user.uid}:${rt.user.gid}`,
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
        pids_limit: rt.pidsLimit,
        read_only: true,
        ...(scratch.length > 0 ? { tmpfs: scratch } : {}),
        security_opt: ["no-new-privileges:true"],
        cap_drop: ["ALL"],
        ...(rt.capabilities.length > 0 ? { cap_add: [...rt.capabilities] } : {}),
        ...(rt.stopGraceSeconds ? { stop_grace_period: gracePeriod(rt.stopGraceSeconds) } : {}),
        logging: LOGGING,
    };
}

/** A named volume's name, from compose's short ("name:/path") or long ({type: volume, source}) syntax. */
export function namedVolumeOf(v: unknown): string | undefined {
    if (typeof v === "string") return v.startsWith("/") ? undefined : v.split(":")[0];
    const long = v as { type?: string; source?: string };
    return long.type === "volume" ? long.source : undefined;
}

export function buildCompose(spec: ComposeSpec): {
    services: Record<string, unknown>;
    networks: object;
    volumes: object;
    secrets?: object;
} {
    const local = SERVICE_NAMES.filter((n) => isLocal(spec.placement, n));
    const services: Record<string, Record<string, unknown>> = {};
    for (const name of local) {
        const hosts = instanceHosts(name, spec.workload[name]);
        for (const host of hosts) services[host] = service(name, spec, hosts.length > 1);
    }
    const used = (key: "networks" | "volumes" | "secrets", extract: (v: unknown) => string[]) =>
        [...new Set(Object.values(services).flatMap((s) => extract(s[key])))].sort();
    const networkNames = used("networks", (v) =>
        Array.isArray(v) ? (v as string[]) : Object.keys(v as object),
    ) as NetworkName[];
    const volumeNames = used("volumes", (v) =>
        ((v as unknown[] | undefined) ?? []).flatMap((m) => namedVolumeOf(m) ?? []),
    );
    const secretNames = used("secrets", (v) =>
        ((v as { source: ComposeSecret }[] | undefined) ?? []).map((x) => x.source),
    ) as ComposeSecret[];
    return {
        services,
        networks: Object.fromEntries(
            networkNames.map((n) => [n, NETWORKS[n].internal ? { internal: true } : {}]),
        ),
        volumes: Object.fromEntries(volumeNames.map((v) => [v, {}])),
        ...(secretNames.length > 0
            ? { secrets: Object.fromEntries(secretNames.map((n) => [n, { file: SECRET_PATHS[n] }])) }
            : {}),
    };
}

export function renderCompose(spec: ComposeSpec): string {
    return toYaml(buildCompose(spec));
}
