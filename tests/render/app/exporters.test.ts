/**
 * The containerised postgres_exporter and redis_exporter: where they run, how they get their passwords (files
 * only), and the scrape jobs Prometheus reads them with. tests/integration/containerExporters.test.ts runs the
 * same environment against real servers.
 */
import { afterAll, describe, expect, it } from "vitest";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { renderAppHost } from "../../../core/render/machines/appHost";
import { buildCompose, type ComposeSpec } from "../../../core/render/app/compose";
import { renderSecretFiles } from "../../../core/render/app/secrets";
import { COMPOSE_FILE, CONTAINER_PATHS, SECRET_PATHS } from "../../../core/render/base/paths";
import { devContainers } from "../../../core/render/dev/devContainers";
import { renderDevStack } from "../../../core/render/dev/devStack";
import { containerExporterJobs } from "../../../core/render/monitoring/containerExporters";
import { REDIS_SCRAPE_JOB } from "../../../core/render/monitoring/redisExporter";
import { POSTGRES_SCRAPE_JOB } from "../../../core/render/monitoring/postgresExporter";
import { buildPrometheusConfig, workloadScrapeJobs } from "../../../core/render/monitoring/prometheus";
import { ALL_LOCAL, type HostPlacement } from "../../../core/topology/placement";
import {
    backendPlacement,
    databasePlacement,
    dataEndpoints,
    frontendPlacement,
    phase2AppPlacement,
    phase2DataPlacement,
    withTelemetry,
} from "../../../core/topology/placements";
import { ImageRef } from "../../../core/workload/services";
import { RUNTIME, type ServiceRuntime } from "../../../core/workload/runtime";
import { secretFileOwners } from "../../../core/render/app/composeUnit";
import { toYaml } from "../../../core/render/base/yaml";
import { runTool } from "../../helpers/tools";
import { RESERVATIONS, WORKLOAD, distinctiveSecrets, phase1Spec, removeDir, tempDir } from "../fixtures";

type Service = {
    environment?: Record<string, string>;
    command?: string[];
    labels?: unknown;
    secrets?: { source: string; target: string }[];
    healthcheck?: unknown;
    networks: string[];
    user: string;
};

const EXPORTERS = ["postgres-exporter", "redis-exporter"] as const;
const secrets = distinctiveSecrets();
const host = renderAppHost({ ...phase1Spec(), secrets });
const fileAt = (path: string) => {
    const f = host.files.find((x) => x.path === path);
    if (!f) throw new Error(`the phase-1 host has no ${path}`);
    return f;
};
const compose = parse(fileAt(COMPOSE_FILE).content) as {
    services: Record<string, Service>;
    secrets: Record<string, { file: string }>;
};
const service = (name: string) => {
    const s = compose.services[name];
    if (!s) throw new Error(`compose has no service ${name}`);
    return s;
};
const passwords = [secrets.postgresPassword, secrets.redisPassword];

const DATA = dataEndpoints(WORKLOAD, "10.0.1.5", "10.0.1.10");
const LATER_PHASES: Readonly<Record<string, HostPlacement>> = Object.fromEntries(
    Object.entries({
        "phase 2 app": phase2AppPlacement("10.0.1.2", DATA),
        "phase 2 data": phase2DataPlacement(WORKLOAD, "10.0.1.5", "10.0.1.2", DATA),
        "phase 3-4 backend": backendPlacement(WORKLOAD, "10.0.1.3", "10.0.1.4", DATA),
        "phase 3-4 frontend": frontendPlacement(WORKLOAD, "10.0.1.4", "10.0.1.3", DATA),
        "phase 3-4 database with search": databasePlacement("10.0.1.5", true, DATA),
        "phase 3-4 database": databasePlacement("10.0.1.6", false, DATA),
    }).map(([host, p]) => [host, withTelemetry(p, WORKLOAD, "10.0.1.5")]),
);

const dirs: string[] = [];
afterAll(() => dirs.forEach(removeDir));

