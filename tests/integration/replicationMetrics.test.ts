/**
 * The replication rules against the exporter the hosts run: a real PostgreSQL 15 primary and a streaming standby
 * (pg_basebackup -R through a reserved physical slot, as Patroni creates them), Debian's postgres_exporter 0.11.1
 * on each, and a real Prometheus that scrapes both every second and evaluates the shipped rules (the shipped
 * 100 ms threshold; only the lag window and the holds are shortened, so the test waits seconds, not minutes).
 *
 * It checks that every series the rules read comes from 0.11.1 on the primary, then drives each alert from a
 * real measurement: steady writes (quiet), replay paused on the standby while the primary writes (the lag alert
 * fires), replay resumed (quiet again), writes stopped (idle: quiet, while the standby's replay age, the
 * idle-primary trap, keeps growing), the standby stopped (not streaming), WAL written past
 * max_slot_wal_keep_size (retention), and a checkpoint that invalidates the slot (lost).
 */
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { toYaml } from "../../core/render/base/yaml";
import { buildPrometheusConfig } from "../../core/render/monitoring/prometheus";
import {
    buildReplicationRules,
    lagSecondsExpr,
    REPLICATION_ALERTS,
    REPLICATION_METRICS,
    REPLICATION_RULES_FILE,
    type ReplicationRulesSpec,
} from "../../core/render/monitoring/replicationRules";
import {
    asPostgres,
    cleanup,
    PG_BIN,
    runOk,
    sleep,
    start,
    stop,
    superSql,
    tempDir,
    waitFor,
    waitForHttp,
    waitForPostgres,
    writeOwned,
    startPrometheus,
    startLoopbackPostgres,
} from "./support";

const PRIMARY_PORT = 25750;
const STANDBY_PORT = 25751;
const PRIMARY_EXPORTER_PORT = 25752;
const STANDBY_EXPORTER_PORT = 25753;
const PROMETHEUS_PORT = 25754;
const SLOT = "us_east";
/** The standby's cluster_name, which its WAL receiver reports as application_name (Patroni: the member name). */
const STANDBY_NAME = "us_east_1";
const KEEP_MB = 32;
const WINDOW_SECONDS = 4;

const SPEC: ReplicationRulesSpec = {
    lagWindow: `${WINDOW_SECONDS}s`,
    lagFor: "0s",
    notStreamingFor: "0s",
    slotRetentionFor: "0s",
    standbyRegions: [{ region: "us-east", slotName: SLOT }],
};

let root: string;
let standby: ReturnType<typeof start>;
const measured: Record<string, unknown> = {};
const scraped: Record<"primary" | "standby", string> = { primary: "", standby: "" };

const primarySql = (sql: string) => superSql(root, PRIMARY_PORT, sql);
const standbySql = (sql: string) => superSql(root, STANDBY_PORT, sql);
const round = (v: number, digits = 3) => Number(v.toFixed(digits));

function pgServer(dataDir: string, port: number, settings: readonly string[]): ReturnType<typeof start> {
    return startLoopbackPostgres(dataDir, root, port, settings);
}

function exporter(pgPort: number, port: number): ReturnType<typeof start> {
    return start(["prometheus-postgres-exporter", `--web.listen-address=127.0.0.1:${port}`], {
        DATA_SOURCE_NAME: `postgresql://postgres@127.0.0.1:${pgPort}/postgres?sslmode=disable`,
    });
}

async function scrape(port: number): Promise<string> {
    const r = await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(5000) });
    return r.text();
}

/** The sample lines of `name` in an exposition text. */
const samples = (text: string, name: string) =>
    text.split("\n").filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `));

async function query(expr: string): Promise<{ labels: Record<string, string>; value: number }[]> {
    const url = `http://127.0.0.1:${PROMETHEUS_PORT}/api/v1/query?query=${encodeURIComponent(expr)}`;
    const body = (await (await fetch(url, { signal: AbortSignal.timeout(5000) })).json()) as {
        data: { result: { metric: Record<string, string>; value: [number, string] }[] };
    };
    return body.data.result.map((r) => ({ labels: r.metric, value: Number(r.value[1]) }));
}

