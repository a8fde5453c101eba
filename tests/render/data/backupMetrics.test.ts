/**
 * The backups' success metrics, written by the rendered scripts run for real under bash (stand-ins for docker,
 * psql, pg_basebackup, redis-cli and rclone on PATH) into a textfile directory, and read back by Debian's
 * node exporter: each kind's file appears only once its upload succeeded, carries the timer's cadence, and
 * parses as the hosts' node exporters will parse it.
 */
import { afterAll, describe, expect, it } from "vitest";
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { renderBackupScript, type BackupSpec } from "../../../core/render/data/backup";
import { BACKUP_METRICS, backupMetricFile, type BackupKind } from "../../../core/render/data/backupMetrics";
import { renderBaseBackup, renderRedisSnapshot, type PitrSpec } from "../../../core/render/data/walArchive";
import { TEXTFILE_METRICS } from "../../../core/render/monitoring/dashboards";
import { scrapeTextfiles } from "../../helpers/nodeExporter";
import { requireTool, runTool } from "../../helpers/tools";
import { removeDir, tempDir } from "../fixtures";

const backup: Omit<BackupSpec, "postgres" | "credentials"> = {
    stack: "phase4",
    endpoint: "https://nbg1.your-objectstorage.com",
    bucket: "acme-backups",
    region: "nbg1",
    prefix: "chrono",
    retentionDays: 30,
    onCalendar: "*-*-* 03:15:00",
    copy: { endpoint: "https://hel1.your-objectstorage.com", bucket: "acme-backups-copy", region: "hel1" },
};
const dumpScript = renderBackupScript({
    ...backup,
    postgres: { database: "chrono", user: "chrono_app" },
    credentials: { accessKeyId: "KEY", secretAccessKey: "SECRET" },
});
const pitr: PitrSpec = {
    backup,
    every: "hourly",
    pgBin: "/usr/lib/postgresql/16/bin",
    socketDir: "/run/postgresql",
    port: 5432,
    redis: { port: 6379 },
    credentials: { backupEnv: "/nonexistent", redisPassword: "/nonexistent" },
};

/** `FAKE_FAIL` is a bash pattern: rclone exits 5 when its arguments match it. */
const FAKES: Record<string, string> = {
    docker: "printf 'PGDMP fake dump'",
    psql: "echo f",
    pg_basebackup: 'while [[ "$1" != -D ]]; do shift; done; mkdir -p "$2" && echo base >"$2/base.tar.gz"',
    "redis-cli": 'while [[ "$1" != --rdb ]]; do shift; done; echo rdb >"$2"',
    rclone: '# shellcheck disable=SC2053\nif [[ -n "${FAKE_FAIL:-}" && "$*" == $FAKE_FAIL ]]; then exit 5; fi',
};

const dirs: string[] = [];
afterAll(() => dirs.forEach(removeDir));

/** A host: the stand-ins, an env file, and the textfile directory the scripts write to. */
function host() {
    const dir = tempDir("backup-metrics");
    dirs.push(dir);
    const bin = join(dir, "bin");
    const textfiles = join(dir, "textfile");
    for (const d of [bin, textfiles, join(dir, "tmp")]) mkdirSync(d);
    for (const [name, body] of Object.entries(FAKES))
        writeFileSync(join(bin, name), `#!/usr/bin/env bash\n${body}\n`, { mode: 0o755 });
    writeFileSync(join(dir, "backup.env"), "");
    writeFileSync(join(dir, "redis-password"), "secret");
    const run = (script: string, env: Record<string, string> = {}) => {
        const path = join(dir, "script.sh");
        writeFileSync(path, script, { mode: 0o755 });
        const before = Math.floor(Date.now() / 1000);
        const r = runTool("bash", [path], {
            cwd: dir,
            env: {
                PATH: `${bin}:${process.env.PATH}`,
                HOME: dir,
                TMPDIR: join(dir, "tmp"),
                PHASE_STACKS_BACKUP_ENV: join(dir, "backup.env"),
                PHASE_STACKS_TEXTFILE_DIR: textfiles,
                PG_BIN: bin,
                REDIS_PASSWORD_FILE: join(dir, "redis-password"),
                ...env,
            },
        });
        return { ...r, before, after: Math.ceil(Date.now() / 1000) };
    };
    const file = (kind: BackupKind) => join(textfiles, backupMetricFile(kind));
    return { textfiles, run, file };
}

/** The sample of `metric{kind="<kind>"}` in a textfile. */
function sample(text: string, metric: string, kind: BackupKind): number | undefined {
    const m = new RegExp(`^${metric}\\{kind="${kind}"\\} (\\d+)$`, "m").exec(text);
    return m ? Number(m[1]) : undefined;
}