describe("the phase-1 host's exporters", () => {
    it.each(EXPORTERS)("%s runs hardened on the data and monitoring networks", (name) => {
        const s = service(name) as Service & Record<string, unknown>;
        expect(s.networks).toEqual(["data", "monitoring"]);
        expect(s["read_only"]).toBe(true);
        expect(s["security_opt"]).toEqual(["no-new-privileges:true"]);
        expect(s["cap_drop"]).toEqual(["ALL"]);
        expect(s["mem_limit"]).toBe("64m");
        expect(s["cpus"]).toBe(0.25);
        expect(s.user).not.toMatch(/^0:/);
    });

    it("postgres_exporter reads the Postgres password file, mounted where DATA_SOURCE_PASS_FILE points", () => {
        const s = service("postgres-exporter");
        expect(s.environment).toEqual({
            DATA_SOURCE_URI: "postgres:5432/chrono?sslmode=disable",
            DATA_SOURCE_USER: "chrono_app",
            DATA_SOURCE_PASS_FILE: CONTAINER_PATHS.postgresPassword,
        });
        expect(s.secrets).toEqual([{ source: "postgresPassword", target: CONTAINER_PATHS.postgresPassword }]);
        // The file is Postgres' own, owner-only: the exporter must run as that owner.
        expect(s.user).toBe(service("postgres").user);
    });

    it("redis_exporter reads a JSON password file keyed by exactly the URI it scrapes", () => {
        const s = service("redis-exporter");
        expect(s.environment).toEqual({
            REDIS_ADDR: "redis://redis:6379",
            REDIS_PASSWORD_FILE: CONTAINER_PATHS.redisExporterPasswords,
        });
        expect(s.secrets).toEqual([
            { source: "redisExporterPasswords", target: CONTAINER_PATHS.redisExporterPasswords },
        ]);
        expect(compose.secrets["redisExporterPasswords"]).toEqual({
            file: SECRET_PATHS.redisExporterPasswords,
        });
        const file = fileAt(SECRET_PATHS.redisExporterPasswords);
        expect(file).toMatchObject({ permissions: "0600", secret: true });
        expect(JSON.parse(file.content)).toEqual({ [s.environment!["REDIS_ADDR"]!]: secrets.redisPassword });
    });

    it("the unit hands each exporter's password file to the uid the exporter runs as", () => {
        const unit = host.files.find((f) => f.path.endsWith("/phase-stacks.service"))!.content;
        for (const name of EXPORTERS) {
            const s = service(name);
            const path = compose.secrets[s.secrets![0]!.source]!.file;
            expect(unit).toContain(`/usr/bin/chown ${s.user.split(":")[0]} ${path}`);
        }
    });

    it("the unit refuses a password file two services would read as different uids", () => {
        const exporter = RUNTIME.postgresExporter as { user: ServiceRuntime["user"] };
        const own = exporter.user;
        exporter.user = { uid: 65534, gid: 65534 };
        try {
            expect(() => secretFileOwners(ALL_LOCAL)).toThrow(
                /RUNTIME\.postgresExporter\.user\.uid \(65534\) differs from RUNTIME\.postgres\.user\.uid \(70\)/,
            );
        } finally {
            exporter.user = own;
        }
    });

    it("no password is in any service's environment, command or labels, nor anywhere in the compose file", () => {
        const content = fileAt(COMPOSE_FILE).content;
        for (const pw of passwords) expect(content).not.toContain(pw);
        for (const [name, s] of Object.entries(compose.services)) {
            const exposed = JSON.stringify([s.environment, s.command, s.labels]);
            for (const pw of passwords) expect(exposed, name).not.toContain(pw);
        }
    });

    it("redis_exporter has no in-container health check (a scratch image), and a healthPath for it is refused", () => {
        expect(service("redis-exporter").healthcheck).toBeUndefined();
        expect(service("postgres-exporter").healthcheck).toBeDefined();
        const spec: ComposeSpec = {
            workload: { ...WORKLOAD, redisExporter: { ...WORKLOAD.redisExporter, healthPath: "/metrics" } },
            reservationsMb: RESERVATIONS,
            placement: ALL_LOCAL,
            hostnames: { app: "app.example.com", api: "api.example.com" },
            postgres: { database: "app", user: "app", dataDir: "/mnt/postgres" },
        };
        expect(() => buildCompose(spec)).toThrow(/workload\.redisExporter\.healthPath is set/);
    });

    it("accepts the exporters' images as pinned references", () => {
        expect(ImageRef.safeParse(WORKLOAD.redisExporter.image).success).toBe(true);
        expect(ImageRef.safeParse(WORKLOAD.postgresExporter.image).success).toBe(true);
        expect(ImageRef.safeParse("oliver006/redis_exporter").success).toBe(false);
        expect(ImageRef.safeParse("oliver006/redis_exporter:latest").success).toBe(false);
    });
});

