import { afterAll, describe, expect, it } from "vitest";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { toYaml } from "../../../core/render/base/yaml";
import {
    buildReplicationRules,
    DEFAULT_LAG_THRESHOLD_SECONDS,
    REPLICATION_ALERTS,
    REPLICATION_METRICS,
    REPLICATION_RULES_FILE,
    renderReplicationRules,
    type ReplicationRulesSpec,
} from "../../../core/render/monitoring/replicationRules";
import { runTool } from "../../helpers/tools";
import { pyYamlLoad, removeDir, tempDir } from "../fixtures";

interface Rule {
    alert: string;
    expr: string;
    for?: string;
    labels: Record<string, string>;
    annotations: Record<string, string>;
}

const SPEC: ReplicationRulesSpec = {
    standbyRegions: [
        { region: "us-east", slotName: "us_east" },
        { region: "us-west", slotName: "us_west" },
    ],
};
const TEXT = renderReplicationRules(SPEC);
const RULES = (parse(TEXT) as { groups: { rules: Rule[] }[] }).groups[0]!.rules;

const dirs: string[] = [];
afterAll(() => dirs.forEach(removeDir));

/** Writes `rules` and a promtool unit-test file over them; returns the test file's path. */
function testFile(tests: readonly object[], rules = TEXT): string {
    const dir = tempDir("replication-rules");
    dirs.push(dir);
    writeFileSync(join(dir, REPLICATION_RULES_FILE), rules);
    writeFileSync(
        join(dir, "replication.test.yml"),
        toYaml({ rule_files: [REPLICATION_RULES_FILE], evaluation_interval: "15s", tests: [...tests] }),
    );
    return join(dir, "replication.test.yml");
}

function promtoolTest(tests: readonly object[], rules = TEXT) {
    return runTool("promtool", ["test", "rules", testFile(tests, rules)]);
}

const rule = (alert: string, region?: string): Rule =>
    RULES.find((r) => r.alert === alert && (region === undefined || r.labels.region === region))!;

/** An alert as promtool expects it: the series' labels plus the rule's, and the rule's static annotations. */
const fired = (r: Rule, series: Record<string, string>) => ({
    exp_labels: { ...series, ...r.labels },
    exp_annotations: r.annotations,
});

const sel = (name: string, labels: Record<string, string>) =>
    `${name}{${Object.entries(labels)
        .map(([k, v]) => `${k}="${v}"`)
        .join(",")}}`;

// What the primary's exporter reports for one walsender (0.11.1's labels; slot_name carries the pid).
const PRIMARY = { instance: "10.0.1.2:9187", job: "postgres", server: "10.0.1.2:5432" };
const WALSENDER = {
    ...PRIMARY,
    application_name: "us_east_1",
    client_addr: "203.0.113.20",
    slot_name: "4242",
    state: "streaming",
};
const STEPS = 80; // 20 minutes at 15 s
/** The primary writes 1 MB of WAL every 15 s (about 67 kB/s). */
const WRITING = `1000000000+1000000x${STEPS}`;
const IDLE = `1000000000x${STEPS}`;
/** promtool's `NaNxN` is no expansion: NaN written out `n` times. */
const nans = (n: number) => Array.from({ length: n }, () => "NaN").join(" ");

function walsender(lsn: string, diff: string, labels: Record<string, string> = WALSENDER) {
    return [
        { series: sel("pg_stat_replication_pg_current_wal_lsn_bytes", labels), values: lsn },
        { series: sel("pg_stat_replication_pg_wal_lsn_diff", labels), values: diff },
    ];
}

