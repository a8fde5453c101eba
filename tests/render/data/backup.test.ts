/**
 * The backup and restore scripts run for real under bash, with recording fakes for `docker` and `rclone` on
 * PATH, and once more against the real rclone (local backend) to check the upload layout and the pruning.
 */
import { afterAll, describe, expect, it } from "vitest";
import { existsSync, mkdirSync, readFileSync, readdirSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
    backupRemoteDir,
    renderBackupEnv,
    renderBackupScript,
    renderRestoreScript,
    type BackupSpec,
} from "../../../core/render/data/backup";
import { requireTool, runTool } from "../../helpers/tools";
import { removeDir, tempDir } from "../fixtures";

const spec: BackupSpec = {
    stack: "phase1",
    endpoint: "https://fsn1.your-objectstorage.com",
    bucket: "acme-backups",
    region: "fsn1",
    prefix: "chrono",
    retentionDays: 7,
    onCalendar: "*-*-* 03:15:00",
    postgres: { database: "chrono", user: "chrono_app" },
    credentials: { accessKeyId: "BACKUPKEYID7Q2WE9R4", secretAccessKey: "Backup'Secret/Ax7+Bz9=Cy3" },
};
const REMOTE = "backup:acme-backups/chrono/phase1/postgres";
const DUMP_BYTES = "PGDMP\u0001fake custom-format dump\n";

const dirs: string[] = [];
afterAll(() => dirs.forEach(removeDir));

const FAKE_DOCKER = `#!/usr/bin/env bash
printf '%s\\n' "$*" >>"$FAKE_LOG/docker.args"
if [[ -n "\${FAKE_DUMP_FAIL:-}" ]]; then echo "pg_dump: error: connection to server failed" >&2; exit 3; fi
if [[ "$*" == *pg_restore* ]]; then cat >"$FAKE_LOG/restore.stdin"; exit 0; fi
printf '%s' "$FAKE_DUMP"
`;
const FAKE_RCLONE = `#!/usr/bin/env bash
printf '%s\\n' "$*" >>"$FAKE_LOG/rclone.args"
printf '%s\\n' "\${RCLONE_CONFIG_BACKUP_TYPE:-unset} \${RCLONE_CONFIG_BACKUP_SECRET_ACCESS_KEY:-unset}" >>"$FAKE_LOG/rclone.env"
if [[ -n "\${FAKE_UPLOAD_FAIL:-}" && $1 == copyto ]]; then exit 5; fi
if [[ $1 == copyto && $2 == backup:* ]]; then printf 'downloaded dump' >"$3"; fi
if [[ $1 == copyto && $3 == backup:* ]]; then cp "$2" "$FAKE_LOG/uploaded"; fi
exit 0
`;

interface Run {
    status: number | null;
    output: string;
    log: string;
    tmp: string;
    lines: (tool: "docker" | "rclone") => string[];
}

function run(
    script: string,
    args: string[] = [],
    env: Record<string, string> = {},
    fakes: { docker?: string; rclone?: string } = {},
): Run {
    requireTool("bash");
    const dir = tempDir("backup");
    dirs.push(dir);
    const bin = join(dir, "bin");
    const log = join(dir, "log");
    const tmp = join(dir, "tmp");
    const textfiles = join(dir, "textfile");
    for (const d of [bin, log, tmp, textfiles]) mkdirSync(d);
    writeFileSync(join(bin, "docker"), fakes.docker ?? FAKE_DOCKER, { mode: 0o755 });
    if (fakes.rclone !== "real")
        writeFileSync(join(bin, "rclone"), fakes.rclone ?? FAKE_RCLONE, { mode: 0o755 });
    writeFileSync(join(dir, "backup.env"), renderBackupEnv(spec), { mode: 0o600 });
    writeFileSync(join(dir, "script.sh"), script, { mode: 0o755 });
    const r = runTool("bash", [join(dir, "script.sh"), ...args], {
        cwd: dir,
        env: {
            PATH: `${bin}:${process.env.PATH}`,
            HOME: dir,
            TMPDIR: tmp,
            FAKE_LOG: log,
            FAKE_DUMP: DUMP_BYTES,
            PHASE_STACKS_BACKUP_ENV: join(dir, "backup.env"),
            PHASE_STACKS_TEXTFILE_DIR: textfiles,
            ...env,
        },
    });
    const lines = (tool: string) =>
        existsSync(join(log, `${tool}.args`))
            ? readFileSync(join(log, `${tool}.args`), "utf8")
                  .trim()
                  .split("\n")
            : [];
    return { ...r, log, tmp, lines };
}

