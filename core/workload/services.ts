/**
 * The services of the seed's Phase 1 diagram (Chrono Scraper) and their container settings.
 * The schema lives here so the config, the renderers and the components share one definition.
 */
import { z } from "zod";

export const SERVICE_NAMES = [
    "proxy",
    "api",
    "frontend",
    "postgres",
    "redis",
    "meilisearch",
    "worker",
    "crawler",
    "prometheus",
    "grafana",
    "nodeExporter",
    "postgresExporter",
    "redisExporter",
    "loki",
    "logAgent",
    "otelCollector",
    "alertmanager",
    "blackboxExporter",
] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

/**
 * An image reference pinned to a tag or digest; `latest` and untagged images drift between deploys. Repository
 * paths may hold underscores (oliver006/redis_exporter), as Docker's reference grammar allows.
 */
export const ImageRef = z
    .string()
    .regex(
        /^[a-z0-9][a-z0-9_./:-]*(:[A-Za-z0-9._-]+|@sha256:[a-f0-9]{64})$/,
        "must be an image pinned to a tag or digest, like postgres:16.4-alpine",
    )
    .refine(
        (s) => !/:latest$/.test(s),
        "must not use the `latest` tag: pin a version so deploys are repeatable",
    );

export const ServiceSpec = z
    .object({
        image: ImageRef,
        /** Hard memory limit (docker `mem_limit`), MiB. */
        memoryMb: z.number().int().min(32).max(65536),
        /** CPU limit in cores (docker `cpus`). */
        cpus: z.number().positive().max(64),
        /** Port the service listens on inside its container, where other services reach it. */
        port: z.number().int().min(1).max(65535).optional(),
        /** Copies of the service (only meaningful for stateless services such as workers). */
        replicas: z.number().int().min(1).max(16).default(1),
        /** Overrides the image's command. */
        command: z.array(z.string()).optional(),
        /** HTTP path that answers 200 when the service is healthy. */
        healthPath: z.string().startsWith("/").optional(),
    })
    .strict();
export type ServiceSpec = z.infer<typeof ServiceSpec>;

export const Workload = z
    .object(
        Object.fromEntries(SERVICE_NAMES.map((n) => [n, ServiceSpec])) as Record<
            ServiceName,
            typeof ServiceSpec
        >,
    )
    .strict();
export type Workload = z.infer<typeof Workload>;

/** Total memory the workload's limits add up to, counting replicas. */
export function workloadMemoryMb(w: Workload): number {
    return SERVICE_NAMES.reduce((sum, n) => sum + w[n].memoryMb * w[n].replicas, 0);
}