describe("replication alert rules", () => {
    it("default to the seed's 100 ms, 5 minutes of lag, and one not-streaming alert per standby region", () => {
        expect(DEFAULT_LAG_THRESHOLD_SECONDS).toBe(0.1);
        expect(RULES.map((r) => [r.alert, r.labels.region])).toEqual([
            [REPLICATION_ALERTS.lag, undefined],
            [REPLICATION_ALERTS.notStreaming, "us-east"],
            [REPLICATION_ALERTS.notStreaming, "us-west"],
            [REPLICATION_ALERTS.slotRetention, undefined],
            [REPLICATION_ALERTS.slotLost, undefined],
        ]);
        expect(rule(REPLICATION_ALERTS.lag)).toMatchObject({
            expr:
                "avg_over_time(pg_stat_replication_pg_wal_lsn_diff[2m])" +
                " / rate(pg_stat_replication_pg_current_wal_lsn_bytes[2m]) > 0.1",
            for: "5m",
            labels: { severity: "warning", threshold_seconds: "0.1" },
        });
        expect(REPLICATION_RULES_FILE).toMatch(/\.rules\.yml$/);
    });

    it("read only the 0.11.1 series listed in REPLICATION_METRICS, and every one of them", () => {
        const used = new Set(RULES.flatMap((r) => r.expr.match(/\bpg_[a-z_]+/g) ?? []));
        expect([...used].sort()).toEqual(Object.keys(REPLICATION_METRICS).sort());
    });

    it("keep their annotations static (promtool matches them; Alertmanager shows the value)", () => {
        for (const r of RULES) expect(JSON.stringify(r.annotations)).not.toMatch(/\{\{|\$value|\$labels/);
    });

    it("read the same in a YAML 1.1 reader", () => {
        expect(pyYamlLoad(TEXT)).toEqual(parse(TEXT));
    });

    it("pass `promtool check rules`", () => {
        const dir = tempDir("replication-rules");
        dirs.push(dir);
        writeFileSync(join(dir, REPLICATION_RULES_FILE), TEXT);
        const r = runTool("promtool", ["check", "rules", join(dir, REPLICATION_RULES_FILE)]);
        expect(r.output).toContain(`SUCCESS: ${RULES.length} rules found`);
        expect(r.status).toBe(0);
    });

    it("take the threshold, the holds and the window from the spec, and refuse a bad spec naming the field", () => {
        const r = (
            buildReplicationRules({
                lagThresholdSeconds: 0.25,
                lagFor: "10m",
                lagWindow: "5m",
                standbyRegions: [],
            }) as { groups: { rules: Rule[] }[] }
        ).groups[0]!.rules;
        expect(r.map((x) => x.alert)).not.toContain(REPLICATION_ALERTS.notStreaming);
        expect(r[0]).toMatchObject({ for: "10m", labels: { threshold_seconds: "0.25" } });
        expect(r[0]!.expr).toMatch(/\[5m\].*\[5m\]\) > 0\.25$/);
        const bad = (s: Partial<ReplicationRulesSpec>) => () =>
            buildReplicationRules({ standbyRegions: [], ...s });
        expect(bad({ lagThresholdSeconds: 0 })).toThrow(/lagThresholdSeconds/);
        expect(bad({ lagFor: "5 minutes" })).toThrow(/lagFor '5 minutes'/);
        expect(bad({ slotRetentionRatio: 1.5 })).toThrow(/slotRetentionRatio/);
        expect(bad({ standbyRegions: [{ region: "us", slotName: "US-1" }] })).toThrow(
            /standbyRegions\[0\]\.slotName/,
        );
        expect(
            bad({
                standbyRegions: [
                    { region: "us", slotName: "a" },
                    { region: "us", slotName: "b" },
                ],
            }),
        ).toThrow(/region appears twice/);
    });
});

describe(`${REPLICATION_ALERTS.lag} (promtool test rules)`, () => {
    const lag = rule(REPLICATION_ALERTS.lag);
    const name = REPLICATION_ALERTS.lag;
    const at = (eval_time: string, exp: object[] = []) => ({ eval_time, alertname: name, exp_alerts: exp });

    it("fires after 5 minutes 300 ms behind under steady writes, not before; quiet at 45 ms", () => {
        const r = promtoolTest([
            {
                interval: "15s",
                // 20 kB behind at 67 kB/s: 0.3 s.
                input_series: walsender(WRITING, `20000x${STEPS}`),
                alert_rule_test: [at("4m"), at("10m", [fired(lag, WALSENDER)])],
            },
            {
                interval: "15s",
                // 3 kB behind: 45 ms, a cross-Atlantic round trip's worth.
                input_series: walsender(WRITING, `3000x${STEPS}`),
                alert_rule_test: [at("10m"), at("19m")],
            },
        ]);
        expect(r.output).toContain("SUCCESS");
        expect(r.status).toBe(0);
    });

    it("stays quiet through a one-minute burst of backlog", () => {
        const r = promtoolTest([
            {
                interval: "15s",
                input_series: walsender(WRITING, `3000x20 500000x4 3000x${STEPS - 24}`),
                alert_rule_test: [at("7m"), at("9m"), at("12m")],
            },
        ]);
        expect(r.output).toContain("SUCCESS");
        expect(r.status).toBe(0);
    });

    it("stays quiet on an idle, caught-up primary (0 / 0), but fires for a standby stuck behind an idle one (x / 0)", () => {
        const r = promtoolTest([
            {
                interval: "15s",
                input_series: walsender(IDLE, `0x${STEPS}`),
                alert_rule_test: [at("10m"), at("19m")],
            },
            {
                interval: "15s",
                input_series: walsender(IDLE, `4096x${STEPS}`),
                alert_rule_test: [at("10m", [fired(lag, WALSENDER)])],
            },
        ]);
        expect(r.output).toContain("SUCCESS");
        expect(r.status).toBe(0);
    });

    it("stays quiet on a standby's own walsenders, whose lsn columns 0.11.1 reports as NaN in recovery", () => {
        const cascade = { ...WALSENDER, server: "198.51.100.7:5432", application_name: "us_east_2" };
        const r = promtoolTest([
            {
                interval: "15s",
                input_series: walsender(nans(STEPS), nans(STEPS), cascade),
                alert_rule_test: [at("10m")],
            },
        ]);
        expect(r.output).toContain("SUCCESS");
        expect(r.status).toBe(0);
    });

    it("fails promtool when the threshold is raised over the measured lag (the test can fail)", () => {
        const r = promtoolTest(
            [
                {
                    interval: "15s",
                    input_series: walsender(WRITING, `20000x${STEPS}`),
                    alert_rule_test: [at("10m", [fired(lag, WALSENDER)])],
                },
            ],
            TEXT.replace(") > 0.1\n", ") > 0.5\n"),
        );
        expect(r.status).not.toBe(0);
        expect(r.output).toContain(name);
    });
});

describe(`${REPLICATION_ALERTS.notStreaming} (promtool test rules)`, () => {
    const name = REPLICATION_ALERTS.notStreaming;
    const east = rule(name, "us-east");
    const west = rule(name, "us-west");
    const at = (eval_time: string, exp: object[] = []) => ({ eval_time, alertname: name, exp_alerts: exp });
    const slot = (slotName: string, values: string) => ({
        series: sel("pg_replication_slots_active", { ...PRIMARY, slot_name: slotName }),
        values,
    });
    const hotStandby = (instance: string, values: string) => ({
        series: sel("pg_settings_in_hot_standby", { ...PRIMARY, instance }),
        values,
    });
    const fleet = [hotStandby("10.0.1.2:9187", "0x40"), hotStandby("10.0.1.3:9187", "1x40")];
    const static_ = (r: Rule) => ({ exp_labels: r.labels, exp_annotations: r.annotations });

    it("fires for the region whose slot went inactive 2 minutes ago, not before and not for the other region", () => {
        const r = promtoolTest([
            {
                interval: "15s",
                input_series: [...fleet, slot("us_east", "1x4 0x36"), slot("us_west", "1x40")],
                alert_rule_test: [at("2m30s"), at("5m", [static_(east)])],
            },
            {
                interval: "15s",
                input_series: [...fleet, slot("us_east", "1x40"), slot("us_west", "1x40")],
                alert_rule_test: [at("5m")],
            },
        ]);
        expect(r.output).toContain("SUCCESS");
        expect(r.status).toBe(0);
    });

    it("stays quiet when the standby reconnects within the hold", () => {
        const r = promtoolTest([
            {
                interval: "15s",
                input_series: [...fleet, slot("us_east", "1x4 0x4 1x32"), slot("us_west", "1x40")],
                alert_rule_test: [at("2m"), at("5m")],
            },
        ]);
        expect(r.output).toContain("SUCCESS");
        expect(r.status).toBe(0);
    });

    it("fires when the primary has no slot for the region; quiet where no primary is scraped (another region's Prometheus)", () => {
        const r = promtoolTest([
            {
                interval: "15s",
                input_series: [...fleet, slot("us_east", "1x40")],
                alert_rule_test: [at("5m", [static_(west)])],
            },
            {
                interval: "15s",
                input_series: [
                    hotStandby("198.51.100.7:9187", "1x40"),
                    hotStandby("198.51.100.8:9187", "1x40"),
                ],
                alert_rule_test: [at("5m")],
            },
        ]);
        expect(r.output).toContain("SUCCESS");
        expect(r.status).toBe(0);
    });
});

describe(`${REPLICATION_ALERTS.slotRetention} and ${REPLICATION_ALERTS.slotLost} (promtool test rules)`, () => {
    const GIB = 1024 ** 3;
    const SLOT = { ...PRIMARY, slot_name: "us_east" };
    const keep = (bytes: number) => ({
        series: sel("pg_settings_max_slot_wal_keep_size_bytes", PRIMARY),
        values: `${bytes}x40`,
    });
    const retained = (values: string) => ({
        series: sel("pg_replication_slots_pg_wal_lsn_diff", SLOT),
        values,
    });
    const active = { series: sel("pg_replication_slots_active", SLOT), values: "0x40" };
    const retention = rule(REPLICATION_ALERTS.slotRetention);
    const lost = rule(REPLICATION_ALERTS.slotLost);
    const at = (alertname: string, eval_time: string, exp: object[] = []) => ({
        eval_time,
        alertname,
        exp_alerts: exp,
    });

    it("retention fires after 5 minutes over 80 % of max_slot_wal_keep_size; quiet at 50 % and when unlimited", () => {
        const r = promtoolTest([
            {
                interval: "15s",
                input_series: [keep(GIB), retained(`${0.9 * GIB}x40`), active],
                alert_rule_test: [
                    at(REPLICATION_ALERTS.slotRetention, "4m"),
                    at(REPLICATION_ALERTS.slotRetention, "6m", [fired(retention, SLOT)]),
                    at(REPLICATION_ALERTS.slotLost, "6m"),
                ],
            },
            {
                interval: "15s",
                input_series: [keep(GIB), retained(`${0.5 * GIB}x40`), active],
                alert_rule_test: [at(REPLICATION_ALERTS.slotRetention, "9m")],
            },
            {
                interval: "15s",
                input_series: [keep(-1), retained(`${5 * GIB}x40`), active],
                alert_rule_test: [at(REPLICATION_ALERTS.slotRetention, "9m")],
            },
        ]);
        expect(r.output).toContain("SUCCESS");
        expect(r.status).toBe(0);
    });

    it("lost fires as soon as the slot's position is NaN (restart_lsn NULL), and not while it has one", () => {
        const r = promtoolTest([
            {
                interval: "15s",
                input_series: [keep(GIB), retained(`${0.95 * GIB}x4 ${nans(36)}`), active],
                alert_rule_test: [
                    at(REPLICATION_ALERTS.slotLost, "45s"),
                    at(REPLICATION_ALERTS.slotLost, "1m30s", [fired(lost, SLOT)]),
                    at(REPLICATION_ALERTS.slotRetention, "9m"),
                ],
            },
        ]);
        expect(r.output).toContain("SUCCESS");
        expect(r.status).toBe(0);
    });
});
