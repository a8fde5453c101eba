/**
 * Prometheus alert rules for phase 4's cross-region replication, pinned to the exporter the hosts run: Debian's
 * prometheus-postgres-exporter 0.11.1 (bookworm) against PostgreSQL 15. Its built-in queries
 * (`cmd/postgres_exporter/postgres_exporter.go` and `queries.go` at tag v0.11.1) give, on a primary:
 *
 * - `pg_stat_replication_pg_wal_lsn_diff`: `pg_current_wal_lsn() - replay_lsn` in bytes, one series per walsender
 *   (labels `application_name`, `client_addr`, `state`; its `slot_name` label holds the walsender's pid, because
 *   0.11.1 reads label columns missing from the query, and PG 15's view has no slot_name, from column 0).
 * - `pg_stat_replication_pg_current_wal_lsn_bytes`: the primary's WAL position in bytes, on the same series.
 * - `pg_replication_slots_active` (1/0) and `pg_replication_slots_pg_wal_lsn_diff` (`pg_current_wal_lsn() -
 *   restart_lsn`: the WAL the slot holds back; NaN once PostgreSQL invalidated the slot and cleared restart_lsn).
 * - `pg_settings_max_slot_wal_keep_size_bytes` (-1 = unlimited) and, on every node, `pg_settings_in_hot_standby`.
 *
 * What 0.11.1 does not have: no time-based lag (`replay_lag` is discarded; `pg_replication_lag_seconds` and
 * `pg_replication_is_replica` came later, and the `pg_replication` query in Debian's example queries.yaml is
 * `now() - pg_last_xact_replay_timestamp()`, the idle-primary trap, and not loaded by default), no WAL receiver
 * state on a standby, no `safe_wal_size_bytes` or `wal_status` (a later collector's `pg_replication_slot_*`, which
 * 0.20 renamed to `pg_replication_slots_*`; the two slot series used here keep their names through 0.20, as do the
 * two `pg_stat_replication_*` ones, which gain a real `slot_name` and a `pid` label). On a standby the walsender
 * series are absent or NaN (the query nulls the lsn columns in recovery), and the slot query fails outright once
 * the standby has a slot of its own ("recovery is in progress"). So every rule here reads the primary's exporter:
 * ship the file to the Prometheus that scrapes the primary region's database nodes (another region's Prometheus
 * finds no primary and stays quiet). The rules describe the current topology: a promotion re-renders them.
 *
 * Lag in seconds therefore comes from bytes, by Little's law: the mean WAL backlog over a window divided by the
 * rate the primary writes WAL in it is the mean time a byte waits to be replayed. Like PostgreSQL's own
 * `replay_lag`, it is measured at the primary and so includes the standby's reply trip: it is one round trip plus
 * apply time, not one-way delay. An idle system is 0 / 0 = NaN, which no comparison passes (quiet); a standby
 * that stays behind an idle primary is x / 0 = +Inf (fires).
 */
import { toYaml } from "../base/yaml";
import type { Severity } from "./alertmanager";

export const REPLICATION_RULES_FILE = "replication.rules.yml";

export const REPLICATION_ALERTS = {
    /** A standby of this primary replays WAL later than the threshold, for `lagFor`. */
    lag: "PostgresReplicationLagHigh",
    /** A standby region's slot on the primary has no walsender (or no slot at all while a primary is scraped). */
    notStreaming: "PostgresStandbyNotStreaming",
    /** A slot holds back more than `slotRetentionRatio` of max_slot_wal_keep_size. */
    slotRetention: "PostgresSlotWalRetentionHigh",
    /** PostgreSQL invalidated a slot: its standby cannot resume from it and needs a new base backup. */
    slotLost: "PostgresSlotLost",
} as const;

/** The seed's "<100 ms cross-region replication" (Chrono Scraper, phase 4) as the lag alert's threshold. */
export const DEFAULT_LAG_THRESHOLD_SECONDS = 0.1;

