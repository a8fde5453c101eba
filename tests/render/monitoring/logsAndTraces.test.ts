/**
 * The VM phases' log and trace configs: Loki's file, the log agent's Alloy pipeline and the OpenTelemetry
 * collector's config. No Loki, Alloy or collector binary exists on this machine (Debian packages none of them, and
 * only npm and Debian packages are reachable), so nothing here runs them: the tests check what can be checked
 * without them. Loki's file parses as YAML and carries exactly the keys a 3.x single binary needs, with the store
 * settings phase 5's chart gives Loki; the retention follows the seed's table; every component an Alloy pipeline
 * refers to is declared; every collector pipeline names only defined receivers, processors and exporters.
 */
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { alloyConfig, lokiValues, type ObservabilityInput } from "../../../core/k8s/observability";
import { renderAlloy } from "../../../core/render/monitoring/alloy";
import { logAgentBlocks } from "../../../core/render/monitoring/logAgent";
import {
    LOG_RETENTION_DAYS,
    buildLokiConfig,
    lokiConfigFile,
    type VmPhase,
} from "../../../core/render/monitoring/loki";
import { buildOtelCollectorConfig } from "../../../core/render/monitoring/otelCollector";
import { buildDockerDaemonConfig } from "../../../core/render/host/dockerDaemon";

type Json = Record<string, unknown>;

const PHASE5: ObservabilityInput = {
    stack: "phase5",
    grafanaAdmin: { secretName: "grafana-admin" },
    prometheus: { retentionDays: 30, storageGi: 50 },
    loki: { retentionDays: 7, storageGi: 40 },
};

/** The chart's `loki` section under the names Loki's own config file uses (the chart's templates map them). */
function chartLokiAsConfig(): Json {
    const { commonConfig, storage, schemaConfig, ...rest } = (lokiValues(PHASE5) as { loki: Json }).loki;
    return { ...rest, common: commonConfig, storage, schema_config: schemaConfig };
}

describe("Loki's config file", () => {
    const config = parse(lokiConfigFile("phase1", 3100).content) as Json;

    it("has exactly the keys Loki 3.x's single binary needs", () => {
        expect(Object.keys(config).sort()).toEqual(
            [
                "analytics",
                "auth_enabled",
                "common",
                "compactor",
                "limits_config",
                "schema_config",
                "server",
            ].sort(),
        );
        expect(config["auth_enabled"]).toBe(false);
        expect(config["server"]).toEqual({ http_listen_port: 3100, log_level: "warn" });
        expect(config["common"]).toMatchObject({
            path_prefix: "/loki",
            replication_factor: 1,
            ring: { kvstore: { store: "inmemory" } },
            storage: { filesystem: { chunks_directory: "/loki/chunks", rules_directory: "/loki/rules" } },
        });
    });

    it("stores, indexes and compacts as phase 5's chart does", () => {
        const chart = chartLokiAsConfig();
        // The chart's own keys beside the shared ones: its storage type is the file's common.storage.filesystem.
        expect(Object.keys(chart).sort()).toEqual(
            ["auth_enabled", "common", "compactor", "limits_config", "schema_config", "storage"].sort(),
        );
        for (const key of ["auth_enabled", "schema_config", "compactor", "limits_config"])
            expect(config[key], key).toEqual(chart[key]);
        expect(chart["storage"]).toEqual({ type: "filesystem" });
        expect((config["common"] as Json)["replication_factor"]).toBe(
            (chart["common"] as Json)["replication_factor"],
        );
    });

    it("keeps logs 7 days in dev and phases 1-2 and 30 days in phases 3-4 (the seed's retention table)", () => {
        const hours = (phase: VmPhase) =>
            (buildLokiConfig(phase, 3100)["limits_config"] as { retention_period: string }).retention_period;
        expect(
            Object.fromEntries(Object.keys(LOG_RETENTION_DAYS).map((p) => [p, hours(p as VmPhase)])),
        ).toEqual({
            dev: "168h",
            phase1: "168h",
            phase2: "168h",
            phase3: "720h",
            phase4: "720h",
        });
        expect((config["compactor"] as Json)["retention_enabled"]).toBe(true);
    });

    it("listens on the workload's port", () => {
        expect(buildLokiConfig("phase3", 3200)["server"]).toMatchObject({ http_listen_port: 3200 });
    });
});

/** Components an Alloy config declares (`loki.write "loki"` as `loki.write.loki`). */
function declared(config: string): Set<string> {
    return new Set(
        [...config.matchAll(/^([a-z_]+(?:\.[a-z_]+)+) "([^"]+)" \{/gm)].map((m) => `${m[1]}.${m[2]}`),
    );
}

