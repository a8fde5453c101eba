/**
 * The data tier's backup scripts against a local directory instead of S3: rclone's `backup` remote set to its
 * local backend, so the rendered scripts run exactly as on the servers and cannot tell the difference.
 */
import { join } from "node:path";
import type { PitrSpec } from "../../core/render/data/walArchive";
import { PG_BIN, writeOwned } from "./support";

/** A backup spec for a PostgreSQL listening on `port` with its socket in `socketDir`; no Redis, no credentials. */
export function loopbackPitr(socketDir: string, port: number): PitrSpec {
    return {
        backup: {
            stack: "itest",
            endpoint: "https://s3.invalid",
            bucket: "itest-bucket",
            region: "x",
            prefix: "backups",
            retentionDays: 7,
            onCalendar: "daily",
        },
        every: "hourly",
        pgBin: PG_BIN,
        socketDir,
        port,
        redis: { port: 1 },
        credentials: { backupEnv: "/nonexistent", redisPassword: "/nonexistent" },
    };
}

/** The environment that points the scripts' `backup` remote at `archive`, with its env file written into `bin`. */
export function localBackupEnv(bin: string, archive: string) {
    return {
        PHASE_STACKS_BACKUP_ENV: writeOwned(
            join(bin, "backup.env"),
            "export RCLONE_CONFIG_BACKUP_TYPE=local\n",
        ),
        PHASE_STACKS_WAL_DIR: `backup:${archive}/wal`,
        RCLONE_CONFIG: "/dev/null",
    };
}
