/**
 * The database-size scaling trigger from a real measurement: a real Prometheus on the rendered config and the
 * rendered phase 1 rules scrapes a real postgres_exporter (against a real PostgreSQL) and a real redis_exporter
 * (against a real Redis). The test lowers the trigger's threshold to just above the database's size and its
 * hold from 1 h to none, checks the alert stays quiet, grows the database past the threshold and waits for
 * the alert to fire. Everything else in the rule (its PromQL, labels, annotations) is the shipped one. Prometheus
 * sends it to a real Alertmanager on the rendered config with a webhook receiver, and a listener on loopback
 * records what the operator's endpoint receives: the message, its labels and the bearer token from its file.
 */
import { createServer, type Server } from "node:http";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildAlertRules, triggerAlertName } from "../../core/render/monitoring/alertRules";
import { buildPrometheusConfig } from "../../core/render/monitoring/prometheus";
import { renderAlertmanagerConfig } from "../../core/render/monitoring/alertmanager";
import { toYaml } from "../../core/render/base/yaml";
import { PROMQL } from "../../core/scaling/promql";
import {
    asPostgres,
    cleanup,
    PG_BIN,
    runOk,
    sleep,
    start,
    superSql,
    tempDir,
    waitFor,
    waitForHttp,
    waitForPostgres,
    writeOwned,
    startPrometheus,
    startAlertmanager,
    startLoopbackPostgres,
} from "./support";

const PG_PORT = 25660;
const PG_EXPORTER_PORT = 25661;
const REDIS_PORT = 25662;
const REDIS_EXPORTER_PORT = 25663;
const PROMETHEUS_PORT = 25664;
const ALERTMANAGER_PORT = 25665;
const WEBHOOK_PORT = 25666;
const WEBHOOK_TOKEN = "operators-webhook-token";
const ALERT = triggerAlertName("databaseSize");
const MIB = 1024 * 1024;
const GIB = 1024 * MIB;

let root: string;
const measured: Record<string, unknown> = {};

interface Delivery {
    readonly authorization: string | undefined;
    readonly body: {
        status: string;
        receiver: string;
        groupLabels: Record<string, string>;
        alerts: { status: string; labels: Record<string, string>; annotations: Record<string, string> }[];
    };
}
const deliveries: Delivery[] = [];
let webhook: Server;

/** The operator's endpoint: records every POST Alertmanager makes. */
function listen(): Promise<Server> {
    const server = createServer((req, res) => {
        let data = "";
        req.on("data", (c: Buffer) => (data += c.toString("utf8")));
        req.on("end", () => {
            deliveries.push({
                authorization: req.headers.authorization,
                body: JSON.parse(data) as Delivery["body"],
            });
            res.writeHead(200).end();
        });
    });
    return new Promise((resolve) => server.listen(WEBHOOK_PORT, "127.0.0.1", () => resolve(server)));
}

const sql = (statement: string): string => superSql(root, PG_PORT, statement, "app");
const databaseBytes = () => Number(sql("SELECT sum(pg_database_size(datname)) FROM pg_database"));

async function query(expr: string): Promise<number | undefined> {
    const url = `http://127.0.0.1:${PROMETHEUS_PORT}/api/v1/query?query=${encodeURIComponent(expr)}`;
    const body = (await (await fetch(url, { signal: AbortSignal.timeout(5000) })).json()) as {
        data: { result: { value: [number, string] }[] };
    };
    const v = body.data.result[0]?.value[1];
    return v === undefined ? undefined : Number(v);
}

async function alertState(): Promise<string | undefined> {
    const url = `http://127.0.0.1:${PROMETHEUS_PORT}/api/v1/alerts`;
    const body = (await (await fetch(url, { signal: AbortSignal.timeout(5000) })).json()) as {
        data: { alerts: { labels: Record<string, string>; state: string }[] };
    };
    return body.data.alerts.find((a) => a.labels.alertname === ALERT)?.state;
}

/** The shipped phase 1 rules with the database-size trigger lowered to `thresholdGb` and held for no time. */
function loweredRules(thresholdGb: number): object {
    const rules = buildAlertRules("phase1") as {
        groups: { rules: { alert: string; expr: string; for?: string }[] }[];
    };
    const rule = rules.groups[0]?.rules.find((r) => r.alert === ALERT);
    if (!rule) throw new Error(`the phase 1 rules have no ${ALERT}`);
    const shipped = / > [0-9.]+$/;
    if (!shipped.test(rule.expr)) throw new Error(`unexpected ${ALERT} expression: ${rule.expr}`);
    rule.expr = rule.expr.replace(shipped, ` > ${thresholdGb}`);
    rule.for = "0s";
    return rules;
}

