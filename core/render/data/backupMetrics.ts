/**
 * What the backup scripts tell the node exporter: each kind's last success and its timer's cadence, as
 * TEXTFILE_METRICS (core/render/monitoring/dashboards.ts) defines them, in one `.prom` file per kind in the
 * textfile collector's directory. One shell function per script, so every script writes the file the same way.
 */
import { TEXTFILE_COLLECTOR_DIR } from "../base/paths";
import { envSetting, shellQuote } from "../base/shell";

/** dump: backup-postgres.sh; base, copy: base-backup.sh (the copy is its last step); redis: redis-snapshot.sh. */
export type BackupKind = "dump" | "base" | "redis" | "copy";

/** A timer's cadence in seconds: the dashboard measures a backup's age in these units. */
export const CADENCE_SECONDS = { daily: 86_400, hourly: 3_600 } as const;

export const BACKUP_METRICS = {
    lastSuccess: "phase_stacks_backup_last_success_timestamp_seconds",
    interval: "phase_stacks_backup_interval_seconds",
} as const;

/** A kind's file; the shell function passes `$1`. */
export const backupMetricFile = (kind: BackupKind | "$1"): string => `phase_stacks_backup_${kind}.prom`;

/** The unit's `StateDirectory=`: systemd creates the directory and hands it to the unit's user before it runs. */
export const TEXTFILE_STATE_DIRECTORY = (() => {
    if (!TEXTFILE_COLLECTOR_DIR.startsWith("/var/lib/"))
        throw new Error(`StateDirectory= lives under /var/lib, not at ${TEXTFILE_COLLECTOR_DIR}`);
    return TEXTFILE_COLLECTOR_DIR.slice("/var/lib/".length);
})();

/**
 * Defines `record_success <kind>`, to be called once that kind's backup is uploaded. node_exporter reads every
 * `*.prom`, so the file is written under another name beside it and renamed over the old one: it never sees
 * half a file. A file that cannot be written is logged, not fatal: the backup itself succeeded, and the metric
 * aging on the dashboard is the signal.
 */
export function recordSuccessFunction(intervalSeconds: number): string[] {
    if (!Number.isInteger(intervalSeconds) || intervalSeconds < 1)
        throw new Error(`a backup interval must be a whole number of seconds >= 1, got ${intervalSeconds}`);
    const gauge = (name: string, help: string) => [
        `# HELP ${name} ${help}`,
        `# TYPE ${name} gauge`,
        `${name}{kind="%s"} %s`,
    ];
    const format = [
        ...gauge(BACKUP_METRICS.lastSuccess, "Unix time the last backup of this kind finished and uploaded."),
        ...gauge(BACKUP_METRICS.interval, "Seconds between two runs of the timer that takes this kind."),
    ].join("\\n");
    return [
        ...envSetting("PHASE_STACKS_TEXTFILE_DIR", TEXTFILE_COLLECTOR_DIR, "textfile_dir"),
        "record_success() {",
        `    local file="$textfile_dir/${backupMetricFile("$1")}"`,
        `    if printf ${shellQuote(`${format}\\n`)} "$1" "$(date +%s)" "$1" ${intervalSeconds} >"$file.$$" && mv -f "$file.$$" "$file"; then return 0; fi`,
        '    rm -f "$file.$$"',
        '    log "WARNING: could not record the $1 backup\'s success in $file" >&2',
        "}",
    ];
}

export const recordSuccess = (kind: BackupKind): string => `record_success ${kind}`;
