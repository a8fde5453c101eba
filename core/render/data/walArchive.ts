/**
 * Point-in-time backups of the data tier to S3-compatible storage with rclone (already on every host for the
 * phase-1 dumps, a Debian/Ubuntu package, and it speaks to any S3 store): Postgres archives every WAL segment
 * with `archive_command`, a timer takes compressed base backups at the phase's cadence, Redis RDB snapshots go
 * alongside, and a restore script rebuilds a data directory from a base backup plus the archived WAL.
 * pgBackRest or WAL-G would add parallelism and delta backups; at this size one tool for all backups wins.
 */
import type { RenderedFile } from "../base/artifact";
import {
    assertBucketName,
    backupRemoteDir,
    RCLONE_COPY_REMOTE,
    RCLONE_REMOTE,
    type BackupSpec,
} from "./backup";
import { SCRIPTS_DIR, SECRET_PATHS } from "../base/paths";
import { envSetting } from "../base/shell";
import { bashScript } from "../base/shell";
import { unitFile } from "../base/systemd";
import {
    CADENCE_SECONDS,
    recordSuccess,
    recordSuccessFunction,
    TEXTFILE_STATE_DIRECTORY,
} from "./backupMetrics";

export const PITR_PATHS = {
    walArchive: `${SCRIPTS_DIR}/wal-archive.sh`,
    walFetch: `${SCRIPTS_DIR}/wal-fetch.sh`,
    baseBackup: `${SCRIPTS_DIR}/base-backup.sh`,
    redisSnapshot: `${SCRIPTS_DIR}/redis-snapshot.sh`,
    restore: `${SCRIPTS_DIR}/restore-pitr.sh`,
} as const;

export const PITR_UNITS = {
    backup: "phase-stacks-data-backup.service",
    timer: "phase-stacks-data-backup.timer",
} as const;

export interface PitrSpec {
    readonly backup: Omit<BackupSpec, "postgres" | "credentials">;
    /** Base backups and snapshots: daily at `backup.onCalendar`, or hourly. */
    readonly every: "daily" | "hourly";
    readonly pgBin: string;
    readonly socketDir: string;
    readonly port: number;
    readonly redis: { readonly port: number };
    /** Secret files systemd hands the backup unit (LoadCredential): the rclone env and the Redis password. */
    readonly credentials: { readonly backupEnv: string; readonly redisPassword: string };
}

/**
 * `backup:<bucket>/<prefix>/<stack>/postgres/{wal,base}` and `.../redis` (`.../redis/<region>` in phase 4: the
 * cluster's WAL and base backups are one history across regions, each region's Redis is its own).
 */
function dirs(spec: PitrSpec): { wal: string; base: string; redis: string } {
    const pg = backupRemoteDir(spec.backup);
    const region = spec.backup.fleetRegion;
    if (region !== undefined && !/^[a-z0-9-]+$/.test(region))
        throw new Error(`backup fleetRegion '${region}' must be a region name such as us-east`);
    const redis = `${pg.replace(/\/postgres$/, "")}/redis${region ? `/${region}` : ""}`;
    return { wal: `${pg}/wal`, base: `${pg}/base`, redis };
}

type Setting = "wal" | "base" | "redis" | "pg";

/** The env file and the settings a script uses (and only those: shellcheck flags the rest). */
const envPreamble = (spec: PitrSpec, used: readonly Setting[]) => {
    const d = dirs(spec);
    return [
        ...envSetting("PHASE_STACKS_BACKUP_ENV", SECRET_PATHS.backupEnv, "env_file"),
        "# shellcheck source=/dev/null",
        '. "$env_file"',
        ...(used.includes("wal") ? envSetting("PHASE_STACKS_WAL_DIR", d.wal, "wal_dir") : []),
        ...(used.includes("base") ? envSetting("PHASE_STACKS_BASE_DIR", d.base, "base_dir") : []),
        ...(used.includes("redis") ? envSetting("PHASE_STACKS_REDIS_DIR", d.redis, "redis_dir") : []),
        ...(used.includes("pg")
            ? [
                  ...envSetting("PG_BIN", spec.pgBin),
                  ...envSetting("PG_SOCKET_DIR", spec.socketDir),
                  ...envSetting("PG_PORT", spec.port),
              ]
            : []),
        "log() { printf 'phase-stacks-backup: %s\\n' \"$*\"; }",
        'fail() { log "FAILED: $*" >&2; exit 1; }',
    ];
};

export function renderWalArchive(spec: PitrSpec): string {
    return bashScript(
        [
            "archive_command: uploads one finished WAL segment. Usage: wal-archive.sh %p %f",
            "--immutable refuses to overwrite a segment with different content, as Postgres requires.",
        ],
        [
            ...envPreamble(spec, ["wal"]),
            '[[ $# -eq 2 ]] || fail "usage: wal-archive.sh <path> <file>"',
            'rclone copyto --immutable "$1" "$wal_dir/$2"',
        ],
    );
}