describe("backup-postgres.sh", () => {
    it("dumps in custom format through compose, uploads to <bucket>/<prefix>/<stack>/postgres/<timestamp>.dump, then prunes", () => {
        const r = run(renderBackupScript(spec));
        expect(r.status, r.output).toBe(0);
        expect(r.lines("docker")).toEqual([
            "compose -p phase-stacks -f /opt/phase-stacks/compose.yaml exec -T postgres pg_dump -U chrono_app -d chrono -Fc",
        ]);
        const [copy, prune, ...rest] = r.lines("rclone");
        expect(rest).toEqual([]);
        const [verb, local, remote] = copy!.split(" ");
        expect(verb).toBe("copyto");
        expect(local!.startsWith(r.tmp)).toBe(true);
        expect(remote).toMatch(new RegExp(`^${REMOTE}/\\d{8}T\\d{6}Z\\.dump$`));
        expect(readFileSync(join(r.log, "uploaded"), "utf8")).toBe(DUMP_BYTES);
        expect(prune).toBe(`delete --min-age 7d ${REMOTE}`);
        expect(r.output).toMatch(/OK: uploaded .*\.dump \(\d+ bytes\)/);
    });

    it("gives rclone the remote and the credentials from the env file", () => {
        const r = run(renderBackupScript(spec));
        expect(readFileSync(join(r.log, "rclone.env"), "utf8").split("\n")[0]).toBe(
            `s3 ${spec.credentials.secretAccessKey}`,
        );
    });

    it("leaves no dump behind on the host", () => {
        const r = run(renderBackupScript(spec));
        expect(r.status).toBe(0);
        expect(readdirSync(r.tmp)).toEqual([]);
    });

    it("fails loudly, uploads nothing and deletes nothing when pg_dump fails", () => {
        const r = run(renderBackupScript(spec), [], { FAKE_DUMP_FAIL: "1" });
        expect(r.status).not.toBe(0);
        expect(r.output).toContain("FAILED: pg_dump exited with status 3");
        expect(r.lines("rclone")).toEqual([]);
    });

    it("fails on an empty dump", () => {
        const r = run(renderBackupScript(spec), [], { FAKE_DUMP: "" });
        expect(r.status).not.toBe(0);
        expect(r.output).toContain("FAILED");
        expect(r.lines("rclone")).toEqual([]);
    });

    it("does not prune when the upload fails, so older dumps survive", () => {
        const r = run(renderBackupScript(spec), [], { FAKE_UPLOAD_FAIL: "1" });
        expect(r.status).not.toBe(0);
        expect(r.output).toContain("FAILED: upload");
        expect(r.lines("rclone").filter((l) => l.startsWith("delete"))).toEqual([]);
    });

    it("fails when the env file is missing", () => {
        const r = run(renderBackupScript(spec), [], { PHASE_STACKS_BACKUP_ENV: "/nonexistent/backup.env" });
        expect(r.status).not.toBe(0);
        expect(r.output).toContain("cannot read /nonexistent/backup.env");
        expect(r.lines("docker")).toEqual([]);
    });

    it("uploads and prunes by age with the real rclone (local backend standing in for S3)", () => {
        requireTool("rclone");
        const dir = tempDir("rclone");
        dirs.push(dir);
        const store = join(dir, "acme-backups/chrono/phase1/postgres");
        mkdirSync(store, { recursive: true });
        const day = 24 * 3600;
        const now = Date.now() / 1000;
        for (const [name, ageDays] of [
            ["20200101T031500Z.dump", 30],
            ["20200102T031500Z.dump", 8],
            ["recent.dump", 2],
        ] as const) {
            writeFileSync(join(store, name), "old");
            utimesSync(join(store, name), now - ageDays * day, now - ageDays * day);
        }
        // The env file says s3; this one points the same remote name at a local directory.
        const localEnv = join(dir, "local.env");
        writeFileSync(
            localEnv,
            `export RCLONE_CONFIG_BACKUP_TYPE=local\nexport RCLONE_CONFIG=${join(dir, "rclone.conf")}\n`,
        );
        const r = runLocal(localEnv, dir);
        expect(r.status, r.output).toBe(0);
        const left = readdirSync(store).sort();
        expect(left.filter((n) => n.startsWith("2020"))).toEqual([]);
        expect(left).toContain("recent.dump");
        const fresh = left.filter((n) => /^\d{8}T\d{6}Z\.dump$/.test(n));
        expect(fresh).toHaveLength(1);
        expect(readFileSync(join(store, fresh[0]!), "utf8")).toBe(DUMP_BYTES);
    });
});

