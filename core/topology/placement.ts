/**
 * Where each service runs and how the others reach it. Phase 1 runs every service on one host; phase 2 splits
 * them across an app server and a data server, so renderers take the services of one host plus the
 * addresses of the rest instead of assuming all-in-one.
 */
import { SERVICE_NAMES, type ServiceName, type ServiceSpec, type Workload } from "../workload/services";

export interface Endpoint {
    readonly host: string;
    readonly port: number;
}

export interface HostPlacement {
    /** Services that run as containers on this host. */
    readonly local: readonly ServiceName[];
    /** Services that run elsewhere, by the address this host reaches them at. */
    readonly remote: Readonly<Partial<Record<ServiceName, Endpoint>>>;
    /** Local services other hosts reach, by the (private) address their port is published on. */
    readonly published?: Readonly<Partial<Record<ServiceName, string>>>;
}

export const ALL_LOCAL: HostPlacement = { local: SERVICE_NAMES, remote: {} };

/** Services that hold state on this host: more than one copy would mean two writers on one data directory. */
const SINGLETONS: ReadonlySet<ServiceName> = new Set([
    "proxy",
    "postgres",
    "redis",
    "meilisearch",
    "prometheus",
    "grafana",
    "nodeExporter",
    "loki",
    "logAgent",
    "alertmanager",
    "blackboxExporter",
]);

/**
 * DNS name of a service on the container network (compose service name, dev container alias): the config key in
 * kebab case, as host names are written (nodeExporter answers to node-exporter).
 */
export function serviceDnsName(name: ServiceName): string {
    return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/** One name per copy: `api` for one replica, `worker-1`, `worker-2` for several (compose 1.29 and v2 both accept distinct services). */
export function instanceHosts(name: ServiceName, spec: ServiceSpec): string[] {
    if (spec.replicas === 1) return [serviceDnsName(name)];
    if (SINGLETONS.has(name))
        throw new Error(
            `workload.${name}.replicas is ${spec.replicas}: ${name} keeps state on its host and must run as one copy`,
        );
    return Array.from({ length: spec.replicas }, (_, i) => `${serviceDnsName(name)}-${i + 1}`);
}

export function isLocal(placement: HostPlacement, name: ServiceName): boolean {
    return placement.local.includes(name);
}

/** Addresses of every copy of a service as seen from this host. */
export function endpointsOf(placement: HostPlacement, workload: Workload, name: ServiceName): Endpoint[] {
    const remote = placement.remote[name];
    if (isLocal(placement, name)) {
        const port = workload[name].port;
        if (port === undefined)
            throw new Error(`workload.${name}.port is not set, but other services need to reach ${name}`);
        return instanceHosts(name, workload[name]).map((host) => ({ host, port }));
    }
    if (remote) return [remote];
    throw new Error(`${name} is neither placed on this host nor given a remote address`);
}

export function hostPort(e: Endpoint): string {
    return `${e.host}:${e.port}`;
}

/**
 * One address for a whole service: its DNS name when local (copies share it as a network alias, and Docker's
 * DNS spreads connections over them), or its remote address.
 */
export function serviceEndpoint(placement: HostPlacement, workload: Workload, name: ServiceName): Endpoint {
    const [first] = endpointsOf(placement, workload, name);
    if (!first) throw new Error(`${name} has no address`);
    return isLocal(placement, name) ? { host: serviceDnsName(name), port: first.port } : first;
}