export function renderWalFetch(spec: PitrSpec): string {
    return bashScript(
        [
            "restore_command: downloads one archived WAL segment. Usage: wal-fetch.sh %f %p",
            "A non-zero exit tells Postgres the archive has no more segments.",
        ],
        [
            ...envPreamble(spec, ["wal"]),
            '[[ $# -eq 2 ]] || fail "usage: wal-fetch.sh <file> <path>"',
            'rclone copyto "$wal_dir/$1" "$2" 2>/dev/null',
        ],
    );
}

export function renderBaseBackup(spec: PitrSpec): string {
    const days = spec.backup.retentionDays;
    if (!Number.isInteger(days) || days < 1)
        throw new Error(`backup retentionDays must be a whole number >= 1, got ${days}`);
    return bashScript(
        [
            `Takes a compressed base backup of the primary and deletes base backups and WAL older than ${days} days.`,
            ...(spec.backup.copy
                ? [
                      `Then copies every backup to ${spec.backup.copy.endpoint}, bucket ${spec.backup.copy.bucket}.`,
                  ]
                : []),
            "Does nothing on a replica, so the same timer can run on every node and follows a failover.",
        ],
        [
            ...envPreamble(spec, ["wal", "base", "pg"]),
            ...recordSuccessFunction(CADENCE_SECONDS[spec.every]),
            `readonly retention_days=${days}`,
            'in_recovery="$("$pg_bin/psql" -XAtq -h "$pg_socket_dir" -p "$pg_port" -U postgres -d postgres -c "SELECT pg_is_in_recovery()")" || fail "postgres is not answering"',
            'if [[ "$in_recovery" == t ]]; then log "a replica: the primary takes the base backups"; exit 0; fi',
            'workdir="$(mktemp -d)"',
            "trap 'rm -rf \"$workdir\"' EXIT",
            'stamp="$(date -u +%Y%m%dT%H%M%SZ)"',
            "# Tar format, compressed; -X fetch keeps each backup consistent on its own, the archive carries what follows.",
            '"$pg_bin/pg_basebackup" -h "$pg_socket_dir" -p "$pg_port" -U postgres -D "$workdir/base" -Ft -z -X fetch --checkpoint=fast || fail "pg_basebackup exited with status $?"',
            'rclone copy "$workdir/base" "$base_dir/$stamp" || fail "upload of base backup $stamp failed"',
            recordSuccess("base"),
            "# Deleted only after a successful upload, so the newest backup always survives.",
            'rclone delete --rmdirs --min-age "${retention_days}d" "$base_dir" || fail "pruning base backups failed"',
            "# WAL a day older than the retention cannot be needed by any kept base backup.",
            'rclone delete --min-age "$((retention_days + 1))d" "$wal_dir" || fail "pruning WAL failed"',
            'log "OK: base backup $base_dir/$stamp"',
            ...backupCopyLines(spec),
        ],
    );
}

/**
 * The copy in another location, the base backup's last step: what the backups wrote (base backups, WAL, Redis
 * snapshots) copied over, never synced, so a source emptied by mistake or by an attacker cannot empty the copy;
 * the copy prunes by the same retention on its own. A step of the base backup rather than a script of its own,
 * since a database node's user data is near Hetzner's 32 KiB.
 */
function backupCopyLines(spec: PitrSpec): string[] {
    const copy = spec.backup.copy;
    if (!copy) return [];
    assertBucketName(copy.bucket, "backup copy bucket");
    const source = dirs(spec).base.replace(/\/postgres\/base$/, "");
    const target = source.replace(
        new RegExp(`^${RCLONE_REMOTE}:[^/]+`),
        `${RCLONE_COPY_REMOTE}:${copy.bucket}`,
    );
    return [
        `# The copy at ${copy.endpoint}: copied, never synced, so what the source loses the copy keeps.`,
        ...envSetting("PHASE_STACKS_BACKUP_ROOT", source, "source_root"),
        ...envSetting("PHASE_STACKS_COPY_ROOT", target, "copy_root"),
        'rclone copy "$source_root" "$copy_root" || fail "copy to $copy_root exited with status $?"',
        recordSuccess("copy"),
        'rclone delete --min-age "$((retention_days + 1))d" "$copy_root" || fail "pruning the copy exited with status $?"',
        'log "OK: $source_root copied to $copy_root"',
    ];
}

export function renderRedisSnapshot(spec: PitrSpec): string {
    const days = spec.backup.retentionDays;
    return bashScript(
        ["Copies a fresh Redis RDB snapshot to object storage (redis-cli --rdb asks the server for one)."],
        [
            ...envPreamble(spec, ["redis"]),
            ...envSetting("REDIS_PORT", spec.redis.port),
            ...recordSuccessFunction(CADENCE_SECONDS[spec.every]),
            'readonly redis_password_file="${REDIS_PASSWORD_FILE:?the unit sets it}"',
            'REDISCLI_AUTH="$(cat "$redis_password_file")"',
            "export REDISCLI_AUTH",
            'workdir="$(mktemp -d)"',
            "trap 'rm -rf \"$workdir\"' EXIT",
            'stamp="$(date -u +%Y%m%dT%H%M%SZ)"',
            'redis-cli -h 127.0.0.1 -p "$redis_port" --no-auth-warning --rdb "$workdir/dump.rdb" >/dev/null || fail "redis-cli --rdb failed"',
            'rclone copyto "$workdir/dump.rdb" "$redis_dir/$stamp.rdb" || fail "upload of $stamp.rdb failed"',
            recordSuccess("redis"),
            `rclone delete --min-age ${days}d "$redis_dir" || fail "pruning snapshots failed"`,
            'log "OK: $redis_dir/$stamp.rdb"',
        ],
    );
}

