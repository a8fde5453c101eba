/**
 * Daily Postgres backups to S3-compatible object storage (Hetzner backups skip Volumes, so the database needs its
 * own): a dump script run by a systemd timer, a restore script, and the rclone remote as environment variables.
 */
import type { RenderedFile } from "../base/artifact";
import { DOCKER_COMPOSE, HOST_PATHS, SECRET_PATHS, UNITS } from "../base/paths";
import { secretFile } from "../app/secrets";
import { bashScript, shellQuote } from "../base/shell";
import { unitFile } from "../base/systemd";
import {
    CADENCE_SECONDS,
    recordSuccess,
    recordSuccessFunction,
    TEXTFILE_STATE_DIRECTORY,
} from "./backupMetrics";

export interface BackupSpec {
    readonly stack: string;
    /** e.g. https://fsn1.your-objectstorage.com */
    readonly endpoint: string;
    readonly bucket: string;
    readonly region: string;
    readonly prefix: string;
    readonly retentionDays: number;
    /** systemd OnCalendar expression, e.g. "*-*-* 03:15:00". */
    readonly onCalendar: string;
    readonly postgres: { readonly database: string; readonly user: string };
    readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
    /** A second bucket in another location, reached with the same credentials (the point-in-time backups only). */
    readonly copy?: { readonly endpoint: string; readonly bucket: string; readonly region: string };
    /** Phase 4: each region's Redis is its own, so its snapshots go under `redis/<fleetRegion>`. */
    readonly fleetRegion?: string;
}

/** Where and how often backups go: the part of BackupSpec a stack's config decides. */
export type BackupTarget = Pick<
    BackupSpec,
    "endpoint" | "bucket" | "region" | "prefix" | "retentionDays" | "onCalendar" | "copy" | "fleetRegion"
>;

/** rclone reads a remote named `backup` from RCLONE_CONFIG_BACKUP_* variables, so no rclone.conf exists. */
export const RCLONE_REMOTE = "backup";
/** The copy's remote, `copy`, from RCLONE_CONFIG_COPY_* the same way. */
export const RCLONE_COPY_REMOTE = "copy";

/** An S3 bucket name: 3-63 lowercase letters, digits, dots and hyphens, a letter or digit at each end. */
export const S3_BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

export function assertBucketName(bucket: string, what: string): void {
    if (!S3_BUCKET_NAME.test(bucket)) throw new Error(`${what} '${bucket}' is not a valid S3 bucket name`);
}

/** Where the dumps go: `backup:<bucket>/<prefix>/<stack>/postgres`. */
export function backupRemoteDir(spec: Pick<BackupSpec, "bucket" | "prefix" | "stack">): string {
    assertBucketName(spec.bucket, "backup bucket");
    if (!/^[A-Za-z0-9._-]+$/.test(spec.stack))
        throw new Error(`stack name '${spec.stack}' may only contain letters, digits, '.', '_' and '-'`);
    const prefix = spec.prefix.replace(/^\/+|\/+$/g, "");
    if (!/^[A-Za-z0-9._/-]*$/.test(prefix) || prefix.includes("//"))
        throw new Error(
            `backup prefix '${spec.prefix}' may only contain letters, digits, '.', '_', '-' and single '/'`,
        );
    return `${RCLONE_REMOTE}:${[spec.bucket, prefix, spec.stack, "postgres"].filter((p) => p !== "").join("/")}`;
}

/** Sourced by the scripts; every value is shell-quoted and exported for rclone. */
export function renderBackupEnv(spec: BackupSpec): string {
    const remote = (name: string, at: { readonly endpoint: string; readonly region: string }) => {
        const entries: Record<string, string> = {
            TYPE: "s3",
            // Hetzner Object Storage and other S3-compatible stores.
            PROVIDER: "Other",
            ENDPOINT: at.endpoint,
            REGION: at.region,
            ACCESS_KEY_ID: spec.credentials.accessKeyId,
            SECRET_ACCESS_KEY: spec.credentials.secretAccessKey,
            ACL: "private",
            // The bucket exists already; checking would need permission to create buckets.
            NO_CHECK_BUCKET: "true",
        };
        return Object.entries(entries).map(
            ([k, val]) => `export RCLONE_CONFIG_${name.toUpperCase()}_${k}=${shellQuote(val)}`,
        );
    };
    return (
        [...remote(RCLONE_REMOTE, spec), ...(spec.copy ? remote(RCLONE_COPY_REMOTE, spec.copy) : [])].join(
            "\n",
        ) + "\n"
    );
}

