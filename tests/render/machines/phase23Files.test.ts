/**
 * Every file the phase-2 and phase-3 plans ship to a machine, fed to the program that will read it: cloud-init,
 * docker-compose, shellcheck, systemd-analyze, haproxy -c, promtool, and for the data tier the daemons
 * themselves started on loopback (postgres with each postgresql.conf and pg_hba.conf, redis-server, redis-sentinel,
 * pgbouncer). Each check is also shown to fail on a broken file.
 */
import { copyFileSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Artifact } from "../../../tools/plan/artifacts";
import { runPlan } from "../../../tools/plan/run";
import { sharedPlanObject } from "../../helpers/sharedPlans";
import { shippedStack, withValues } from "../../helpers/stackFiles";
import { requireTool, runTool } from "../../helpers/tools";
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
let all: Artifact[];

beforeAll(async () => {
    // The run's shared plans of phase2 and phase3, and phase3 behind HAProxy planned here.
    const plans = [
        sharedPlanObject("phase2"),
        sharedPlanObject("phase3"),
        await runPlan(
            withValues(shippedStack("phase3"), { "phase-stacks:loadBalancer": { kind: "haproxy" } }),
        ),
    ];
    // Distinct contents only: the replica and the primary share most files.
    const seen = new Set<string>();
    all = plans.flatMap((p) => p.artifacts);
    artifacts = plans
        .flatMap((p) => p.artifacts)
        .filter((a) => {
            const key = `${a.kind}\n${a.target}\n${a.content}`;
            if (seen.has(key)) return false;
            seen.add(key);
            return true;
        });
}, 120_000);

afterAll(cleanup);

const ofKind = (kind: string, target?: RegExp) =>
    artifacts.filter((a) => a.kind === kind && (target === undefined || target.test(a.target)));

/** Writes artifacts into a temp tree at their target paths, with /etc/phase-stacks and /opt/phase-stacks moved under it. */
function tree(files: readonly Artifact[]): string {
    const root = tempDir("tree");
    for (const f of files) {
        const path = join(root, f.target);
        mkdirSync(dirname(path), { recursive: true });
        writeFileSync(path, relocate(f.content, root), { mode: f.kind === "shell" ? 0o755 : 0o644 });
    }
    return root;
}

function relocate(content: string, root: string): string {
    return content
        .split("/etc/phase-stacks/")
        .join(`${root}/etc/phase-stacks/`)
        .split("/opt/phase-stacks/")
        .join(`${root}/opt/phase-stacks/`);
}

