/**
 * Loki's storage as phase 5's chart and the VM phases' config file both run it: one binary, chunks and a TSDB
 * index on the local filesystem, and the compactor deleting what is older than the retention. The chart maps
 * its `schemaConfig` to Loki's `schema_config`; the other keys are Loki's own.
 */

export const LOKI_DATASOURCE = { type: "loki", uid: "loki" } as const;
/** Loki's HTTP port (its own default; the chart's `loki.server.http_listen_port`). */
export const LOKI_HTTP_PORT = 3100;
/** Where a client pushes streams. */
export const LOKI_PUSH_PATH = "/loki/api/v1/push";

/**
 * The first day of Loki's one schema period. It is part of the stored index: never change it on a running
 * Loki; a schema change is a new entry with a later date.
 */
export const LOKI_SCHEMA_FROM = "2024-04-01";

export interface LokiStoreSettings {
    readonly schema_config: { readonly configs: readonly object[] };
    readonly compactor: Readonly<Record<string, unknown>>;
    readonly limits_config: { readonly retention_period: string };
}

/** The schema, compactor and limits of a Loki that keeps its logs `retentionDays` days. */
export function lokiStoreSettings(retentionDays: number): LokiStoreSettings {
    if (!Number.isInteger(retentionDays) || retentionDays < 1)
        throw new Error(`Loki's retention is ${retentionDays} days: give whole days, at least 1`);
    return {
        schema_config: {
            configs: [
                {
                    from: LOKI_SCHEMA_FROM,
                    store: "tsdb",
                    object_store: "filesystem",
                    schema: "v13",
                    index: { prefix: "index_", period: "24h" },
                },
            ],
        },
        // Retention is the compactor's: it deletes chunks older than retention_period (a multiple of the 24 h
        // index period).
        compactor: { retention_enabled: true, delete_request_store: "filesystem" },
        limits_config: { retention_period: `${retentionDays * 24}h` },
    };
}