describe("the backups' textfile metrics", () => {
    it("are the contract's series", () => {
        for (const name of Object.values(BACKUP_METRICS))
            expect(Object.keys(TEXTFILE_METRICS)).toContain(name);
    });

    it("scripts are clean under shellcheck", () => {
        requireTool("shellcheck");
        for (const script of [dumpScript, renderBaseBackup(pitr), renderRedisSnapshot(pitr)]) {
            const check = runTool("shellcheck", ["-s", "bash", "-"], { input: script });
            expect(check.status, check.output).toBe(0);
        }
    });

    it("record each kind's success after its upload, within the run's seconds, with its timer's cadence", () => {
        const h = host();
        const runs = [
            { script: dumpScript, kinds: ["dump"], interval: 86_400 },
            { script: renderBaseBackup(pitr), kinds: ["base", "copy"], interval: 3_600 },
            { script: renderRedisSnapshot(pitr), kinds: ["redis"], interval: 3_600 },
            {
                script: renderBaseBackup({ ...pitr, every: "daily" }),
                kinds: ["base", "copy"],
                interval: 86_400,
            },
        ] as const;
        for (const { script, kinds, interval } of runs) {
            const r = h.run(script);
            expect(r.status, r.output).toBe(0);
            for (const kind of kinds) {
                const text = readFileSync(h.file(kind), "utf8");
                expect(text).toContain(`# TYPE ${BACKUP_METRICS.lastSuccess} gauge`);
                expect(text).toContain(`# TYPE ${BACKUP_METRICS.interval} gauge`);
                const at = sample(text, BACKUP_METRICS.lastSuccess, kind);
                expect(at, text).toBeGreaterThanOrEqual(r.before);
                expect(at, text).toBeLessThanOrEqual(r.after);
                expect(sample(text, BACKUP_METRICS.interval, kind), text).toBe(interval);
            }
        }
        // Renamed into place: no temporary file stays beside them.
        expect(readdirSync(h.textfiles).sort()).toEqual(
            (["base", "copy", "dump", "redis"] as const).map(backupMetricFile),
        );
    });

    it("parse in the node exporter, one series per kind and no scrape error", async () => {
        const h = host();
        for (const script of [dumpScript, renderBaseBackup(pitr), renderRedisSnapshot(pitr)])
            expect(h.run(script).status).toBe(0);
        const metrics = await scrapeTextfiles(h.textfiles, 25_670);
        for (const kind of ["dump", "base", "redis", "copy"] as const) {
            expect(metrics).toMatch(
                new RegExp(`^${BACKUP_METRICS.lastSuccess}\\{kind="${kind}"\\} \\d\\.\\d+e\\+09$`, "m"),
            );
            expect(metrics).toMatch(new RegExp(`^${BACKUP_METRICS.interval}\\{kind="${kind}"\\} \\d+$`, "m"));
        }
        expect(metrics).toMatch(/^node_textfile_scrape_error 0$/m);
        expect(metrics).not.toMatch(/^node_textfile_scrape_error 1$/m);
    });

    it("stay as they were when an upload fails", () => {
        const h = host();
        const stale = `${BACKUP_METRICS.lastSuccess}{kind="dump"} 1\n`;
        writeFileSync(h.file("dump"), stale);
        const dump = h.run(dumpScript, { FAKE_FAIL: "copyto *" });
        expect(dump.status).not.toBe(0);
        expect(readFileSync(h.file("dump"), "utf8")).toBe(stale);

        expect(h.run(renderRedisSnapshot(pitr), { FAKE_FAIL: "copyto *" }).status).not.toBe(0);
        expect(h.run(renderBaseBackup(pitr), { FAKE_FAIL: "copy */base *" }).status).not.toBe(0);
        expect(readdirSync(h.textfiles)).toEqual([backupMetricFile("dump")]);

        // The copy fails after the base backup was uploaded: only the base backup counts as done.
        expect(h.run(renderBaseBackup(pitr), { FAKE_FAIL: "copy * copy:*" }).status).not.toBe(0);
        expect(readdirSync(h.textfiles).sort()).toEqual([backupMetricFile("base"), backupMetricFile("dump")]);
    });

    it("warn, without failing a backup that succeeded, when the directory cannot be written", () => {
        const h = host();
        const r = h.run(dumpScript, { PHASE_STACKS_TEXTFILE_DIR: "/nonexistent/textfile" });
        expect(r.status, r.output).toBe(0);
        expect(r.output).toContain("WARNING: could not record the dump backup's success");
    });
});
