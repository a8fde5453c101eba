/**
 * dev (Chrono Phase 0): every phase-1 service as a container on the local Docker engine, no cloud account.
 *
 *   127.0.0.1:8080 ▶ Caddy ▶ frontend (localhost), API (api.localhost) ▸ workers, crawler
 *     ▸ Postgres, Redis (protected data volumes), Meilisearch ▸ Prometheus, Grafana (127.0.0.1:3000)
 */
import type { ConfigOf } from "../core/config/schema";
import { devContainers } from "../core/render/dev/devContainers";
import { DEV_HOSTNAMES, DEV_PROXY_PORT, renderDevStack } from "../core/render/dev/devStack";
import { LocalServices } from "../components/local/localServices";
import { ServiceCredentials } from "../components/secrets/serviceCredentials";
import type { DevOutputs } from "../core/contracts/outputs";
import type { Exported } from "./outputs";

export function devStack(c: ConfigOf<"dev">, stack: string): Exported<DevOutputs> {
    const credentials = new ServiceCredentials("services", {
        lengths: { postgresPassword: 32, grafanaAdminPassword: 24 },
    });
    const files = renderDevStack({ workload: c.workload });
    new LocalServices("local", {
        stack,
        containers: devContainers(stack, c.workload, files),
        secrets: credentials.values,
    });
    return {
        urls: [
            `http://${DEV_HOSTNAMES.app}:${DEV_PROXY_PORT}`,
            `http://${DEV_HOSTNAMES.api}:${DEV_PROXY_PORT}`,
            `http://127.0.0.1:${c.workload.grafana.port}`,
        ],
    };
}