/** The exporter series the rules read, all on the primary (0.11.1's names; see the module comment). */
export const REPLICATION_METRICS = {
    pg_stat_replication_pg_wal_lsn_diff:
        "bytes between the primary's WAL position and a standby's replay_lsn",
    pg_stat_replication_pg_current_wal_lsn_bytes: "the primary's WAL position in bytes, per walsender",
    pg_replication_slots_active: "1 while a walsender uses the slot",
    pg_replication_slots_pg_wal_lsn_diff: "WAL the slot retains (current lsn - restart_lsn); NaN once lost",
    pg_settings_max_slot_wal_keep_size_bytes: "max_slot_wal_keep_size in bytes; -1 = unlimited",
    pg_settings_in_hot_standby: "1 on a standby, 0 on a primary (PostgreSQL 14+)",
} as const;

export interface StandbyRegion {
    /** The region's name, put on its alerts as the `region` label. */
    readonly region: string;
    /** Its permanent physical slot on the primary region's leader (its standby cluster's primary_slot_name). */
    readonly slotName: string;
}

export interface ReplicationRulesSpec {
    /** Default 0.1 s, the seed's bound for cross-region replication. */
    readonly lagThresholdSeconds?: number;
    /** How long the lag must hold before the alert fires (default 5m: one write burst does not page). */
    readonly lagFor?: string;
    /** The lag estimate's averaging window (default 2m: 8 samples at the hosts' 15 s scrape interval). */
    readonly lagWindow?: string;
    /** Default 2m: a standby reconnects within seconds after a network blip or a restart. */
    readonly notStreamingFor?: string;
    /** Share of max_slot_wal_keep_size at which a slot's retention alerts (default 0.8). */
    readonly slotRetentionRatio?: number;
    /** Default 5m. */
    readonly slotRetentionFor?: string;
    /** The regions that stream from this primary, each through its slot. */
    readonly standbyRegions: readonly StandbyRegion[];
}

interface AlertRule {
    readonly alert: string;
    readonly expr: string;
    readonly for?: string;
    readonly labels: Readonly<Record<string, string>> & { readonly severity: Severity };
    readonly annotations: Readonly<Record<string, string>>;
}

const DURATION = /^([0-9]+(ms|s|m|h|d|w|y))+$/;
const SLOT_NAME = /^[a-z0-9_]{1,63}$/;

function resolved(spec: ReplicationRulesSpec): Required<ReplicationRulesSpec> {
    const s = {
        lagThresholdSeconds: DEFAULT_LAG_THRESHOLD_SECONDS,
        lagFor: "5m",
        lagWindow: "2m",
        notStreamingFor: "2m",
        slotRetentionRatio: 0.8,
        slotRetentionFor: "5m",
        ...spec,
    };
    const problems: string[] = [];
    if (!(Number.isFinite(s.lagThresholdSeconds) && s.lagThresholdSeconds > 0))
        problems.push(`lagThresholdSeconds ${s.lagThresholdSeconds} is not a positive number`);
    if (!(s.slotRetentionRatio > 0 && s.slotRetentionRatio <= 1))
        problems.push(`slotRetentionRatio ${s.slotRetentionRatio} is not in (0, 1]`);
    for (const k of ["lagFor", "lagWindow", "notStreamingFor", "slotRetentionFor"] as const)
        if (!DURATION.test(s[k])) problems.push(`${k} '${s[k]}' is not a Prometheus duration`);
    s.standbyRegions.forEach((r, i) => {
        if (!SLOT_NAME.test(r.slotName))
            problems.push(
                `standbyRegions[${i}].slotName '${r.slotName}' is not a slot name ([a-z0-9_]{1,63})`,
            );
        if (!/^[A-Za-z0-9_.-]+$/.test(r.region))
            problems.push(`standbyRegions[${i}].region '${r.region}' is not a plain label value`);
    });
    for (const k of ["region", "slotName"] as const)
        if (new Set(s.standbyRegions.map((r) => r[k])).size !== s.standbyRegions.length)
            problems.push(`standbyRegions: a ${k} appears twice`);
    if (problems.length > 0) throw new Error(`replicationRules: ${problems.join("; ")}`);
    return s;
}

/**
 * Seconds a standby's replay trails the primary, per walsender series: the mean bytes behind over `window` over
 * the bytes the primary wrote per second in it (NaN when both are 0, i.e. idle and caught up).
 */
