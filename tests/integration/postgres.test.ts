/**
 * Real Postgres, from the configs and scripts the program renders: a primary and a synchronous streaming
 * replica on loopback, rows written through scram auth, the primary killed, the replica promoted, and every
 * committed row found on it; then a base backup (its success read back by the node exporter) plus archived WAL
 * restored into a new data directory.
 */
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
    renderPgPass,
    renderPrimaryInit,
    renderPrimaryPrepare,
    renderPromote,
    renderReplicaClone,
} from "../../core/render/data/pgBootstrap";
import { renderPgHba } from "../../core/render/data/pgHba";
import { renderPostgresConf, type PostgresConfSpec } from "../../core/render/data/postgresConf";
import { renderRoleHealthScript } from "../../core/render/data/roleHealth";
import {
    renderBaseBackup,
    renderRestore,
    renderWalArchive,
    renderWalFetch,
} from "../../core/render/data/walArchive";
import { scrapeTextfiles } from "../helpers/nodeExporter";
import { localBackupEnv, loopbackPitr } from "./localArchive";
import {
    asPostgres,
    cleanup,
    PG_BIN,
    run,
    runOk,
    script,
    start,
    stop,
    superSql,
    tempDir,
    waitFor,
    waitForPostgres,
    writeOwned,
} from "./support";

const PRIMARY_PORT = 25401;
const REPLICA_PORT = 25402;
const RESTORE_PORT = 25403;
const NODE_EXPORTER_PORT = 25404;
const DB = "app";
const APP_USER = "app";
const APP_PASSWORD = "integration-app-password";
const REPLICATION_PASSWORD = "integration-replication-password";

let root: string;
let bin: string;
let textfiles: string;
let env: NodeJS.ProcessEnv;
let primary: ReturnType<typeof start>;
let replica: ReturnType<typeof start>;
const measured: Record<string, unknown> = {};

function conf(nodeName: string, port: number, overrides: Partial<PostgresConfSpec> = {}): string {
    return renderPostgresConf({
        nodeName,
        listenAddresses: ["127.0.0.1"],
        port,
        memoryMb: 512,
        maxConnections: 50,
        hbaFile: join(root, "pg_hba.conf"),
        replicaNames: ["replica1"],
        synchronousStandbys: nodeName === "primary" ? ["replica1"] : [],
        maxSlotWalKeepSizeGb: 1,
        archiveCommand: `${join(bin, "wal-archive.sh")} %p %f`,
        archiveTimeoutSeconds: 300,
        socketDirectory: root,
        ...overrides,
    });
}

/** psql as the application user over TCP: scram-sha-256 through the rendered pg_hba. */
function appSql(port: number, sql: string): ReturnType<typeof run> {
    return run(
        ["psql", "-XAtq", "-h", "127.0.0.1", "-p", String(port), "-U", APP_USER, "-d", DB, "-c", sql],
        {
            PGPASSWORD: APP_PASSWORD,
            PGCONNECT_TIMEOUT: "2",
        },
    );
}

function startServer(dataDir: string, confFile: string): ReturnType<typeof start> {
    return start(asPostgres([`${PG_BIN}/postgres`, "-D", dataDir, "-c", `config_file=${confFile}`]), env);
}

/** One HTTP request through the rendered role responder, as systemd's socket activation would pass it. */
function roleHealth(port: number, path: string): string {
    const r = run(
        asPostgres([join(bin, "role-health.sh")]),
        { ...env, PG_PORT: String(port), REDIS_PASSWORD_FILE: "/dev/null", REDIS_PORT: "1" },
        10_000,
        `GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`,
    );
    return r.output.split("\r\n")[0] ?? "";
}