describe("phase 2 and 3 machine files", () => {
    it("every user data passes `cloud-init schema`", () => {
        const docs = ofKind("cloud-config");
        expect(docs.length).toBeGreaterThanOrEqual(6);
        for (const d of docs) {
            const dir = tempDir("ud");
            writeFileSync(join(dir, "user-data"), d.content);
            const r = runTool("cloud-init", ["schema", "--config-file", join(dir, "user-data")]);
            expect(r.output, d.machine).toContain("Valid cloud-config");
        }
        const dir = tempDir("ud-bad");
        writeFileSync(join(dir, "user-data"), `${docs[0]?.content ?? ""}\nruncmd: 3\n`);
        expect(runTool("cloud-init", ["schema", "--config-file", join(dir, "user-data")]).status).not.toBe(0);
    });

    it("every compose project passes `docker-compose config`", () => {
        for (const machine of new Set(ofKind("compose").map((a) => a.machine))) {
            const root = tree(all.filter((a) => a.machine === machine));
            const r = runTool("docker-compose", [
                "-p",
                "phase-stacks",
                "-f",
                join(root, "opt/phase-stacks/compose.yaml"),
                "config",
                "-q",
            ]);
            expect(r.output, machine).toBe("");
            expect(r.status, machine).toBe(0);
        }
    });

    it("every script is shellcheck-clean", () => {
        const scripts = ofKind("shell");
        expect(scripts.map((s) => s.target)).toEqual(
            expect.arrayContaining([
                "/opt/phase-stacks/bin/wal-archive.sh",
                "/opt/phase-stacks/bin/restore-pitr.sh",
                "/opt/phase-stacks/bin/postgres-primary-init.sh",
                "/opt/phase-stacks/bin/role-health.sh",
            ]),
        );
        const root = tree(scripts);
        const r = runTool("shellcheck", ["-x", ...scripts.map((s) => join(root, s.target))]);
        expect(r.output).toBe("");
        expect(r.status).toBe(0);
    });

    it("every systemd unit passes `systemd-analyze verify`", () => {
        // Ubuntu 24.04 ships PostgreSQL 16; this machine has 15 at the same place.
        // Drop-ins (unit.d/*.conf) extend a packaged unit and cannot be verified on their own.
        const units = all
            .filter((a) => a.kind === "systemd" && !/\.d\/[^/]+\.conf$/.test(a.target))
            .map((u) => ({
                ...u,
                content: u.content.split("/usr/lib/postgresql/16/").join("/usr/lib/postgresql/15/"),
            }));
        for (const machine of new Set(units.map((u) => u.machine))) {
            const root = tree([
                ...units.filter((u) => u.machine === machine),
                ...all.filter((s) => s.kind === "shell" && s.machine === machine),
            ]);
            const paths = units.filter((u) => u.machine === machine).map((u) => join(root, u.target));
            const r = runTool("systemd-analyze", ["verify", ...paths]);
            expect(r.output, machine).toBe("");
            expect(r.status, machine).toBe(0);
        }
    });

    it("the HAProxy config passes `haproxy -c`, and a broken one does not", () => {
        const [cfg] = ofKind("haproxy");
        expect(cfg?.content).toContain("check-ssl");
        const dir = tempDir("haproxy");
        writeFileSync(join(dir, "ok.cfg"), cfg?.content ?? "");
        writeFileSync(
            join(dir, "bad.cfg"),
            (cfg?.content ?? "").replace("balance roundrobin", "balance sometimes"),
        );
        expect(runTool("haproxy", ["-c", "-f", join(dir, "ok.cfg")]).status).toBe(0);
        expect(runTool("haproxy", ["-c", "-f", join(dir, "bad.cfg")]).status).not.toBe(0);
    });

    it("Prometheus configs pass `promtool check config`", () => {
        for (const p of ofKind("prometheus-config")) {
            const dir = tempDir("prom");
            writeFileSync(join(dir, "prometheus.yml"), p.content);
            const r = runTool("promtool", ["check", "config", join(dir, "prometheus.yml")]);
            expect(r.status, `${p.machine}\n${r.output}`).toBe(0);
        }
    });
});

describe("data-tier daemons start with the rendered files", () => {
    let cluster: string;
    beforeAll(() => {
        cluster = join(tempDir("pgcheck"), "data");
        runOk(asPostgres([`${PG_BIN}/initdb`, "-D", cluster, "-U", "postgres", "--auth-local=peer"]));
    }, 60_000);

    it("postgres reads every postgresql.conf (`postgres -C`), and rejects an unknown setting", () => {
        const confs = ofKind("postgresql-conf");
        expect(confs.length).toBeGreaterThanOrEqual(2);
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
            const port = String(55460 + i);
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
        let port = 55470;
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
                    "55499",
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
            .replace(/^listen_port=.*$/m, "listen_port=55480")
            .replace(/^auth_file=.*$/m, `auth_file=${userlist}`)
            .replace(/^unix_socket_dir=.*$/m, `unix_socket_dir=${dir}`);
        expect(content).not.toBe(ini?.content);
        const file = writeOwned(join(dir, "pgbouncer.ini"), content);
        const bouncer = start(asPostgres(["/usr/sbin/pgbouncer", file]));
        const listening = await waitFor(
            "pgbouncer on 55480",
            () => {
                const r = run(["sh", "-c", "ss -ltn | grep -q 127.0.0.1:55480"]);
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