/** Every reference to a component's export that no declared component provides. */
function dangling(config: string): string[] {
    const components = declared(config);
    // Right-hand sides only, with their string literals removed: what is left are expressions.
    const expressions = [...config.matchAll(/ = (.*)$/gm)].map((m) =>
        m[1]!.replace(/"(?:[^"\\]|\\.)*"/g, '""'),
    );
    const refs = expressions.flatMap((e) =>
        [...e.matchAll(/\b[a-z_]+(?:\.[a-z_]+){2,}\b/g)].map((m) => m[0]),
    );
    return refs.filter((r) => !components.has(r.slice(0, r.lastIndexOf("."))));
}

describe("the log agent's Alloy pipeline", () => {
    const spec = { stack: "phase3", host: "backend-1", pushUrl: "http://10.0.1.20:3100/loki/api/v1/push" };
    const config = renderAlloy(logAgentBlocks(spec));

    it("refers only to components it declares, as phase 5's pipeline does", () => {
        expect(dangling(config)).toEqual([]);
        expect(dangling(alloyConfig())).toEqual([]);
        expect([...declared(config)].length).toBe(6);
    });

    it("catches a reference to a component it does not declare (the check can fail)", () => {
        const broken = config.replace("loki.process.containers.receiver", "loki.process.container.receiver");
        expect(dangling(broken)).toEqual(["loki.process.container.receiver"]);
    });

    it("tails Docker's json-file logs and labels each line with the compose service the daemon writes into attrs", () => {
        expect(config).toContain('"__path__" = "/var/lib/docker/containers/*/*-json.log"');
        const label = String((buildDockerDaemonConfig()["log-opts"] as Json)["labels"]);
        expect(config).toContain(`expressions = { "service" = ${JSON.stringify(`attrs."${label}"`)} }`);
        // The service comes from the raw line, before stage.docker replaces it with the line's `log` field.
        const order = ["stage.json", "stage.labels", "stage.docker"].map((st) => config.indexOf(`${st} {`));
        expect(order.every((at, k) => at > 0 && (k === 0 || at > order[k - 1]!))).toBe(true);
        expect(config).not.toContain("docker.sock");
        expect(config).not.toContain("loki.source.docker");
    });

    it("reads the journal labelled by unit, and labels every stream host and stack", () => {
        expect(config).toMatch(/source_labels = \["__journal__systemd_unit"\]\n {4}target_label = "unit"/);
        expect(config).toContain("relabel_rules = loki.relabel.journal.rules");
        expect(config).toContain('external_labels = { "host" = "backend-1", "stack" = "phase3" }');
        expect(config).toContain(`url = "${spec.pushUrl}"`);
    });
});

interface Collector {
    receivers: Json;
    processors: Json;
    exporters: Json;
    connectors?: Json;
    service: {
        pipelines: Record<string, { receivers: string[]; processors?: string[]; exporters: string[] }>;
    };
}

/** What each pipeline names that the config does not define (a connector is both exporter and receiver). */
function undefinedParts(c: Collector): string[] {
    const connectors = Object.keys(c.connectors ?? {});
    const defined = {
        receivers: [...Object.keys(c.receivers), ...connectors],
        processors: Object.keys(c.processors),
        exporters: [...Object.keys(c.exporters), ...connectors],
    };
    return Object.entries(c.service.pipelines).flatMap(([name, p]) =>
        (["receivers", "processors", "exporters"] as const).flatMap((kind) =>
            (p[kind] ?? []).filter((x) => !defined[kind].includes(x)).map((x) => `${name}.${kind}: ${x}`),
        ),
    );
}

describe("the OpenTelemetry collector's config", () => {
    const config = parse(JSON.stringify(buildOtelCollectorConfig(4318))) as Collector;

    it("takes OTLP over gRPC 4317 and HTTP on the workload's port, from other containers", () => {
        expect(config.receivers).toEqual({
            otlp: { protocols: { grpc: { endpoint: "0.0.0.0:4317" }, http: { endpoint: "0.0.0.0:4318" } } },
        });
    });

    it("batches spans into the debug exporter and span metrics into Prometheus", () => {
        expect(config.service.pipelines["traces"]).toEqual({
            receivers: ["otlp"],
            processors: ["batch"],
            exporters: ["debug", "spanmetrics"],
        });
        expect(config.service.pipelines["metrics"]!.exporters).toEqual(["prometheus"]);
    });

    it("names only defined receivers, processors and exporters in its pipelines", () => {
        expect(undefinedParts(config)).toEqual([]);
    });

    it("catches a pipeline naming an undefined part (the check can fail)", () => {
        const { spanmetrics: _, ...connectors } = config.connectors!;
        expect(undefinedParts({ ...config, connectors })).toEqual([
            "traces.exporters: spanmetrics",
            "metrics.receivers: spanmetrics",
        ]);
    });
});
