/**
 * Which services each host of phases 2-3 runs, and where it reaches the rest: the seed's diagrams as data.
 * Postgres and Redis never run in Docker here (the data tier runs them natively, see render/dataNode.ts);
 * clients reach Postgres through PgBouncer and, in phase 3, both through the writer endpoint.
 */
import type { Endpoint, HostPlacement } from "./placement";
import { PGBOUNCER_PORT } from "../render/data/pgbouncer";
import type { ServiceName, Workload } from "../workload/services";

function port(workload: Workload, name: ServiceName): number {
    const p = workload[name].port;
    if (p === undefined)
        throw new Error(`workload.${name}.port must be set: other hosts reach ${name} over the network`);
    return p;
}

/** The monitoring stack, on one host: Alertmanager and blackbox_exporter are reached only by its Prometheus. */
export const MONITORING = ["prometheus", "alertmanager", "blackboxExporter", "grafana"] as const;

/** Where the application reaches the data services: the data server (phase 2) or the writer endpoint (phase 3). */
export interface DataEndpoints {
    readonly postgres: Endpoint;
    readonly redis: Endpoint;
    readonly meilisearch: Endpoint;
}

export function dataEndpoints(workload: Workload, writerIp: string, searchIp: string): DataEndpoints {
    return {
        postgres: { host: writerIp, port: PGBOUNCER_PORT },
        redis: { host: writerIp, port: port(workload, "redis") },
        meilisearch: { host: searchIp, port: port(workload, "meilisearch") },
    };
}

/** Containers other than the data services need these remote addresses on every host that runs app code. */
function dataRemote(d: DataEndpoints): HostPlacement["remote"] {
    return { postgres: d.postgres, redis: d.redis, meilisearch: d.meilisearch };
}

/** Phase 2 app server: the proxy, API, frontend, workers and crawler; the data server holds the rest. */
export function phase2AppPlacement(appIp: string, data: DataEndpoints): HostPlacement {
    return {
        local: ["proxy", "api", "frontend", "worker", "crawler", "nodeExporter"],
        remote: dataRemote(data),
        // The data server's Prometheus reads the host's node exporter over the private network.
        published: { api: appIp, nodeExporter: appIp },
    };
}

/** Phase 2 data server's containers: Meilisearch and monitoring (Postgres and Redis run natively beside them). */
export function phase2DataPlacement(
    w: Workload,
    dataIp: string,
    appIp: string,
    data: DataEndpoints,
): HostPlacement {
    return {
        local: ["meilisearch", ...MONITORING, "nodeExporter"],
        remote: { ...dataRemote(data), api: { host: appIp, port: port(w, "api") } },
        published: { meilisearch: dataIp },
    };
}

/** Phase 3 backend: proxy (routes the app host to the frontend server), API, workers, crawler. */
export function backendPlacement(
    w: Workload,
    ownIp: string,
    frontendIp: string,
    data: DataEndpoints,
): HostPlacement {
    return {
        local: ["proxy", "api", "worker", "crawler", "nodeExporter"],
        remote: { ...dataRemote(data), frontend: { host: frontendIp, port: port(w, "frontend") } },
        published: { api: ownIp, nodeExporter: ownIp },
    };
}

/** Phase 3 frontend server: SvelteKit and the monitoring stack. */
export function frontendPlacement(
    w: Workload,
    ownIp: string,
    apiIp: string,
    data: DataEndpoints,
): HostPlacement {
    return {
        local: ["frontend", ...MONITORING, "nodeExporter"],
        remote: { ...dataRemote(data), api: { host: apiIp, port: port(w, "api") } },
        published: { frontend: ownIp },
    };
}

/** Phase 3 database node: Meilisearch on the primary's host only (it has no replication of its own). */
export function databasePlacement(ownIp: string, withSearch: boolean, data: DataEndpoints): HostPlacement {
    return {
        local: withSearch ? ["meilisearch", "nodeExporter"] : ["nodeExporter"],
        remote: dataRemote(data),
        published: withSearch ? { meilisearch: ownIp, nodeExporter: ownIp } : { nodeExporter: ownIp },
    };
}

/** Three Sentinels on three hosts: the database nodes first, then the frontend and backends. */
export function sentinelHosts(databaseIps: readonly string[], otherIps: readonly string[]): string[] {
    const hosts = [...databaseIps, ...otherIps].slice(0, 3);
    if (hosts.length < 3)
        throw new Error(`Sentinel needs three hosts for a quorum of two; the topology has ${hosts.length}`);
    return hosts;
}

/**
 * Logs and traces on a host of phases 2-4: every host runs the log agent; the host with the region's Prometheus
 * runs Loki and the trace collector, published on its private address for the others' agents and apps.
 */
export function withTelemetry(p: HostPlacement, w: Workload, monitoringIp: string): HostPlacement {
    const monitoring = p.local.includes("prometheus");
    return monitoring
        ? {
              ...p,
              local: [...p.local, "loki", "otelCollector", "logAgent"],
              published: { ...p.published, loki: monitoringIp, otelCollector: monitoringIp },
          }
        : {
              ...p,
              local: [...p.local, "logAgent"],
              remote: {
                  ...p.remote,
                  loki: { host: monitoringIp, port: port(w, "loki") },
                  otelCollector: { host: monitoringIp, port: port(w, "otelCollector") },
              },
          };
}
