/**
 * A host's log and trace files: the log agent's pipeline on every Docker host, and Loki's and the collector's
 * configs where the placement runs them (beside the region's Prometheus).
 */
import type { Phase } from "../../phases";
import type { ResolvedWorkload } from "../../config/ports";
import type { RenderedFile } from "../base/artifact";
import { hostPort, isLocal, serviceEndpoint, type HostPlacement } from "../../topology/placement";
import { logAgentFile } from "./logAgent";
import { lokiConfigFile } from "./loki";
import { LOKI_PUSH_PATH } from "./lokiStorage";
import { otelCollectorFile } from "./otelCollector";

export interface TelemetryHost {
    readonly stack: string;
    /** The host's name, which labels its streams `host`. */
    readonly host: string;
    readonly phase: Phase;
    readonly workload: ResolvedWorkload;
    readonly placement: HostPlacement;
}

export function telemetryFiles(h: TelemetryHost): RenderedFile[] {
    const { phase, workload, placement } = h;
    const files: RenderedFile[] = [];
    if (isLocal(placement, "logAgent")) {
        const loki = hostPort(serviceEndpoint(placement, workload, "loki"));
        files.push(
            logAgentFile({ stack: h.stack, host: h.host, pushUrl: `http://${loki}${LOKI_PUSH_PATH}` }),
        );
    }
    if (isLocal(placement, "loki")) {
        if (phase === "phase5") throw new Error("phase 5 runs Loki from its chart, not on a Docker host");
        files.push(lokiConfigFile(phase, workload.loki.port));
    }
    if (isLocal(placement, "otelCollector")) files.push(otelCollectorFile(workload.otelCollector.port));
    return files;
}