export function lagSecondsExpr(window: string): string {
    return (
        `avg_over_time(pg_stat_replication_pg_wal_lsn_diff[${window}])` +
        ` / rate(pg_stat_replication_pg_current_wal_lsn_bytes[${window}])`
    );
}

function lagRule(s: Required<ReplicationRulesSpec>): AlertRule {
    return {
        alert: REPLICATION_ALERTS.lag,
        expr: `${lagSecondsExpr(s.lagWindow)} > ${s.lagThresholdSeconds}`,
        for: s.lagFor,
        labels: { severity: "warning", threshold_seconds: String(s.lagThresholdSeconds) },
        annotations: {
            summary: `A standby replays WAL more than ${s.lagThresholdSeconds} s behind the primary`,
            description:
                `Mean WAL backlog over ${s.lagWindow} divided by the primary's WAL rate, measured at the primary ` +
                "(it includes the standby's reply trip). application_name and client_addr name the standby; " +
                "compare replay_lag in pg_stat_replication on the primary.",
        },
    };
}

/**
 * The region's slot is inactive, or missing while some scraped server is a primary (in_hot_standby 0): the
 * `or on()` branch stands for the missing slot only when no slot series exists, and yields nothing where no
 * primary is scraped, so another region's Prometheus stays quiet.
 */
function notStreamingRule(s: Required<ReplicationRulesSpec>, r: StandbyRegion): AlertRule {
    const slot = `pg_replication_slots_active{slot_name="${r.slotName}"}`;
    return {
        alert: REPLICATION_ALERTS.notStreaming,
        expr: `(max(${slot}) or on() (count(pg_settings_in_hot_standby == 0) * 0)) == 0`,
        for: s.notStreamingFor,
        labels: { severity: "critical", region: r.region, slot_name: r.slotName },
        annotations: {
            summary: `Standby region ${r.region} does not stream from the primary (slot ${r.slotName} inactive or missing)`,
            description:
                "No walsender uses the region's permanent slot on the primary: its standby leader is down, cannot " +
                "reach the primary, or the slot does not exist. WAL piles up in the slot until max_slot_wal_keep_size.",
        },
    };
}

function slotRetentionRule(s: Required<ReplicationRulesSpec>): AlertRule {
    return {
        alert: REPLICATION_ALERTS.slotRetention,
        expr:
            "pg_replication_slots_pg_wal_lsn_diff / ignoring(slot_name, database) group_left()" +
            ` (pg_settings_max_slot_wal_keep_size_bytes > 0) > ${s.slotRetentionRatio}`,
        for: s.slotRetentionFor,
        labels: { severity: "warning" },
        annotations: {
            summary: `A replication slot retains over ${Math.round(s.slotRetentionRatio * 100)} % of max_slot_wal_keep_size`,
            description:
                "Once it passes max_slot_wal_keep_size, PostgreSQL invalidates the slot at the next checkpoint and " +
                "its standby needs a new base backup. (No alert when max_slot_wal_keep_size is -1, unlimited.)",
        },
    };
}

/** A slot whose WAL position is NaN: restart_lsn is NULL, which for Patroni's slots (reserved at creation) means invalidated. */
function slotLostRule(): AlertRule {
    return {
        alert: REPLICATION_ALERTS.slotLost,
        expr: "pg_replication_slots_active unless (pg_replication_slots_pg_wal_lsn_diff >= 0)",
        labels: { severity: "critical" },
        annotations: {
            summary: "A replication slot lost its WAL (restart_lsn is NULL)",
            description:
                "PostgreSQL removed WAL the slot's standby still needs (max_slot_wal_keep_size passed): re-clone " +
                "that standby (Patroni: reinit the standby cluster's leader).",
        },
    };
}

export function buildReplicationRules(spec: ReplicationRulesSpec): object {
    const s = resolved(spec);
    return {
        groups: [
            {
                name: "postgres-replication",
                rules: [
                    lagRule(s),
                    ...s.standbyRegions.map((r) => notStreamingRule(s, r)),
                    slotRetentionRule(s),
                    slotLostRule(),
                ],
            },
        ],
    };
}

export function renderReplicationRules(spec: ReplicationRulesSpec): string {
    return toYaml(buildReplicationRules(spec));
}
