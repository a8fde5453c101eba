/**
 * Phase 4's cross-region replication on loopback from the rendered patroni.yml: a primary "region" (its own etcd
 * and one Patroni node) and a standby "region" (its own etcd and one Patroni standby-cluster node) streaming from
 * it over TLS verified both ways. Proves the stream is TLS 1.3 with verify-full through the permanent slot,
 * that a foreign CA's client certificate, no certificate, no TLS and a server certificate for another address
 * are all refused, measures the lag under a write loop, and promotes the standby cluster the documented way
 * (patronictl edit-config, standby_cluster removed) after the primary stops, losing no committed row.
 * Prints one `[integration] crossRegion:` line of numbers. Loopback layout: tests/integration/crossRegionCluster.ts.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ClusterTlsPaths } from "../../core/render/data/clusterTls";
import type { CrossRegionPatroniSpec } from "../../core/render/data/crossRegion";
import { renderPatroniYml, type PatroniNodeSpec } from "../../core/render/data/patroni";
import { requireTool } from "../helpers/tools";
import {
    makeClusterTls,
    makeReplicationCerts,
    PRIVATE,
    PUBLIC,
    REGIONS,
    regionSpec,
    replicationProbe,
    restStatus,
    SLOT,
    startRegionEtcd,
    type Region,
    type ReplicationCerts,
} from "./crossRegionCluster";
import { appSql, killNode, writeLoop } from "./patroniCluster";
import {
    asPostgres,
    cleanup,
    run,
    sleep,
    start,
    stop,
    superSql,
    tempDir,
    waitFor,
    writeOwned,
} from "./support";

type Node = Region & {
    dir: string;
    tls: ClusterTlsPaths;
    spec: PatroniNodeSpec;
    yml: string;
    proc?: ReturnType<typeof start>;
};

let certs: ReplicationCerts;
let primary: Node;
let standby: Node;
const validation: Record<string, { status: number | null; output: string }> = {};
const measured: Record<string, unknown> = {};
const suiteStart = Date.now();
const seconds = (ms: number) => Math.round(ms / 100) / 10;
const sql = (n: Node, q: string) => superSql(n.dir, n.pgPort, q);
const log = (n: Node) => n.proc?.log() ?? "";

function startPatroni(n: Node): void {
    n.proc = start(asPostgres([requireTool("patroni"), n.yml]));
}

async function waitRest(n: Node, path: string, timeoutMs: number): Promise<void> {
    await waitFor(
        `${n.name} ${path}`,
        async () => ((await restStatus(n.tls, n.restPort, path)) === 200 ? true : undefined),
        timeoutMs,
    ).catch((e: unknown) => {
        throw new Error(`${String(e)}\n${log(n).slice(-4000)}`);
    });
}

function node(region: keyof typeof REGIONS, crossRegion: CrossRegionPatroniSpec): Node {
    const r = REGIONS[region];
    const dir = tempDir(`xr-${region}`);
    const tls = makeClusterTls(tempDir(`xr-${region}-tls`));
    const spec = regionSpec(
        r,
        { dir, bin: tempDir(`xr-${region}-bin`), secrets: tempDir(`xr-${region}-secrets`), tls },
        crossRegion,
    );
    return { ...r, dir, tls, spec, yml: writeOwned(join(dir, "patroni.yml"), renderPatroniYml(spec)) };
}

beforeAll(async () => {
    for (const tool of ["patroni", "patronictl", "etcd", "openssl", "psql"]) requireTool(tool);
    certs = makeReplicationCerts(tempDir("xr-certs"));
    primary = node("primary", {
        publicAddress: PUBLIC,
        tls: certs.nodes.primary,
        peerAddresses: [PUBLIC],
        standbySlots: [SLOT],
    });
    // Both addresses of the primary's one node as the host list: the list must reach libpq intact.
    standby = node("standby", {
        publicAddress: PUBLIC,
        tls: certs.nodes.standby,
        peerAddresses: [PUBLIC, PRIVATE],
        upstream: { hosts: [PUBLIC, PRIVATE], port: REGIONS.primary.pgPort, slotName: SLOT },
        standbySlots: [],
    });
    const etcdUp = (n: Node) => {
        const e = startRegionEtcd(n.dir, n.tls, n.etcd);
        return waitFor(
            `${n.etcd.name}`,
            () =>
                /serving client traffic securely|ready to serve client requests/.test(e.log())
                    ? true
                    : undefined,
            20_000,
        ).catch((err: unknown) => {
            throw new Error(`${String(err)}\n${e.log().slice(-3000)}`);
        });
    };
    await Promise.all([etcdUp(primary), etcdUp(standby)]);
    // The validator needs the etcd members up and the node's own ports free: before Patroni starts.
    for (const n of [primary, standby])
        validation[n.name] = run([requireTool("patroni"), "--validate-config", n.yml]);
    startPatroni(primary);
    await waitRest(primary, "/primary", 90_000);
    await waitFor(
        "the writes table",
        async () =>
            (await appSql(primary.pgPort, "CREATE TABLE IF NOT EXISTS writes (id bigint PRIMARY KEY)")).ok
                ? true
                : undefined,
        30_000,
    );
    measured["primaryUpSeconds"] = seconds(Date.now() - suiteStart);
    const standbyStart = Date.now();
    startPatroni(standby);
    await waitRest(standby, "/standby-leader", 90_000);
    await waitFor(
        "the standby streaming",
        () => (sql(primary, "SELECT state FROM pg_stat_replication") === "streaming" ? true : undefined),
        30_000,
    );
    measured["standbyCloneSeconds"] = seconds(Date.now() - standbyStart);
}, 180_000);

afterAll(async () => {
    measured["suiteSeconds"] = seconds(Date.now() - suiteStart);
    console.log(`[integration] crossRegion: ${JSON.stringify(measured)}`);
    // Patroni starts PostgreSQL in a session of its own: stopping Patroni alone would leave the postmaster running.
    for (const n of [primary, standby]) if (n) killNode(n.proc?.pid ?? NaN, join(n.dir, "data"));
    await cleanup();
});

describe("cross-region replication from the rendered patroni.yml", () => {
    it("both regions' files pass patroni --validate-config", () => {
        for (const [name, r] of Object.entries(validation)) {
            expect(r.output, name).toBe("");
            expect(r.status, name).toBe(0);
        }
    });

    it("the standby cluster streams over TLS 1.3 with verify-full, asynchronously, through its permanent slot", () => {
        const row = sql(
            primary,
            "SELECT r.application_name, r.state, r.sync_state, r.client_addr, s.ssl, s.version FROM pg_stat_replication r JOIN pg_stat_ssl s USING (pid)",
        );
        expect(row).toBe(`${standby.name}|streaming|async|${PUBLIC}|t|TLSv1.3`);
        expect(
            sql(primary, `SELECT slot_type, active FROM pg_replication_slots WHERE slot_name = '${SLOT}'`),
        ).toBe("physical|t");
        const [status, sender, conninfo] = sql(
            standby,
            "SELECT status, sender_host, conninfo FROM pg_stat_wal_receiver",
        ).split("|");
        expect(status).toBe("streaming");
        expect(sender).toBe(PUBLIC);
        expect(conninfo).toContain(`host=${PUBLIC},${PRIVATE}`);
        expect(conninfo).toContain("sslmode=verify-full");
        expect(conninfo).toContain(`sslcert=${certs.nodes.standby.certFile}`);
        expect(conninfo).toContain("target_session_attrs=read-write");
        expect(sql(standby, "SHOW primary_slot_name")).toBe(SLOT);
    });

    it("a restarted standby leader checks its timeline against the primary region as pg_rewind's role, over TLS, and streams again", async () => {
        // Patroni runs that check (and pg_rewind when it finds a fork) when it starts PostgreSQL on a standby.
        await Promise.race([stop(standby.proc as ReturnType<typeof start>), sleep(30_000)]);
        expect(
            existsSync(join(standby.dir, "data", "postmaster.pid")),
            "standby PostgreSQL still running",
        ).toBe(false);
        const restartedAt = Date.now();
        const before = log(primary).length;
        startPatroni(standby);
        const rewindRole =
            /connection authorized: user=rewind_user database=postgres.*SSL enabled \(protocol=TLSv1\.3/;
        await waitFor(
            "the rewind role's connection",
            () => (rewindRole.test(log(primary).slice(before)) ? true : undefined),
            30_000,
        ).catch((e: unknown) => {
            throw new Error(`${String(e)}\n${log(standby).slice(-3000)}`);
        });
        expect(log(standby)).toMatch(/Local timeline=1 lsn=/);
        await waitRest(standby, "/standby-leader", 30_000);
        await waitFor(
            "the standby streaming again",
            () => (sql(primary, "SELECT state FROM pg_stat_replication") === "streaming" ? true : undefined),
            30_000,
        );
        measured["standbyRestartSeconds"] = seconds(Date.now() - restartedAt);
    });

    it("refuses a client certificate from another CA, no client certificate and no TLS; admits the node's own", () => {
        const own = replicationProbe(primary.pgPort, certs.nodes.standby);
        expect(own.ok, own.output).toBe(true);
        const foreign = replicationProbe(primary.pgPort, certs.nodes.standby, {
            sslcert: certs.foreign.cert,
            sslkey: certs.foreign.key,
        });
        const none = replicationProbe(primary.pgPort, certs.nodes.standby, {
            sslcert: join(standby.dir, "no-such.crt"),
            sslkey: join(standby.dir, "no-such.key"),
        });
        const plain = replicationProbe(primary.pgPort, certs.nodes.standby, { sslmode: "disable" });
        expect(foreign.ok, foreign.output).toBe(false);
        expect(foreign.output).toMatch(/unknown ca|certificate/i);
        expect(log(primary)).toMatch(/could not accept SSL connection: certificate verify failed/);
        expect(none.ok, none.output).toBe(false);
        expect(none.output).toMatch(/connection requires a valid client certificate/);
        expect(plain.ok, plain.output).toBe(false);
        expect(plain.output).toMatch(/no pg_hba.conf entry for replication connection .*no encryption/);
    });

    it("the client refuses a server certificate that does not name the address it asked for", () => {
        // libpq dials hostaddr and verifies the certificate against host: the node's certificate names 127.0.0.1
        // and 127.0.0.2, not 127.0.0.3.
        const right = replicationProbe(primary.pgPort, certs.nodes.standby, {
            host: PRIVATE,
            hostaddr: PUBLIC,
        });
        expect(right.ok, right.output).toBe(true);
        const wrong = replicationProbe(primary.pgPort, certs.nodes.standby, {
            host: "127.0.0.3",
            hostaddr: PUBLIC,
        });
        expect(wrong.ok, wrong.output).toBe(false);
        expect(wrong.output).toMatch(
            /server certificate for "127\.0\.0\.[12]" .*does not match host name "127\.0\.0\.3"/,
        );
    });

    it("lags little under a write loop, and the primary never waits for the standby region", async () => {
        const writes = writeLoop(primary.pgPort);
        const lagMs: number[] = [];
        const behind: number[] = [];
        const states = new Set<string>();
        const until = Date.now() + 4000;
        while (Date.now() < until) {
            const [lag, bytes, state] = sql(
                primary,
                `SELECT COALESCE(EXTRACT(epoch FROM replay_lag) * 1000, 0)::int, pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn), sync_state FROM pg_stat_replication WHERE application_name = '${standby.name}'`,
            ).split("|");
            lagMs.push(Number(lag));
            behind.push(Number(bytes));
            states.add(state ?? "missing");
            await sleep(200);
        }
        const { committed } = await writes.stop();
        const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
        measured["lag"] = {
            samples: lagMs.length,
            writesPerSecond: Math.round(committed.length / 4),
            replayLagMsMedian: sorted(lagMs)[Math.floor(lagMs.length / 2)],
            replayLagMsMax: Math.max(...lagMs),
            bytesBehindMedian: sorted(behind)[Math.floor(behind.length / 2)],
            bytesBehindMax: Math.max(...behind),
        };
        expect(committed.length).toBeGreaterThan(10);
        expect(lagMs.every(Number.isFinite)).toBe(true);
        expect([...states]).toEqual(["async"]);
        // Synchronous mode is on, yet the standby region is no member of this cluster: never a synchronous standby.
        expect(sql(primary, "SHOW synchronous_standby_names")).toBe("");
        // Loopback: a few WAL records at most, never megabytes.
        expect(Math.max(...behind)).toBeLessThan(16 * 1024 * 1024);
    });

    it("promoted after the primary stops, the standby cluster takes writes and has every row the primary committed", async () => {
        const writes = writeLoop(primary.pgPort);
        await writes.okAfter(Date.now(), 10_000);
        // Counted, not timed: under load a second held only ten commits.
        await writes.committedAtLeast(30, 30_000);
        const stoppedAt = Date.now();
        // Patroni stops PostgreSQL with a fast shutdown: the walsender exits once the standby has all WAL.
        const p = primary.proc as ReturnType<typeof start>;
        await Promise.race([stop(p), sleep(30_000)]);
        const { committed } = await writes.stop();
        expect(p.exitCode ?? p.signalCode, "primary Patroni still running").not.toBeNull();
        expect(existsSync(join(primary.dir, "data", "postmaster.pid"))).toBe(false);
        const stopSeconds = seconds(Date.now() - stoppedAt);

        const promotedAt = Date.now();
        const ctl = run(
            asPostgres([
                requireTool("patronictl"),
                "-c",
                standby.yml,
                "edit-config",
                "--force",
                "-s",
                "standby_cluster=null",
            ]),
        );
        expect(ctl.status, ctl.output).toBe(0);
        expect(ctl.output).toContain("Configuration changed");
        await waitFor(
            `${standby.name} writable`,
            async () => {
                const r = await appSql(standby.pgPort, "SELECT NOT pg_is_in_recovery()", 1500);
                return r.ok && r.out === "t" ? true : undefined;
            },
            30_000,
        ).catch((e: unknown) => {
            throw new Error(`${String(e)}\n${log(standby).slice(-4000)}`);
        });
        const promoteSeconds = seconds(Date.now() - promotedAt);
        await waitRest(standby, "/primary", 15_000);

        const present = new Set(
            (await appSql(standby.pgPort, "SELECT id FROM writes")).out
                .split("\n")
                .filter(Boolean)
                .map(Number),
        );
        const lost = committed.filter((id) => !present.has(id)).length;
        const after = await appSql(standby.pgPort, "INSERT INTO writes (id) VALUES (-1)");
        Object.assign(measured, {
            promotion: {
                committedBeforeStop: committed.length,
                rowsLost: lost,
                primaryStopSeconds: stopSeconds,
                promoteSeconds,
            },
        });
        expect(committed.length).toBeGreaterThan(10);
        expect(lost).toBe(0);
        expect(after.ok, after.out).toBe(true);
    });
});