beforeAll(async () => {
    root = tempDir("pg");
    bin = tempDir("pg-bin");
    const archive = tempDir("pg-archive");
    textfiles = tempDir("pg-textfile");
    const pitr = loopbackPitr(root, PRIMARY_PORT);
    env = {
        ...localBackupEnv(bin, archive),
        PHASE_STACKS_TEXTFILE_DIR: textfiles,
        PG_BIN,
        PG_SOCKET_DIR: root,
        PHASE_STACKS_BASE_DIR: `backup:${archive}/base`,
        PHASE_STACKS_REDIS_DIR: `backup:${archive}/redis`,
        PHASE_STACKS_WAL_FETCH: join(bin, "wal-fetch.sh"),
    };
    script(bin, "wal-archive.sh", renderWalArchive(pitr));
    script(bin, "wal-fetch.sh", renderWalFetch(pitr));
    script(bin, "base-backup.sh", renderBaseBackup(pitr));
    script(bin, "restore-pitr.sh", renderRestore(pitr));
    script(
        bin,
        "role-health.sh",
        renderRoleHealthScript({
            pgBin: PG_BIN,
            pgSocketDir: root,
            pgPort: PRIMARY_PORT,
            redisPort: 1,
            redisPasswordFile: "/dev/null",
        }),
    );
    writeOwned(
        join(root, "pg_hba.conf"),
        renderPgHba({
            database: DB,
            appUser: APP_USER,
            replicationUser: "replicator",
            allowedCidrs: ["127.0.0.1/32"],
        }),
    );
    writeOwned(join(root, "primary.conf"), conf("primary", PRIMARY_PORT));
    writeOwned(join(root, "replica.conf"), conf("replica1", REPLICA_PORT));
    writeOwned(join(root, "app-password"), APP_PASSWORD);
    writeOwned(join(root, "replication-password"), REPLICATION_PASSWORD);
    writeOwned(join(root, "pgpass"), renderPgPass("replicator", REPLICATION_PASSWORD));
    const paths = { pgData: join(root, "primary"), pgBin: PG_BIN, socketDir: root, port: PRIMARY_PORT };

    runOk(asPostgres([script(bin, "prepare.sh", renderPrimaryPrepare(paths))]), env);
    primary = startServer(paths.pgData, join(root, "primary.conf"));
    await waitForPostgres(PRIMARY_PORT, primary);
    const init = script(
        bin,
        "init.sh",
        renderPrimaryInit({
            ...paths,
            database: DB,
            appUser: APP_USER,
            replicationUser: "replicator",
            replicaNames: ["replica1"],
            appPasswordFile: join(root, "app-password"),
            replicationPasswordFile: join(root, "replication-password"),
        }),
    );
    runOk(asPostgres([init]), env);
    // Idempotent: a restart runs it again.
    runOk(asPostgres([init]), env);

    const clone = script(
        bin,
        "clone.sh",
        renderReplicaClone({
            ...paths,
            pgData: join(root, "replica"),
            port: REPLICA_PORT,
            nodeName: "replica1",
            primaryHost: "127.0.0.1",
            primaryPort: PRIMARY_PORT,
            replicationUser: "replicator",
            passFile: join(root, "pgpass"),
            attempts: 3,
        }),
    );
    runOk(asPostgres([clone]), env, 120_000);
    replica = startServer(join(root, "replica"), join(root, "replica.conf"));
    await waitForPostgres(REPLICA_PORT, replica);
}, 180_000);

afterAll(async () => {
    console.log(`[integration] postgres: ${JSON.stringify(measured)}`);
    await cleanup();
});