/** The lag estimate the alert compares, for the standby's walsender (undefined until Prometheus has one). */
async function lagEstimate(): Promise<number | undefined> {
    const r = await query(lagSecondsExpr(SPEC.lagWindow!));
    return r.find((x) => x.labels.application_name === STANDBY_NAME)?.value;
}

async function alertState(alert: string): Promise<string | undefined> {
    const url = `http://127.0.0.1:${PROMETHEUS_PORT}/api/v1/alerts`;
    const body = (await (await fetch(url, { signal: AbortSignal.timeout(5000) })).json()) as {
        data: { alerts: { labels: Record<string, string>; state: string }[] };
    };
    return body.data.alerts.find((a) => a.labels.alertname === alert)?.state;
}

const firing = (alert: string, timeoutMs = 15_000) =>
    waitFor(
        `${alert} firing`,
        async () => ((await alertState(alert)) === "firing" ? true : undefined),
        timeoutMs,
    );

/** Polls for `ms` and fails at the first sight of `alert` pending or firing. */
async function staysQuiet(alert: string, ms: number): Promise<void> {
    const until = Date.now() + ms;
    while (Date.now() < until) {
        expect(await alertState(alert), `${alert} while it should be quiet`).toBeUndefined();
        await sleep(250);
    }
}

/** Commits a 300-byte row every 10 ms until ctl.run is false (bounded to about a minute). */
function startWriter(): ReturnType<typeof start> {
    const sql = `DO $$
        DECLARE i int := 0;
        BEGIN
            WHILE i < 6000 AND (SELECT run FROM ctl) LOOP
                INSERT INTO filler (pad) SELECT repeat(md5(random()::text), 8);
                COMMIT;
                PERFORM pg_sleep(0.01);
                i := i + 1;
            END LOOP;
        END $$`;
    const args = ["-XAtq", "-h", root, "-p", String(PRIMARY_PORT), "-U", "postgres", "-c", sql];
    return start(asPostgres([`${PG_BIN}/psql`, ...args]));
}

beforeAll(async () => {
    root = tempDir("replication-metrics");
    const primaryData = join(root, "primary");
    runOk(asPostgres([`${PG_BIN}/initdb`, "-D", primaryData, "-U", "postgres", "--auth=trust"]));
    // initdb's pg_hba admits replication from 127.0.0.1 with the --auth method.
    const primary = pgServer(primaryData, PRIMARY_PORT, [`max_slot_wal_keep_size=${KEEP_MB}MB`]);
    await waitForPostgres(PRIMARY_PORT, primary, 20_000);
    // Reserved at creation, as Patroni 3.0.2 creates its slots: a NULL restart_lsn then means invalidated.
    primarySql(`SELECT pg_create_physical_replication_slot('${SLOT}', true)`);
    primarySql("CREATE TABLE filler (id bigserial PRIMARY KEY, pad text); CREATE TABLE ctl (run boolean)");
    primarySql("INSERT INTO ctl VALUES (true)");
    const standbyData = join(root, "standby");
    runOk(
        asPostgres([
            `${PG_BIN}/pg_basebackup`,
            ...["-h", "127.0.0.1", "-p", String(PRIMARY_PORT), "-U", "postgres", "-D", standbyData],
            ...["-R", "-S", SLOT, "-X", "stream", "-c", "fast"],
        ]),
    );
    standby = pgServer(standbyData, STANDBY_PORT, [`cluster_name=${STANDBY_NAME}`]);
    await waitForPostgres(STANDBY_PORT, standby, 20_000);
    await waitFor(
        "the standby streaming",
        () =>
            primarySql("SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'") === "1" ||
            undefined,
        15_000,
    );

    const exporters = [
        exporter(PRIMARY_PORT, PRIMARY_EXPORTER_PORT),
        exporter(STANDBY_PORT, STANDBY_EXPORTER_PORT),
    ];
    await waitForHttp(`http://127.0.0.1:${PRIMARY_EXPORTER_PORT}/metrics`, exporters[0]!);
    await waitForHttp(`http://127.0.0.1:${STANDBY_EXPORTER_PORT}/metrics`, exporters[1]!);
    scraped.primary = await scrape(PRIMARY_EXPORTER_PORT);
    scraped.standby = await scrape(STANDBY_EXPORTER_PORT);

    const rulesFile = writeOwned(
        join(root, REPLICATION_RULES_FILE),
        toYaml(buildReplicationRules(SPEC)),
        0o644,
    );
    const config = buildPrometheusConfig(
        "replication-test",
        [
            {
                job: "postgres",
                targets: [PRIMARY_EXPORTER_PORT, STANDBY_EXPORTER_PORT].map((p) => `127.0.0.1:${p}`),
            },
        ],
        [rulesFile],
    ) as { global: Record<string, unknown> };
    await startPrometheus(root, PROMETHEUS_PORT, config);
});