beforeAll(async () => {
    root = tempDir("trigger");
    runOk(asPostgres([`${PG_BIN}/initdb`, "-D", join(root, "data"), "-U", "postgres", "--auth=trust"]));
    const postgres = startLoopbackPostgres(join(root, "data"), root, PG_PORT);
    await waitForPostgres(PG_PORT, postgres, 20_000);
    runOk(asPostgres([`${PG_BIN}/createdb`, "-h", root, "-p", String(PG_PORT), "-U", "postgres", "app"]));
    const pgExporter = start(
        ["prometheus-postgres-exporter", `--web.listen-address=127.0.0.1:${PG_EXPORTER_PORT}`],
        {
            DATA_SOURCE_NAME: `postgresql://postgres@127.0.0.1:${PG_PORT}/postgres?sslmode=disable`,
        },
    );
    const redisConf = writeOwned(join(root, "redis.conf"), `port ${REDIS_PORT}\nbind 127.0.0.1\nsave ""\n`);
    start(["redis-server", redisConf]);
    const redisExporter = start([
        "prometheus-redis-exporter",
        `--redis.addr=redis://127.0.0.1:${REDIS_PORT}`,
        `--web.listen-address=127.0.0.1:${REDIS_EXPORTER_PORT}`,
    ]);
    await waitForHttp(`http://127.0.0.1:${PG_EXPORTER_PORT}/metrics`, pgExporter);
    await waitForHttp(`http://127.0.0.1:${REDIS_EXPORTER_PORT}/metrics`, redisExporter);

    const sizeBytes = databaseBytes();
    const thresholdGb = (sizeBytes + 24 * MIB) / GIB;
    measured.sizeBeforeMb = Math.round(sizeBytes / MIB);
    measured.thresholdMb = Math.round(thresholdGb * 1024);
    webhook = await listen();
    const tokenFile = writeOwned(join(root, "webhook-token"), WEBHOOK_TOKEN);
    const amConfig = writeOwned(
        join(root, "alertmanager.yml"),
        renderAlertmanagerConfig({
            kind: "webhook",
            url: `http://127.0.0.1:${WEBHOOK_PORT}/alerts`,
            tokenFile,
        }),
        0o644,
    );
    await startAlertmanager(amConfig, root, ALERTMANAGER_PORT);
    const rulesFile = writeOwned(join(root, "scaling.rules.yml"), toYaml(loweredRules(thresholdGb)), 0o644);
    const config = buildPrometheusConfig(
        "trigger-test",
        [
            { job: "postgres", targets: [`127.0.0.1:${PG_EXPORTER_PORT}`] },
            { job: "redis", targets: [`127.0.0.1:${REDIS_EXPORTER_PORT}`] },
        ],
        [rulesFile],
        [`127.0.0.1:${ALERTMANAGER_PORT}`],
    ) as { global: Record<string, unknown> };
    await startPrometheus(root, PROMETHEUS_PORT, config);
});

afterAll(async () => {
    console.log(`[integration] scaling trigger: ${JSON.stringify(measured)}`);
    await new Promise((resolve) => webhook.close(resolve));
    await cleanup();
});

describe("the database-size trigger on real exporters", () => {
    it("scrapes pg_database_size_bytes from postgres_exporter and redis_up from redis_exporter", async () => {
        const size = await waitFor(
            "pg_database_size_bytes in Prometheus",
            () => query("sum(pg_database_size_bytes)"),
            30_000,
        );
        expect(size).toBeGreaterThan(MIB);
        expect(await waitFor("redis_up in Prometheus", () => query("redis_up"), 30_000)).toBe(1);
    });

    it("stays quiet below the threshold and fires once the database grows past it", async () => {
        // A few evaluation rounds (1 s each) on scraped samples: quiet while the size is under the threshold.
        await waitFor("a sample of the database size", () => query(PROMQL.databaseSizeGb), 30_000);
        await sleep(3000);
        expect(await alertState()).toBeUndefined();

        sql(
            "CREATE TABLE filler AS SELECT g AS id, repeat(md5(g::text), 32) AS pad FROM generate_series(1, 40000) g",
        );
        const grownBytes = databaseBytes();
        measured.sizeAfterMb = Math.round(grownBytes / MIB);
        const grownAt = Date.now();
        const state = await waitFor(
            `${ALERT} firing`,
            async () => ((await alertState()) === "firing" ? "firing" : undefined),
            30_000,
        );
        measured.secondsToFire = (Date.now() - grownAt) / 1000;
        expect(state).toBe("firing");
    });
});

describe("what the operator receives", () => {
    it("Alertmanager delivers the fired trigger to the webhook, with its summary and the bearer token", async () => {
        // The trigger is severity info: Alertmanager's 30 s group_wait, then one message for the group.
        const delivery = await waitFor(
            "the webhook delivery",
            () => deliveries.find((d) => d.body.alerts.some((a) => a.labels["alertname"] === ALERT)),
            60_000,
        );
        expect(delivery.authorization).toBe(`Bearer ${WEBHOOK_TOKEN}`);
        expect(delivery.body.status).toBe("firing");
        const alert = delivery.body.alerts.find((a) => a.labels["alertname"] === ALERT)!;
        expect(alert.labels).toMatchObject({
            severity: "info",
            stack: "trigger-test",
            transition: "phase1-to-phase2",
        });
        expect(alert.annotations["summary"]).toMatch(
            /^Database size is over the phase1 -> phase2 trigger of /,
        );
        expect(delivery.body.groupLabels).toEqual({
            alertname: ALERT,
            stack: "trigger-test",
            transition: "phase1-to-phase2",
        });
        measured.delivered = { labels: alert.labels, annotations: alert.annotations };
    }, 90_000);
});
