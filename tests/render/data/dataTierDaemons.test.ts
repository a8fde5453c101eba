/**
 * The data tier's daemons started on loopback with the files the phase-2 and phase-3 plans ship: postgres with
 * each postgresql.conf and pg_hba.conf, redis-server, redis-sentinel, pgbouncer. Each is also shown to refuse a
 * broken file.
 */
import { copyFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Artifact } from "../../../tools/plan/artifacts";
import { ofKind as byKind, phase23Artifacts } from "../../helpers/phase23Artifacts";
import { requireTool } from "../../helpers/tools";
import {
    asPostgres,
    cleanup,
    PG_BIN,
    run,
    runOk,
    start,
    stop,
    tempDir,
    waitFor,
    writeOwned,
} from "../../integration/support";

let artifacts: Artifact[];

beforeAll(async () => {
    ({ distinct: artifacts } = await phase23Artifacts());
}, 120_000);

afterAll(cleanup);

const ofKind = (kind: string, target?: RegExp) => byKind(artifacts, kind, target);

describe("data-tier daemons start with the rendered files", () => {
    let cluster: string;
    beforeAll(() => {
        cluster = join(tempDir("pgcheck"), "data");
        runOk(asPostgres([`${PG_BIN}/initdb`, "-D", cluster, "-U", "postgres", "--auth-local=peer"]));
    }, 60_000);

    it("postgres reads every postgresql.conf (`postgres -C`), and rejects an unknown setting", () => {
        // Phase 2's data server; phase 3's nodes get their settings from patroni.yml (tests/integration/patroni.test.ts).
        const confs = ofKind("postgresql-conf");
        expect(confs.length).toBeGreaterThanOrEqual(1);
        for (const c of confs) {
            const conf = writeOwned(join(dirname(cluster), "check.conf"), c.content);
            const r = run(
                asPostgres([
                    `${PG_BIN}/postgres`,
                    "-D",
                    cluster,
                    "-c",
                    `config_file=${conf}`,
                    "-C",
                    "max_slot_wal_keep_size",
                ]),
            );
            expect(r.output.trim(), c.machine).toMatch(/^\d+(MB|GB)?$/);
            expect(r.status, c.machine).toBe(0);
        }
        const bad = writeOwned(
            join(dirname(cluster), "bad.conf"),
            `${confs[0]?.content ?? ""}max_slot_wal_keep = 1\n`,
        );
        expect(
            run(asPostgres([`${PG_BIN}/postgres`, "-D", cluster, "-c", `config_file=${bad}`, "-C", "port"]))
                .status,
        ).not.toBe(0);
    });

    it("postgres loads every pg_hba.conf without an error line", async () => {
        for (const [i, hba] of ofKind("pg-hba").entries()) {
            const file = writeOwned(join(dirname(cluster), `hba${i}.conf`), hba.content);
            const port = String(25460 + i);
            const server = start(
                asPostgres([
                    `${PG_BIN}/postgres`,
                    "-D",
                    cluster,
                    "-p",
                    port,
                    "-k",
                    dirname(cluster),
                    "-c",
                    "listen_addresses=",
                    "-c",
                    `hba_file=${file}`,
                ]),
            );
            const errors = await waitFor(
                "postgres",
                () => {
                    const r = run(
                        asPostgres([
                            `${PG_BIN}/psql`,
                            "-XAtq",
                            "-h",
                            dirname(cluster),
                            "-p",
                            port,
                            "-U",
                            "postgres",
                            "-d",
                            "postgres",
                            "-c",
                            "SELECT count(*) FILTER (WHERE error IS NOT NULL) || '/' || count(*) FROM pg_hba_file_rules",
                        ]),
                    );
                    return r.status === 0 ? r.output.trim() : undefined;
                },
                20_000,
            );
            expect(errors, hba.machine).toMatch(/^0\/\d+$/);
            await stop(server);
        }
    });

    it("redis-server and redis-sentinel start on loopback with the rendered configs", async () => {
        const nodes = ofKind("redis-conf", /redis-node\.conf$/);
        const sentinels = ofKind("sentinel-conf");
        expect(nodes.length).toBeGreaterThanOrEqual(2);
        expect(sentinels.length).toBeGreaterThanOrEqual(3);
        let port = 25470;
        for (const conf of [...nodes, ...sentinels]) {
            const dir = tempDir("redis-check");
            const file = join(dir, "redis.conf");
            // `dir` takes effect while the file is read, before command-line options: point it at the temp dir.
            writeFileSync(file, conf.content.replace(/^dir .*$/m, `dir ${dir}`));
            const p = port++;
            const bin = conf.kind === "sentinel-conf" ? "redis-sentinel" : "redis-server";
            // Only the addresses move to loopback; every other directive is the rendered one.
            const server = start([bin, file, "--port", String(p), "--bind", "127.0.0.1"]);
            const pong = await waitFor(
                `${bin} ${conf.machine}`,
                () => {
                    const r = run(["redis-cli", "-p", String(p), "--no-auth-warning", "-a", "x", "ping"]);
                    return /PONG|NOAUTH|WRONGPASS|invalid/i.test(r.output) ? r.output : undefined;
                },
                10_000,
            ).catch((e: unknown) => `${String(e)}\n${server.log()}`);
            expect(pong, `${conf.machine} ${conf.target}`).toMatch(/PONG|WRONGPASS|invalid/i);
            await stop(server);
        }
        const dir = tempDir("redis-bad");
        writeFileSync(join(dir, "bad.conf"), `${nodes[0]?.content ?? ""}\nappendfsync sometimes\n`);
        expect(
            run(
                [
                    "redis-server",
                    join(dir, "bad.conf"),
                    "--port",
                    "25499",
                    "--bind",
                    "127.0.0.1",
                    "--dir",
                    dir,
                ],
                {},
                5000,
            ).status,
        ).not.toBe(0);
    }, 60_000);

    it("pgbouncer starts with the rendered pgbouncer.ini (as the postgres user)", async () => {
        requireTool("pgbouncer");
        const [ini] = artifacts.filter((a) => a.target.endsWith("pgbouncer.ini"));
        const dir = tempDir("pgbouncer");
        const userlist = writeOwned(join(dir, "userlist.txt"), '"app" "x"\n');
        const content = (ini?.content ?? "")
            .replace(/^listen_addr=.*$/m, "listen_addr=127.0.0.1")
            .replace(/^listen_port=.*$/m, "listen_port=25480")
            .replace(/^auth_file=.*$/m, `auth_file=${userlist}`)
            .replace(/^unix_socket_dir=.*$/m, `unix_socket_dir=${dir}`);
        expect(content).not.toBe(ini?.content);
        const file = writeOwned(join(dir, "pgbouncer.ini"), content);
        const bouncer = start(asPostgres(["/usr/sbin/pgbouncer", file]));
        const listening = await waitFor(
            "pgbouncer on 25480",
            () => {
                const r = run(["sh", "-c", "ss -ltn | grep -q 127.0.0.1:25480"]);
                return r.status === 0 ? true : undefined;
            },
            10_000,
        ).catch((e: unknown) => `${String(e)}\n${bouncer.log()}`);
        expect(listening).toBe(true);
        await stop(bouncer);
        copyFileSync(file, join(dir, "bad.ini"));
        writeOwned(join(dir, "bad.ini"), `${content}pool_mode = sometimes\n`);
        expect(run(asPostgres(["/usr/sbin/pgbouncer", join(dir, "bad.ini")]), {}, 5000).status).not.toBe(0);
    });
});