afterAll(async () => {
    console.log(`[integration] replicationMetrics: ${JSON.stringify(measured)}`);
    await cleanup();
});

describe("replication rules on postgres_exporter 0.11.1 and a real primary and standby", () => {
    it("0.11.1 produces every series the rules read on the primary; the standby shows only in_hot_standby", () => {
        const used = buildReplicationRules(SPEC) as { groups: { rules: { expr: string }[] }[] };
        const names = new Set(used.groups[0]!.rules.flatMap((r) => r.expr.match(/\bpg_[a-z_]+/g) ?? []));
        expect([...names].sort()).toEqual(Object.keys(REPLICATION_METRICS).sort());
        for (const name of names)
            expect(samples(scraped.primary, name), `${name} on the primary`).not.toHaveLength(0);

        expect(samples(scraped.primary, "pg_settings_in_hot_standby")[0]).toMatch(/ 0$/);
        expect(samples(scraped.standby, "pg_settings_in_hot_standby")[0]).toMatch(/ 1$/);
        for (const name of names)
            if (!name.startsWith("pg_settings_"))
                expect(samples(scraped.standby, name), `${name} on the standby`).toHaveLength(0);

        // The walsender's series: named by the standby's application_name; 0.11.1's slot_name label is its pid.
        const pid = primarySql(
            `SELECT pid FROM pg_stat_replication WHERE application_name = '${STANDBY_NAME}'`,
        );
        const [walsender] = samples(scraped.primary, "pg_stat_replication_pg_wal_lsn_diff");
        expect(walsender).toContain(`application_name="${STANDBY_NAME}"`);
        expect(walsender).toContain('state="streaming"');
        expect(walsender).toContain(`slot_name="${pid}"`);
        expect(samples(scraped.primary, "pg_replication_slots_active")).toEqual([
            expect.stringMatching(new RegExp(`slot_name="${SLOT}".* 1$`)),
        ]);
        const keep = samples(scraped.primary, "pg_settings_max_slot_wal_keep_size_bytes")[0]!;
        expect(Number(keep.split(" ").at(-1))).toBe(KEEP_MB * 1024 * 1024);
        // No time-based lag and no replica flag in 0.11.1 (newer exporters' pg_replication_* collector).
        for (const absent of [
            "pg_replication_lag",
            "pg_replication_lag_seconds",
            "pg_replication_is_replica",
        ])
            for (const text of [scraped.primary, scraped.standby])
                expect(samples(text, absent)).toHaveLength(0);
        measured.walsenderSeries = walsender?.replace(/ [^ ]+$/, "");
    });

    it("lag: quiet under steady writes, fires while the standby's replay is paused, quiet after resume and when idle", async () => {
        const writer = startWriter();
        try {
            // Steady streaming: the estimate over a full window stays far under 100 ms.
            await waitFor("a lag estimate", lagEstimate, 15_000);
            await staysQuiet(REPLICATION_ALERTS.lag, (WINDOW_SECONDS + 1) * 1000);
            const steady = (await lagEstimate())!;
            measured.steadyEstimateMs = round(steady * 1000, 2);
            measured.steadyReplayLag = primarySql(
                "SELECT coalesce(replay_lag::text, 'NULL') FROM pg_stat_replication",
            );
            expect(steady).toBeLessThan(0.1);

            // Replay paused: the standby still receives and flushes, but replays nothing.
            standbySql("SELECT pg_wal_replay_pause()");
            const pausedAt = Date.now();
            await firing(REPLICATION_ALERTS.lag);
            measured.secondsToFire = (Date.now() - pausedAt) / 1000;
            measured.pausedEstimateSeconds = round((await lagEstimate())!);
            measured.pausedBytesBehind = Number(
                primarySql(
                    "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn) FROM pg_stat_replication",
                ),
            );
            measured.pausedReplayLag = primarySql(
                "SELECT coalesce(replay_lag::text, 'NULL') FROM pg_stat_replication",
            );
            measured.pausedStandbyReplayAgeSeconds = round(
                Number(standbySql("SELECT extract(epoch FROM now() - pg_last_xact_replay_timestamp())")),
            );
            expect(measured.pausedEstimateSeconds).toBeGreaterThan(0.1);

            standbySql("SELECT pg_wal_replay_resume()");
            const resumedAt = Date.now();
            await waitFor(
                `${REPLICATION_ALERTS.lag} resolved`,
                async () => ((await alertState(REPLICATION_ALERTS.lag)) === undefined ? true : undefined),
                (WINDOW_SECONDS + 10) * 1000,
            );
            measured.secondsToResolve = (Date.now() - resumedAt) / 1000;
            measured.resumedEstimateMs = round((await lagEstimate())! * 1000, 2);
            expect(measured.resumedEstimateMs).toBeLessThan(100);
        } finally {
            primarySql("UPDATE ctl SET run = false");
            await waitFor("the writer to stop", () => (writer.exitCode !== null ? true : undefined), 10_000);
        }

        // Idle and caught up: a full window without WAL is 0 / 0, and nothing fires, while the standby's replay
        // age (now() - pg_last_xact_replay_timestamp(), the idle-primary trap) grows past the threshold.
        await staysQuiet(REPLICATION_ALERTS.lag, (WINDOW_SECONDS + 2) * 1000);
        measured.idleEstimate = String(await lagEstimate());
        measured.idleStandbyReplayAgeSeconds = round(
            Number(standbySql("SELECT extract(epoch FROM now() - pg_last_xact_replay_timestamp())")),
        );
        expect(measured.idleEstimate).toBe("NaN");
        expect(measured.idleStandbyReplayAgeSeconds).toBeGreaterThan(WINDOW_SECONDS);
    });

    it("not streaming, retention and a lost slot: the standby stopped, WAL written past the keep size, a checkpoint", async () => {
        await staysQuiet(REPLICATION_ALERTS.notStreaming, 2000);
        await stop(standby, "SIGINT");
        const stoppedAt = Date.now();
        await firing(REPLICATION_ALERTS.notStreaming);
        measured.secondsToNotStreaming = (Date.now() - stoppedAt) / 1000;

        expect(await alertState(REPLICATION_ALERTS.slotRetention)).toBeUndefined();
        for (let i = 0; i < 4; i++)
            primarySql("INSERT INTO filler (pad) VALUES ('x'); SELECT pg_switch_wal()");
        await firing(REPLICATION_ALERTS.slotRetention);
        const [ratio] = await query(
            `pg_replication_slots_pg_wal_lsn_diff{slot_name="${SLOT}"} / ignoring(slot_name, database) pg_settings_max_slot_wal_keep_size_bytes`,
        );
        measured.retainedShareOfKeepSize = round(ratio!.value, 2);
        expect(await alertState(REPLICATION_ALERTS.slotLost)).toBeUndefined();

        primarySql("CHECKPOINT");
        expect(
            primarySql(
                `SELECT wal_status, restart_lsn IS NULL FROM pg_replication_slots WHERE slot_name = '${SLOT}'`,
            ),
        ).toBe("lost|t");
        await firing(REPLICATION_ALERTS.slotLost);
        measured.lostSlotSample = samples(
            await scrape(PRIMARY_EXPORTER_PORT),
            "pg_replication_slots_pg_wal_lsn_diff",
        )[0];
        expect(measured.lostSlotSample).toMatch(/ NaN$/);
    });
});