export function renderRestore(spec: PitrSpec): string {
    return bashScript(
        [
            "Rebuilds a data directory from a base backup plus every archived WAL segment after it (point in time: the end",
            "of the archive). Usage: restore-pitr.sh <empty-data-dir> [<base-backup-stamp>|latest]. Start Postgres on it",
            "afterwards: it replays the WAL, then promotes itself. Run as the postgres user.",
        ],
        [
            ...envPreamble(spec, ["base"]),
            ...envSetting("PHASE_STACKS_WAL_FETCH", PITR_PATHS.walFetch, "wal_fetch"),
            '[[ $# -ge 1 ]] || fail "usage: restore-pitr.sh <empty-data-dir> [stamp|latest]"',
            'target="$1"',
            'stamp="${2:-latest}"',
            'if [[ -e "$target" && -n "$(ls -A "$target")" ]]; then fail "$target is not empty"; fi',
            'if [[ "$stamp" == latest ]]; then stamp="$(rclone lsf --dirs-only "$base_dir" | sort | tail -n 1)"; stamp="${stamp%/}"; fi',
            '[[ -n "$stamp" ]] || fail "no base backup under $base_dir"',
            'workdir="$(mktemp -d)"',
            "trap 'rm -rf \"$workdir\"' EXIT",
            'rclone copy "$base_dir/$stamp" "$workdir" || fail "download of base backup $stamp failed"',
            'mkdir -p "$target"',
            'chmod 0700 "$target"',
            'tar -xzf "$workdir/base.tar.gz" -C "$target"',
            "# The backup's own WAL (-X fetch) goes to pg_wal; the archive supplies everything after it.",
            'if [[ -f "$workdir/pg_wal.tar.gz" ]]; then tar -xzf "$workdir/pg_wal.tar.gz" -C "$target/pg_wal"; fi',
            'rm -f "$target/standby.signal"',
            `printf "restore_command = '%s %%f %%p'\\nrecovery_target_action = 'promote'\\n" "$wal_fetch" >>"$target/postgresql.auto.conf"`,
            'touch "$target/recovery.signal"',
            'log "OK: $target holds base backup $stamp; start postgres on it to replay the archived WAL"',
        ],
    );
}

export function renderPitr(spec: PitrSpec): RenderedFile[] {
    const script = (path: string, content: string): RenderedFile => ({
        path,
        content,
        kind: "shell",
        permissions: "0755",
    });
    return [
        script(PITR_PATHS.walArchive, renderWalArchive(spec)),
        script(PITR_PATHS.walFetch, renderWalFetch(spec)),
        script(PITR_PATHS.baseBackup, renderBaseBackup(spec)),
        script(PITR_PATHS.redisSnapshot, renderRedisSnapshot(spec)),
        script(PITR_PATHS.restore, renderRestore(spec)),
        unitFile(PITR_UNITS.backup, {
            Unit: {
                Description: "Postgres base backup and Redis snapshot to object storage",
                Wants: "network-online.target",
                After: "network-online.target",
            },
            Service: {
                Type: "oneshot",
                // Never root: systemd hands the unit copies of its secrets readable by this user only.
                User: "postgres",
                LoadCredential: [
                    `backup.env:${spec.credentials.backupEnv}`,
                    `redis-password:${spec.credentials.redisPassword}`,
                ],
                Environment: [
                    "PHASE_STACKS_BACKUP_ENV=%d/backup.env",
                    "REDIS_PASSWORD_FILE=%d/redis-password",
                ],
                ExecStart: [PITR_PATHS.baseBackup, PITR_PATHS.redisSnapshot],
                // Created for this user: the scripts record their successes there for the node exporter.
                StateDirectory: TEXTFILE_STATE_DIRECTORY,
                PrivateTmp: true,
                Nice: 10,
                IOSchedulingClass: "idle",
            },
        }),
        unitFile(PITR_UNITS.timer, {
            Unit: { Description: `${spec.every === "hourly" ? "Hourly" : "Daily"} data-tier backup` },
            Timer: {
                OnCalendar: spec.every === "hourly" ? "*-*-* *:05:00" : spec.backup.onCalendar,
                Persistent: true,
                RandomizedDelaySec: spec.every === "hourly" ? "5min" : "15min",
            },
            Install: { WantedBy: "timers.target" },
        }),
    ];
}
