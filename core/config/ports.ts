/**
 * Each networked service's port when the workload leaves it unset, resolved once while the config loads so
 * no renderer or stack needs a fallback of its own. The numbers are the images' own defaults.
 */
import type { ServiceName, ServiceSpec, Workload } from "../workload/services";

export const DEFAULT_PORTS = {
    proxy: 443,
    api: 8000,
    frontend: 3000,
    postgres: 5432,
    redis: 6379,
    meilisearch: 7700,
    crawler: 3002,
    prometheus: 9090,
    grafana: 3000,
    nodeExporter: 9100,
    postgresExporter: 9187,
    redisExporter: 9121,
    loki: 3100,
    // OTLP over HTTP; the collector also takes gRPC on 4317 inside the compose network.
    otelCollector: 4318,
    alertmanager: 9093,
    blackboxExporter: 9115,
} as const satisfies Partial<Record<ServiceName, number>>;
/** The services that listen on a port. */
export type NetworkedService = keyof typeof DEFAULT_PORTS;

/** A workload whose networked services all have a port. */
export type ResolvedWorkload = Workload & {
    readonly [N in NetworkedService]: ServiceSpec & { readonly port: number };
};

export function withDefaultPorts(w: Workload): ResolvedWorkload {
    const resolved: Record<string, ServiceSpec> = { ...w };
    for (const [name, port] of Object.entries(DEFAULT_PORTS))
        resolved[name] = { ...w[name as NetworkedService], port: w[name as NetworkedService].port ?? port };
    return resolved as ResolvedWorkload;
}
