/**
 * The VM phases' Loki: one binary (`-target=all`) beside the region's Prometheus, chunks and index on a named
 * volume, single-tenant like phase 5's (its writers are the stack's own log agents, its reader Grafana), with
 * the store settings phase 5's chart gets and the retention of the seed's table.
 */
import type { Phase } from "../../phases";
import type { RenderedFile } from "../base/artifact";
import { CONTAINER_PATHS, HOST_PATHS } from "../base/paths";
import { toYaml } from "../base/yaml";
import { lokiStoreSettings } from "./lokiStorage";

/** Phase 5 keeps logs as its `observability.loki.retentionDays` says; the VM phases by this table. */
export type VmPhase = Exclude<Phase, "phase5">;

/** Days Loki keeps logs: the seed's "Phase 1-2: 7-day retention, Phase 3-4: 30-day" (dev as phase 1). */
export const LOG_RETENTION_DAYS: Readonly<Record<VmPhase, number>> = {
    dev: 7,
    phase1: 7,
    phase2: 7,
    phase3: 30,
    phase4: 30,
};

/** Where Loki keeps everything inside its container: the named volume. */
export const LOKI_DATA_DIR = "/loki";

export const LOKI_COMMAND: readonly string[] = [`-config.file=${CONTAINER_PATHS.lokiConfig}`, "-target=all"];

/** `port` is the workload's `loki.port`, where the agents push and Grafana queries. */
export function buildLokiConfig(phase: VmPhase, port: number): Record<string, unknown> {
    return {
        auth_enabled: false,
        server: { http_listen_port: port, log_level: "warn" },
        // path_prefix places the WAL, the TSDB shipper's and the compactor's directories on the volume too.
        common: {
            path_prefix: LOKI_DATA_DIR,
            replication_factor: 1,
            ring: { kvstore: { store: "inmemory" } },
            storage: {
                filesystem: {
                    chunks_directory: `${LOKI_DATA_DIR}/chunks`,
                    rules_directory: `${LOKI_DATA_DIR}/rules`,
                },
            },
        },
        ...lokiStoreSettings(LOG_RETENTION_DAYS[phase]),
        analytics: { reporting_enabled: false },
    };
}

export function lokiConfigFile(
    phase: VmPhase,
    port: number,
    path: string = HOST_PATHS.lokiConfig,
): RenderedFile {
    return { path, content: toYaml(buildLokiConfig(phase, port)), kind: "loki", permissions: "0644" };
}
