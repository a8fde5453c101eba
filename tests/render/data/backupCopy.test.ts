/**
 * The copy of the point-in-time backups in another location, the base backup's last step, run for real: the
 * rendered base-backup script under bash with the real rclone (both remotes on its local backend), a stand-in psql
 * that says whether this node is the primary and a stand-in pg_basebackup. It copies on the primary only, never
 * deletes what the source lost, and prunes by the retention.
 */
import { afterAll, describe, expect, it } from "vitest";
import { existsSync, mkdirSync, utimesSync, writeFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { renderBackupEnv, type BackupSpec } from "../../../core/render/data/backup";
import {
    PITR_PATHS,
    renderBaseBackup,
    renderPitr,
    type PitrSpec,
} from "../../../core/render/data/walArchive";
import { requireTool, runTool } from "../../helpers/tools";
import { removeDir, tempDir } from "../fixtures";

const COPY = { endpoint: "https://hel1.your-objectstorage.com", bucket: "acme-backups-copy", region: "hel1" };
const backup: Omit<BackupSpec, "postgres" | "credentials"> = {
    stack: "phase4",
    endpoint: "https://nbg1.your-objectstorage.com",
    bucket: "acme-backups",
    region: "nbg1",
    prefix: "chrono",
    retentionDays: 30,
    onCalendar: "*-*-* 03:15:00",
    copy: COPY,
};
const spec: PitrSpec = {
    backup,
    every: "hourly",
    pgBin: "/usr/lib/postgresql/16/bin",
    socketDir: "/run/postgresql",
    port: 5432,
    redis: { port: 6379 },
    credentials: { backupEnv: "/etc/phase-stacks/secrets/backup.env", redisPassword: "/x" },
};

const dirs: string[] = [];
afterAll(() => dirs.forEach(removeDir));

/** A directory where both rclone remotes are local folders and psql answers pg_is_in_recovery() with `recovery`. */
function world(recovery: "t" | "f") {
    const dir = tempDir("backup-copy");
    dirs.push(dir);
    mkdirSync(join(dir, "bin"));
    writeFileSync(join(dir, "bin", "psql"), `#!/usr/bin/env bash\necho ${recovery}\n`, { mode: 0o755 });
    // pg_basebackup -D <dir> ...: a tar in that directory, as -Ft -z writes one.
    writeFileSync(
        join(dir, "bin", "pg_basebackup"),
        '#!/usr/bin/env bash\nwhile [[ "$1" != -D ]]; do shift; done\nmkdir -p "$2" && echo base >"$2/base.tar.gz"\n',
        { mode: 0o755 },
    );
    writeFileSync(
        join(dir, "backup.env"),
        "export RCLONE_CONFIG_BACKUP_TYPE=local\nexport RCLONE_CONFIG_COPY_TYPE=local\n",
    );
    const script = join(dir, "base-backup.sh");
    writeFileSync(script, renderBaseBackup(spec), { mode: 0o755 });
    const source = join(dir, "acme-backups/chrono/phase4");
    const copy = join(dir, "acme-backups-copy/chrono/phase4");
    const put = (root: string, rel: string, ageDays = 0) => {
        mkdirSync(join(root, rel, ".."), { recursive: true });
        writeFileSync(join(root, rel), rel);
        const t = Date.now() / 1000 - ageDays * 86_400;
        utimesSync(join(root, rel), t, t);
    };
    const run = () =>
        runTool("bash", [script], {
            cwd: dir,
            env: {
                ...process.env,
                PHASE_STACKS_BACKUP_ENV: join(dir, "backup.env"),
                PG_BIN: join(dir, "bin"),
                PHASE_STACKS_TEXTFILE_DIR: dir,
            },
        });
    return { source, copy, put, run };
}

describe("the backup copy in another location", () => {
    it("is rendered only with backup.copy: its rclone remote and the base backup's last step", () => {
        requireTool("shellcheck");
        const env = renderBackupEnv({
            ...backup,
            postgres: { database: "chrono", user: "chrono_app" },
            credentials: { accessKeyId: "KEY", secretAccessKey: "SECRET" },
        });
        expect(env).toMatch(
            /^export RCLONE_CONFIG_COPY_ENDPOINT='?https:\/\/hel1\.your-objectstorage\.com'?$/m,
        );
        expect(env).toMatch(/^export RCLONE_CONFIG_COPY_SECRET_ACCESS_KEY='?SECRET'?$/m);
        const script = (x: PitrSpec) =>
            renderPitr(x).find((f) => f.path === PITR_PATHS.baseBackup)?.content ?? "";
        expect(script(spec)).toContain("copy:acme-backups-copy/chrono/phase4");
        const { copy: _copy, ...withoutCopy } = backup;
        expect(script({ ...spec, backup: withoutCopy })).not.toMatch(/copy_root|copy:/);
        const check = runTool("shellcheck", ["-s", "bash", "-"], { input: script(spec) });
        expect(check.status, check.output).toBe(0);
    });

    it("copies base backups, WAL and Redis snapshots on the primary", () => {
        requireTool("rclone");
        const w = world("f");
        w.put(w.source, "postgres/base/20261203T010500Z/base.tar.gz");
        w.put(w.source, "postgres/wal/000000010000000000000003");
        w.put(w.source, "redis/20261203T010500Z.rdb");
        const r = w.run();
        expect(r.status, r.output).toBe(0);
        for (const f of [
            "postgres/base/20261203T010500Z/base.tar.gz",
            "postgres/wal/000000010000000000000003",
            "redis/20261203T010500Z.rdb",
        ])
            expect(existsSync(join(w.copy, f)), f).toBe(true);
    });

    it("keeps what the source lost, and prunes only what is older than the retention", () => {
        requireTool("rclone");
        const w = world("f");
        w.put(w.source, "postgres/wal/000000010000000000000004");
        expect(w.run().status).toBe(0);
        rmSync(w.source, { recursive: true });
        w.put(w.source, "postgres/wal/000000010000000000000005");
        w.put(w.copy, "postgres/wal/000000010000000000000001", backup.retentionDays + 2);
        const r = w.run();
        expect(r.status, r.output).toBe(0);
        expect(existsSync(join(w.copy, "postgres/wal/000000010000000000000004"))).toBe(true);
        expect(existsSync(join(w.copy, "postgres/wal/000000010000000000000005"))).toBe(true);
        expect(existsSync(join(w.copy, "postgres/wal/000000010000000000000001"))).toBe(false);
    });

    it("does nothing on a replica or a standby region's leader", () => {
        requireTool("rclone");
        const w = world("t");
        w.put(w.source, "postgres/wal/000000010000000000000006");
        const r = w.run();
        expect(r.status, r.output).toBe(0);
        expect(r.output).toContain("a replica: the primary takes the base backups");
        expect(existsSync(w.copy)).toBe(false);
    });
});