/** Runs the backup script with the fake docker but the real rclone, from `cwd` (the local backend's root). */
function runLocal(envFile: string, cwd: string) {
    const dir = tempDir("backup-local");
    dirs.push(dir);
    mkdirSync(join(dir, "bin"));
    writeFileSync(join(dir, "bin", "docker"), FAKE_DOCKER, { mode: 0o755 });
    writeFileSync(join(dir, "script.sh"), renderBackupScript(spec), { mode: 0o755 });
    return runTool("bash", [join(dir, "script.sh")], {
        cwd,
        env: {
            PATH: `${join(dir, "bin")}:${process.env.PATH}`,
            HOME: dir,
            TMPDIR: dir,
            FAKE_LOG: dir,
            FAKE_DUMP: DUMP_BYTES,
            PHASE_STACKS_BACKUP_ENV: envFile,
            PHASE_STACKS_TEXTFILE_DIR: dir,
        },
    });
}

describe("backup env file", () => {
    it("defines the rclone remote the scripts use, as the real rclone reads it", () => {
        const dir = tempDir("rclone-env");
        dirs.push(dir);
        writeFileSync(join(dir, "backup.env"), renderBackupEnv(spec));
        const r = runTool("bash", [
            "-c",
            `. ${join(dir, "backup.env")} && RCLONE_CONFIG=${join(dir, "none.conf")} rclone listremotes`,
        ]);
        expect(r.status, r.output).toBe(0);
        expect(r.output.trim().split("\n")).toContain(`${backupRemoteDir(spec).split(":")[0]}:`);
    });

    it("carries secrets with quotes intact through bash", () => {
        const dir = tempDir("rclone-env");
        dirs.push(dir);
        writeFileSync(join(dir, "backup.env"), renderBackupEnv(spec));
        const r = runTool("bash", [
            "-c",
            `. ${join(dir, "backup.env")} && printf %s "$RCLONE_CONFIG_BACKUP_SECRET_ACCESS_KEY"`,
        ]);
        expect(r.output).toBe(spec.credentials.secretAccessKey);
    });

    it("rejects bucket, prefix and retention values that would break the layout", () => {
        expect(() => backupRemoteDir({ ...spec, bucket: "Acme Backups" })).toThrow(/bucket/);
        expect(() => backupRemoteDir({ ...spec, prefix: "a//b" })).toThrow(/prefix/);
        expect(backupRemoteDir({ ...spec, prefix: "" })).toBe("backup:acme-backups/phase1/postgres");
        expect(() => renderBackupScript({ ...spec, retentionDays: 0 })).toThrow(/retentionDays/);
    });
});

describe("restore-postgres.sh", () => {
    it("downloads the named dump and feeds it to pg_restore in the postgres service", () => {
        const r = run(renderRestoreScript(spec), ["20260101T031500Z.dump"]);
        expect(r.status, r.output).toBe(0);
        expect(r.lines("rclone")[0]).toMatch(
            new RegExp(`^copyto ${REMOTE}/20260101T031500Z\\.dump ${r.tmp}/.+/restore\\.dump$`),
        );
        expect(r.lines("docker")).toEqual([
            "compose -p phase-stacks -f /opt/phase-stacks/compose.yaml exec -T postgres pg_restore -U chrono_app -d chrono --clean --if-exists --no-owner --single-transaction",
        ]);
        expect(readFileSync(join(r.log, "restore.stdin"), "utf8")).toBe("downloaded dump");
    });

    it("refuses to run without a dump name", () => {
        const r = run(renderRestoreScript(spec));
        expect(r.status).toBe(2);
        expect(r.output).toContain("usage:");
        expect(r.lines("rclone")).toEqual([]);
    });
});
