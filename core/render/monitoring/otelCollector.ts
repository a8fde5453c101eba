/**
 * The application's tracing endpoint: an OpenTelemetry collector beside the region's Prometheus, taking OTLP
 * over gRPC and HTTP, batching spans and, until a trace store is chosen, logging them (`debug`) and turning
 * them into request and duration metrics (the `spanmetrics` connector) that Prometheus scrapes.
 */
import type { RenderedFile } from "../base/artifact";
import { CONTAINER_PATHS, HOST_PATHS } from "../base/paths";
import { toYaml } from "../base/yaml";

export const OTLP_GRPC_PORT = 4317;
/** Where the collector's Prometheus exporter serves the span metrics. */
export const SPAN_METRICS_PORT = 8889;

export const OTEL_COLLECTOR_COMMAND: readonly string[] = [`--config=${CONTAINER_PATHS.otelCollectorConfig}`];

/** `httpPort` is the workload's `otelCollector.port`, where clients send OTLP over HTTP. */
export function buildOtelCollectorConfig(httpPort: number): Record<string, unknown> {
    return {
        receivers: {
            // All interfaces of the container: the collector's 0.x default is localhost, out of other containers' reach.
            otlp: {
                protocols: {
                    grpc: { endpoint: `0.0.0.0:${OTLP_GRPC_PORT}` },
                    http: { endpoint: `0.0.0.0:${httpPort}` },
                },
            },
        },
        processors: { batch: {} },
        connectors: { spanmetrics: {} },
        exporters: {
            debug: { verbosity: "basic" },
            prometheus: { endpoint: `0.0.0.0:${SPAN_METRICS_PORT}` },
        },
        service: {
            pipelines: {
                traces: { receivers: ["otlp"], processors: ["batch"], exporters: ["debug", "spanmetrics"] },
                metrics: { receivers: ["spanmetrics"], processors: ["batch"], exporters: ["prometheus"] },
            },
        },
    };
}

export function otelCollectorFile(
    httpPort: number,
    path: string = HOST_PATHS.otelCollectorConfig,
): RenderedFile {
    return {
        path,
        content: toYaml(buildOtelCollectorConfig(httpPort)),
        kind: "otel-collector",
        permissions: "0644",
    };
}