describe("the dev stack's exporters", () => {
    const containers = devContainers("dev", WORKLOAD, renderDevStack({ workload: WORKLOAD }));
    const container = (name: string) => {
        const c = containers.find((x) => x.name === name);
        if (!c) throw new Error(`dev has no container ${name}`);
        return c;
    };

    it("postgres_exporter gets the Postgres password as an uploaded secret file, never a value", () => {
        const c = container("postgres-exporter");
        expect(c.env).toEqual({
            DATA_SOURCE_URI: "postgres:5432/app?sslmode=disable",
            DATA_SOURCE_USER: "app",
            DATA_SOURCE_PASS_FILE: CONTAINER_PATHS.postgresPassword,
        });
        expect(c.uploads).toEqual([
            {
                file: CONTAINER_PATHS.postgresPassword,
                secret: "postgresPassword",
                owner: c.user,
                permissions: "0400",
            },
        ]);
        expect(c.dependsOn).toEqual(["postgres"]);
    });

    it("redis_exporter scrapes dev's password-less Redis with no password file", () => {
        const c = container("redis-exporter");
        expect(c.env).toEqual({ REDIS_ADDR: "redis://redis:6379" });
        expect(c.uploads).toEqual([]);
        expect(c.healthcheck).toBeUndefined();
    });

    it.each(EXPORTERS)("%s is on the data and monitoring networks", (name) => {
        expect(container(name).networks.map((n) => n.network)).toEqual(["data", "monitoring"]);
    });
});

describe("phases 2-4, where Postgres and Redis run natively", () => {
    it.each(Object.entries(LATER_PHASES))(
        "%s runs no exporter container and no job for one",
        (_, placement) => {
            expect(placement.local).not.toContain("postgresExporter");
            expect(placement.local).not.toContain("redisExporter");
            expect(containerExporterJobs(WORKLOAD, placement)).toEqual([]);
            const services = buildCompose({
                workload: WORKLOAD,
                reservationsMb: RESERVATIONS,
                placement,
                hostnames: { app: "app.example.com", api: "api.example.com" },
                postgres: { database: "app", user: "app", dataDir: "/mnt/postgres" },
            }).services;
            for (const name of EXPORTERS) expect(Object.keys(services)).not.toContain(name);
            const files = renderSecretFiles({
                workload: WORKLOAD,
                placement,
                postgres: { database: "app", user: "app" },
                secrets,
            });
            expect(files.map((f) => f.path)).not.toContain(SECRET_PATHS.redisExporterPasswords);
        },
    );
});

describe("the exporters' scrape jobs", () => {
    it("read the exporters at their compose names where they are placed", () => {
        expect(containerExporterJobs(WORKLOAD, ALL_LOCAL)).toEqual([
            { job: POSTGRES_SCRAPE_JOB, targets: ["postgres-exporter:9187"] },
            { job: REDIS_SCRAPE_JOB, targets: ["redis-exporter:9121"] },
        ]);
        for (const name of EXPORTERS) expect(Object.keys(compose.services)).toContain(name);
    });

    it("pass `promtool check config` beside the workload's jobs", () => {
        const jobs = workloadScrapeJobs(WORKLOAD, ALL_LOCAL);
        const names = jobs.map((j) => j.job);
        expect(names).toEqual(expect.arrayContaining(["postgres", "redis"]));
        expect(names.filter((n, i) => names.indexOf(n) !== i)).toEqual([]);
        const dir = tempDir("exporter-jobs");
        dirs.push(dir);
        const file = join(dir, "prometheus.yml");
        writeFileSync(file, toYaml(buildPrometheusConfig("phase1", jobs)));
        const r = runTool("promtool", ["check", "config", file]);
        expect(r.status, r.output).toBe(0);
    });
});