describe("Postgres primary and replica from the rendered configs", () => {
    it("streams to the replica synchronously through the slot the init script created", async () => {
        // The walsender takes its place in the synchronous list a moment after it starts streaming.
        const state = await waitFor(
            "replica1 streaming as a synchronous (quorum) standby",
            () => {
                const s = superSql(
                    root,
                    PRIMARY_PORT,
                    "SELECT sync_state FROM pg_stat_replication WHERE application_name = 'replica1' AND state = 'streaming'",
                );
                return s === "quorum" ? s : undefined;
            },
            30_000,
        );
        expect(state).toBe("quorum");
        expect(
            superSql(
                root,
                PRIMARY_PORT,
                "SELECT active FROM pg_replication_slots WHERE slot_name = 'replica1'",
            ),
        ).toBe("t");
        expect(superSql(root, REPLICA_PORT, "SELECT pg_is_in_recovery()")).toBe("t");
    });

    it("the role responder answers /primary on the primary and /replica on the replica only", () => {
        expect(roleHealth(PRIMARY_PORT, "/primary")).toBe("HTTP/1.1 200 OK");
        expect(roleHealth(PRIMARY_PORT, "/replica")).toBe("HTTP/1.1 503 Service Unavailable");
        expect(roleHealth(REPLICA_PORT, "/replica")).toBe("HTTP/1.1 200 OK");
        expect(roleHealth(REPLICA_PORT, "/primary")).toBe("HTTP/1.1 503 Service Unavailable");
    });

    it("refuses the application user without its password and from outside the allowed ranges", () => {
        const wrong = run(
            [
                "psql",
                "-XAtq",
                "-h",
                "127.0.0.1",
                "-p",
                String(PRIMARY_PORT),
                "-U",
                APP_USER,
                "-d",
                DB,
                "-c",
                "SELECT 1",
            ],
            {
                PGPASSWORD: "wrong",
            },
        );
        expect(wrong.status).not.toBe(0);
        expect(wrong.output).toMatch(/password authentication failed/);
    });

    it("takes a base backup, archives the WAL after it and restores both into a new data directory", async () => {
        expect(
            appSql(
                PRIMARY_PORT,
                "CREATE TABLE IF NOT EXISTS events (id serial PRIMARY KEY, batch text NOT NULL)",
            ).status,
        ).toBe(0);
        expect(
            appSql(
                PRIMARY_PORT,
                "INSERT INTO events (batch) SELECT 'before-backup' FROM generate_series(1, 100)",
            ).status,
        ).toBe(0);
        const before = Math.floor(Date.now() / 1000);
        runOk(asPostgres([join(bin, "base-backup.sh")]), { ...env, PG_PORT: String(PRIMARY_PORT) }, 120_000);
        const metrics = await scrapeTextfiles(textfiles, NODE_EXPORTER_PORT);
        const done = /^phase_stacks_backup_last_success_timestamp_seconds\{kind="base"\} (\S+)$/m.exec(
            metrics,
        );
        expect(Number(done?.[1]), metrics).toBeGreaterThanOrEqual(before);
        expect(Number(done?.[1])).toBeLessThanOrEqual(Date.now() / 1000);
        expect(metrics).toMatch(/^phase_stacks_backup_interval_seconds\{kind="base"\} 3600$/m);
        expect(metrics).toMatch(/^node_textfile_scrape_error 0$/m);
        expect(
            appSql(
                PRIMARY_PORT,
                "INSERT INTO events (batch) SELECT 'after-backup' FROM generate_series(1, 250)",
            ).status,
        ).toBe(0);
        // Close the segment so archive_command ships it now rather than after archive_timeout.
        const segment = superSql(root, PRIMARY_PORT, "SELECT pg_walfile_name(pg_switch_wal())");
        await waitFor(
            `WAL segment ${segment} archived`,
            () => {
                const last = superSql(
                    root,
                    PRIMARY_PORT,
                    "SELECT coalesce(last_archived_wal, '') FROM pg_stat_archiver",
                );
                return last >= segment ? last : undefined;
            },
            30_000,
        );

        const target = join(tempDir("pg-restore"), "data");
        runOk(asPostgres([join(bin, "restore-pitr.sh"), target, "latest"]), env, 120_000);
        // The restored copy must not archive into the live archive: same settings otherwise.
        const restoreConf = writeOwned(
            join(root, "restore.conf"),
            conf("restored", RESTORE_PORT, {
                replicaNames: [],
                synchronousStandbys: [],
                archiveCommand: "/bin/true",
            }),
        );
        const restored = startServer(target, restoreConf);
        const started = Date.now();
        await waitForPostgres(RESTORE_PORT, restored);
        await waitFor(
            "recovery to finish",
            () => (superSql(root, RESTORE_PORT, "SELECT pg_is_in_recovery()") === "f" ? true : undefined),
            60_000,
        );
        const counts = superSql(
            root,
            RESTORE_PORT,
            "SELECT batch || '=' || count(*) FROM events GROUP BY batch ORDER BY batch",
            DB,
        );
        measured["restore"] = { rows: counts.split("\n"), seconds: (Date.now() - started) / 1000 };
        expect(counts.split("\n")).toEqual(["after-backup=250", "before-backup=100"]);
        await stop(restored);
    }, 180_000);

    it("loses no committed row when the primary dies and the replica is promoted", async () => {
        expect(appSql(PRIMARY_PORT, "CREATE TABLE IF NOT EXISTS orders (id int PRIMARY KEY)").status).toBe(0);
        let committed = 0;
        const failures: string[] = [];
        // Each INSERT is its own transaction; with synchronous replication its COMMIT returns only once replica1 has it.
        for (let i = 1; i <= 200; i++) {
            const r = appSql(PRIMARY_PORT, `INSERT INTO orders VALUES (${i})`);
            if (r.status === 0) committed++;
            else failures.push(r.output);
        }
        expect(failures.slice(0, 3), primary.log().slice(-4000)).toEqual([]);
        expect(committed).toBe(200);
        const killedAt = Date.now();
        // Immediate shutdown: no checkpoint, no goodbye to the replica, as in a crash.
        runOk(asPostgres([`${PG_BIN}/pg_ctl`, "stop", "-D", join(root, "primary"), "-m", "immediate"]), env);
        await stop(primary);
        // The operator's promote script, as rendered for the database nodes.
        const promote = script(
            bin,
            "promote.sh",
            renderPromote({
                pgData: join(root, "replica"),
                pgBin: PG_BIN,
                socketDir: root,
                port: REPLICA_PORT,
            }),
        );
        expect(runOk(asPostgres([promote]), env)).toContain("OK: this node is the primary now");
        expect(run(asPostgres([promote]), env).output).toContain("FAILED: this node is not a replica");
        await waitFor(
            "writes on the promoted replica",
            () => (appSql(REPLICA_PORT, "INSERT INTO orders VALUES (201)").status === 0 ? true : undefined),
            30_000,
        );
        const failoverSeconds = (Date.now() - killedAt) / 1000;
        const onReplica = Number(
            appSql(REPLICA_PORT, "SELECT count(*) FROM orders WHERE id <= 200").output.trim(),
        );
        measured["failover"] = {
            committed,
            foundOnPromotedReplica: onReplica,
            rowsLost: committed - onReplica,
            seconds: failoverSeconds,
        };
        expect(onReplica).toBe(committed);
        expect(roleHealth(REPLICA_PORT, "/primary")).toBe("HTTP/1.1 200 OK");
        expect(failoverSeconds).toBeLessThan(30);
    }, 120_000);
});
