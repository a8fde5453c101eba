/**
 * A realistic phase-1 app host: the workload defaults of Pulumi.yaml (the seed's Phase-1 allocation), distinctive
 * secrets that satisfy the generators' alphabet, and a real 2048-bit RSA certificate and key made with openssl.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { gunzipSync } from "node:zlib";
import { parse } from "yaml";
import type { AppHostSecrets, AppHostSpec } from "../../core/render/machines/appHost";
import type { RenderedFile } from "../../core/render/base/artifact";
import { decodeUserData } from "../../core/render/base/cloudInit";
import { SERVICE_NAMES, Workload, type ServiceName } from "../../core/workload/services";
import { withDefaultPorts, type ResolvedWorkload } from "../../core/config/ports";
import { runTool } from "../helpers/tools";

export const WORKLOAD: ResolvedWorkload = withDefaultPorts(
    Workload.parse({
        proxy: { image: "caddy:2.8.4-alpine", memoryMb: 128, cpus: 0.5, port: 443 },
        api: {
            image: "ghcr.io/chrono-scraper/backend:2.0.0",
            memoryMb: 1024,
            cpus: 1,
            port: 8000,
            healthPath: "/health",
        },
        frontend: {
            image: "ghcr.io/chrono-scraper/frontend:2.0.0",
            memoryMb: 512,
            cpus: 0.5,
            port: 3000,
            healthPath: "/",
        },
        postgres: { image: "postgres:16.4-alpine", memoryMb: 2048, cpus: 1, port: 5432 },
        redis: { image: "redis:7.4.1-alpine", memoryMb: 512, cpus: 0.5, port: 6379 },
        meilisearch: {
            image: "getmeili/meilisearch:v1.11.3",
            memoryMb: 1024,
            cpus: 1,
            port: 7700,
            healthPath: "/health",
        },
        worker: {
            image: "ghcr.io/chrono-scraper/backend:2.0.0",
            memoryMb: 512,
            cpus: 1,
            replicas: 2,
            command: ["celery", "-A", "app.tasks.celery_app", "worker", "--loglevel=info", "--concurrency=2"],
        },
        crawler: { image: "ghcr.io/mendableai/firecrawl:v1.4.0", memoryMb: 1536, cpus: 1, port: 3002 },
        prometheus: {
            image: "prom/prometheus:v2.55.1",
            memoryMb: 256,
            cpus: 0.5,
            port: 9090,
            healthPath: "/-/healthy",
        },
        grafana: {
            image: "grafana/grafana:11.3.1",
            memoryMb: 256,
            cpus: 0.5,
            port: 3000,
            healthPath: "/api/health",
        },
        nodeExporter: { image: "prom/node-exporter:v1.8.2", memoryMb: 64, cpus: 0.25, port: 9100 },
        postgresExporter: {
            image: "quay.io/prometheuscommunity/postgres-exporter:v0.15.0",
            memoryMb: 64,
            cpus: 0.25,
            port: 9187,
            healthPath: "/metrics",
        },
        redisExporter: { image: "oliver006/redis_exporter:v1.66.0", memoryMb: 64, cpus: 0.25, port: 9121 },
        loki: { image: "grafana/loki:3.7.6", memoryMb: 192, cpus: 0.5, port: 3100 },
        logAgent: { image: "grafana/alloy:v1.18.1", memoryMb: 128, cpus: 0.25 },
        otelCollector: {
            image: "otel/opentelemetry-collector-contrib:0.136.0",
            memoryMb: 128,
            cpus: 0.25,
            port: 4318,
        },
        alertmanager: {
            image: "prom/alertmanager:v0.27.0",
            memoryMb: 64,
            cpus: 0.25,
            port: 9093,
            healthPath: "/-/healthy",
        },
        blackboxExporter: {
            image: "prom/blackbox-exporter:v0.25.0",
            memoryMb: 64,
            cpus: 0.25,
            port: 9115,
            healthPath: "/-/healthy",
        },
    }),
);

/** 90% of each limit, distinct from the limits so a swapped field shows. */
export const RESERVATIONS = Object.fromEntries(
    SERVICE_NAMES.map((n) => [n, Math.floor(WORKLOAD[n].memoryMb * 0.9)]),
) as Record<ServiceName, number>;

export function tempDir(label: string): string {
    return mkdtempSync(join(tmpdir(), `phase-stacks-${label}-`));
}

export interface OriginCert {
    readonly certPem: string;
    readonly keyPem: string;
    readonly certFile: string;
    readonly keyFile: string;
}