/** Settings, logging and the env file: the part both scripts share. */
function preamble(spec: BackupSpec): string[] {
    return [
        `readonly env_file="\${PHASE_STACKS_BACKUP_ENV:-${SECRET_PATHS.backupEnv}}"`,
        `readonly remote_dir=${shellQuote(backupRemoteDir(spec))}`,
        `readonly database=${shellQuote(spec.postgres.database)}`,
        `readonly db_user=${shellQuote(spec.postgres.user)}`,
        "",
        "log() { printf 'phase-stacks-backup: %s\\n' \"$*\"; }",
        'fail() { log "FAILED: $*" >&2; exit 1; }',
        "",
        '[[ -r "$env_file" ]] || fail "cannot read $env_file"',
        "# shellcheck source=/dev/null",
        '. "$env_file"',
        "",
        'workdir="$(mktemp -d)"',
        "trap 'rm -rf \"$workdir\"' EXIT",
    ];
}

const compose = DOCKER_COMPOSE.join(" ");

export function renderBackupScript(spec: BackupSpec): string {
    if (!Number.isInteger(spec.retentionDays) || spec.retentionDays < 1)
        throw new Error(
            `backup retentionDays must be a whole number of days >= 1, got ${spec.retentionDays}`,
        );
    return bashScript(
        [
            `Dumps Postgres (stack ${spec.stack}), uploads the dump and deletes dumps older than ${spec.retentionDays} days.`,
            `Run daily by ${UNITS.backupTimer}; a non-zero exit marks ${UNITS.backup} failed (systemctl --failed).`,
        ],
        [
            ...preamble(spec),
            // The timer below runs daily.
            ...recordSuccessFunction(CADENCE_SECONDS.daily),
            `readonly retention_days=${spec.retentionDays}`,
            'stamp="$(date -u +%Y%m%dT%H%M%SZ)"',
            'dump="$workdir/$stamp.dump"',
            "",
            'log "dumping database $database"',
            "# The custom format (-Fc) is compressed and is what pg_restore reads.",
            `${compose} exec -T postgres pg_dump -U "$db_user" -d "$database" -Fc >"$dump" || fail "pg_dump exited with status $?"`,
            '[[ -s "$dump" ]] || fail "pg_dump wrote an empty dump"',
            'rclone copyto "$dump" "$remote_dir/$stamp.dump" || fail "upload to $remote_dir/$stamp.dump exited with status $?"',
            "# The dump is off-site from here on; a failed prune fails the unit, not the backup.",
            recordSuccess("dump"),
            "# Only after a successful upload, so the newest dump always survives however long backups have been failing.",
            'rclone delete --min-age "${retention_days}d" "$remote_dir" || fail "deleting dumps older than $retention_days days exited with status $?"',
            'log "OK: uploaded $remote_dir/$stamp.dump ($(stat -c %s "$dump") bytes), deleted dumps older than $retention_days days"',
        ],
    );
}

export function renderRestoreScript(spec: BackupSpec): string {
    return bashScript(
        [
            "Restores one dump made by backup-postgres.sh into the running Postgres service, replacing the objects it holds.",
            `Usage: restore-postgres.sh <timestamp>.dump   (list them: source ${SECRET_PATHS.backupEnv}, then rclone lsf ${backupRemoteDir(spec)})`,
        ],
        [
            '[[ $# -eq 1 && "$1" == *.dump ]] || { printf \'usage: %s <timestamp>.dump\\n\' "$0" >&2; exit 2; }',
            ...preamble(spec),
            'dump="$workdir/restore.dump"',
            "",
            'rclone copyto "$remote_dir/$1" "$dump" || fail "download of $remote_dir/$1 exited with status $?"',
            'log "restoring $1 into database $database"',
            `${compose} exec -T postgres pg_restore -U "$db_user" -d "$database" --clean --if-exists --no-owner --single-transaction <"$dump" || fail "pg_restore exited with status $?"`,
            'log "OK: restored $1 into $database"',
        ],
    );
}

export function renderBackup(spec: BackupSpec): RenderedFile[] {
    return [
        secretFile(SECRET_PATHS.backupEnv, renderBackupEnv(spec), "env"),
        {
            path: HOST_PATHS.backupScript,
            content: renderBackupScript(spec),
            kind: "shell",
            permissions: "0755",
        },
        {
            path: HOST_PATHS.restoreScript,
            content: renderRestoreScript(spec),
            kind: "shell",
            permissions: "0755",
        },
        unitFile(UNITS.backup, {
            Unit: {
                Description: `Back up Postgres to ${backupRemoteDir(spec)}`,
                Wants: "network-online.target",
                After: ["network-online.target", UNITS.compose],
            },
            Service: {
                Type: "oneshot",
                ExecStart: HOST_PATHS.backupScript,
                // Where the script records its success for the node exporter.
                StateDirectory: TEXTFILE_STATE_DIRECTORY,
                PrivateTmp: true,
                Nice: 10,
                IOSchedulingClass: "idle",
            },
        }),
        unitFile(UNITS.backupTimer, {
            Unit: { Description: "Daily Postgres backup" },
            Timer: { OnCalendar: spec.onCalendar, Persistent: true, RandomizedDelaySec: "15min" },
            Install: { WantedBy: "timers.target" },
        }),
    ];
}