let cert: OriginCert | undefined;
/** A throwaway self-signed 2048-bit RSA certificate, the size of a Cloudflare Origin CA one; made once per test file. */
export function originCert(): OriginCert {
    if (cert) return cert;
    const dir = tempDir("cert");
    const certFile = join(dir, "origin-cert.pem");
    const keyFile = join(dir, "origin-key.pem");
    const r = runTool("openssl", [
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "2",
        "-subj",
        "/O=CloudFlare, Inc./CN=CloudFlare Origin Certificate",
        "-addext",
        "subjectAltName=DNS:*.example.com,DNS:example.com",
        "-keyout",
        keyFile,
        "-out",
        certFile,
    ]);
    if (r.status !== 0) throw new Error(`openssl failed: ${r.output}`);
    cert = {
        certPem: readFileSync(certFile, "utf8"),
        keyPem: readFileSync(keyFile, "utf8"),
        certFile,
        keyFile,
    };
    return cert;
}

/** Distinctive values; '/' and '+' make the URL-encoded forms differ from the raw ones. */
export function distinctiveSecrets(): AppHostSecrets {
    const c = originCert();
    return {
        postgresPassword: "PgPass/Zq81+Xw4Rt7Yu2",
        redisPassword: "RedisPass-Kd93Lm27Vn45",
        meiliMasterKey: "MeiliKey-Hs62Jd84Kf19Lg37",
        grafanaAdminPassword: "GrafanaPass-Tq58Wr13",
        backupAccessKeyId: "BACKUPKEYID7Q2WE9R4",
        backupSecretAccessKey: "BackupSecret/Ax7+Bz9=Cy3",
        originCertPem: c.certPem,
        originKeyPem: c.keyPem,
        alertReceiverCredential: "AlertToken-Pw47Hc82Nv",
    };
}

export function phase1Spec(overrides: Partial<AppHostSpec> = {}): AppHostSpec {
    return {
        stack: "phase1",
        workload: WORKLOAD,
        reservationsMb: RESERVATIONS,
        hostnames: { app: "app.example.com", api: "api.example.com" },
        postgres: {
            database: "chrono",
            user: "chrono_app",
            volumeDevice: "/dev/disk/by-id/scsi-0HC_Volume_31415926",
            mountPoint: "/mnt/postgres",
        },
        backup: {
            endpoint: "https://fsn1.your-objectstorage.com",
            bucket: "acme-backups",
            region: "fsn1",
            prefix: "chrono",
            retentionDays: 7,
            onCalendar: "*-*-* 03:15:00",
        },
        secrets: distinctiveSecrets(),
        ...overrides,
    };
}

/** Writes each file at root + its absolute path (append-only files get their own copy). */
export function writeTree(root: string, files: readonly RenderedFile[]): void {
    for (const f of files) {
        const p = join(root, f.path);
        mkdirSync(dirname(p), { recursive: true });
        writeFileSync(p, f.content, { mode: parseInt(f.permissions, 8) });
    }
}

export function removeDir(dir: string): void {
    rmSync(dir, { recursive: true, force: true });
}

export function fileAt(files: readonly RenderedFile[], path: string): RenderedFile {
    const f = files.find((x) => x.path === path);
    if (!f) throw new Error(`no rendered file at ${path}; have ${files.map((x) => x.path).join(", ")}`);
    return f;
}

export interface WriteFilesEntry {
    readonly path: string;
    readonly content: string;
    readonly encoding?: string;
    readonly permissions: string;
    readonly owner: string;
    readonly append?: boolean;
}

/** The cloud-config's write_files (of plain or gzip+base64 user data), with gz+b64 contents decoded. */
export function writeFilesOf(userData: string): { entry: WriteFilesEntry; decoded: string }[] {
    const doc = parse(decodeUserData(userData)) as { write_files: WriteFilesEntry[] };
    return doc.write_files.map((entry) => ({
        entry,
        decoded:
            entry.encoding === "gz+b64"
                ? gunzipSync(Buffer.from(entry.content, "base64")).toString("utf8")
                : entry.content,
    }));
}

/** The document as PyYAML reads it (YAML 1.1: cloud-init, docker-compose 1.29), as plain JSON data. */
export function pyYamlLoad(text: string): unknown {
    const r = runTool(
        "python3",
        ["-c", "import json, sys, yaml; json.dump(yaml.safe_load(sys.stdin), sys.stdout)"],
        { input: text },
    );
    if (r.status !== 0) throw new Error(`PyYAML could not read the document: ${r.output}`);
    return JSON.parse(r.output);
}
