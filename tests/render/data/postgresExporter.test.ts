/**
 * postgres_exporter on the database nodes: the drop-in over the packaged unit (listen address, connection string,
 * no password), the packaged unit with it passing `systemd-analyze verify`, Debian's exporter started from the
 * drop-in's very command line and environment against a real PostgreSQL behind the pg_hba rows Patroni writes, and
 * the shipped plans: every data node of phases 2 to 4 runs it and redis_exporter on its private address.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import {
    POSTGRES_EXPORTER,
    postgresExporterDsn,
    renderPostgresExporter,
} from "../../../core/render/monitoring/postgresExporter";
import { REDIS_EXPORTER } from "../../../core/render/monitoring/redisExporter";
import { DATA_PATHS, PG_SOCKET_DIR } from "../../../core/render/data/dataLayout";
import { PATRONI_UNIT } from "../../../core/render/data/patroniNode";
import { renderPgHba } from "../../../core/render/data/pgHba";
import { UNIT_DIR } from "../../../core/render/base/systemd";
import type { Artifact } from "../../../tools/plan/artifacts";
import { sharedPlanObject } from "../../helpers/sharedPlans";
import { runTool } from "../../helpers/tools";
import {
    asPostgres,
    cleanup,
    PG_BIN,
    run,
    runOk,
    start,
    tempDir,
    waitFor,
    writeOwned,
} from "../../integration/support";

const PG_PORT = 25870;
const EXPORTER_PORT = 25871;
const PACKAGED_UNIT = `/lib/systemd/system/${POSTGRES_EXPORTER.unit}`;

afterAll(cleanup);

/** `key -> values` of one section of a systemd file, in order (an empty value is a reset). */
function section(text: string, name: string): Map<string, string[]> {
    const out = new Map<string, string[]>();
    let current = "";
    for (const line of text.split("\n")) {
        const header = /^\[(.+)\]$/.exec(line);
        if (header) current = header[1] as string;
        else if (current === name && /^[A-Za-z]+=/.test(line)) {
            const i = line.indexOf("=");
            const key = line.slice(0, i);
            out.set(key, [...(out.get(key) ?? []), line.slice(i + 1)]);
        }
    }
    return out;
}

/** The command line and DATA_SOURCE_NAME a drop-in leaves the packaged unit with. */
function effective(dropIn: string): { argv: string[]; dsn: string; user: string } {
    const s = section(dropIn, "Service");
    const exec = s.get("ExecStart") ?? [];
    expect(exec[0], "the drop-in resets the package's ExecStart first").toBe("");
    expect(exec).toHaveLength(2);
    const env = (s.get("Environment") ?? []).map((e) => e.replace(/^"(.*)"$/, "$1"));
    const dsn = env.find((e) => e.startsWith("DATA_SOURCE_NAME="))?.slice("DATA_SOURCE_NAME=".length);
    return { argv: (exec[1] as string).split(" "), dsn: dsn ?? "", user: s.get("User")?.[0] ?? "" };
}

const SPEC = { listenIp: "10.0.1.10", socketDir: PG_SOCKET_DIR, pgPort: 5432, after: PATRONI_UNIT };
const [DROP_IN] = renderPostgresExporter(SPEC);

describe("the exporter's drop-in", () => {
    it("overrides the packaged unit: private address only, the package's environment file dropped", () => {
        expect(DROP_IN?.path).toBe(`${UNIT_DIR}/${POSTGRES_EXPORTER.unit}.d/10-phase-stacks.conf`);
        const e = effective(DROP_IN!.content);
        expect(e.argv).toEqual([POSTGRES_EXPORTER.binary, "--web.listen-address=10.0.1.10:9187"]);
        // The package's /etc/default file would set DATA_SOURCE_NAME='' over ours (EnvironmentFile wins).
        expect(section(DROP_IN!.content, "Service").get("EnvironmentFile")).toEqual([""]);
        expect(section(DROP_IN!.content, "Unit").get("After")).toEqual([
            `network-online.target ${PATRONI_UNIT}`,
        ]);
    });

    it("connects through the local socket as the peer-authenticated postgres user, with no password", () => {
        const e = effective(DROP_IN!.content);
        expect(e.user).toBe("postgres");
        expect(e.dsn).toBe(
            "host=/var/run/postgresql port=5432 user=postgres dbname=postgres sslmode=disable",
        );
        expect(DROP_IN!.content).not.toMatch(/password/i);
    });

    it("refuses every address but one host's IPv4, and a bad socket directory", () => {
        for (const listenIp of ["0.0.0.0", "", "10.0.1.256", "::", "db-1"])
            expect(() => renderPostgresExporter({ ...SPEC, listenIp }), listenIp).toThrow(/listen address/);
        expect(() => postgresExporterDsn("run/postgresql", 5432)).toThrow(/socketDir/);
        expect(() => postgresExporterDsn("/run/postgresql x", 5432)).toThrow(/socketDir/);
        expect(() => postgresExporterDsn(PG_SOCKET_DIR, 0)).toThrow(/pgPort/);
    });

    it("passes `systemd-analyze verify` merged with the packaged unit, and a broken one does not", () => {
        if (!existsSync(PACKAGED_UNIT))
            throw new Error(
                `${PACKAGED_UNIT} is missing: run 'apt-get install -y ${POSTGRES_EXPORTER.package}'`,
            );
        // Repeated sections accumulate and an empty assignment resets, as they do across a unit and its drop-ins.
        const dir = tempDir("exporter-unit");
        const merged = (dropIn: string) => {
            const path = join(dir, POSTGRES_EXPORTER.unit);
            writeFileSync(path, `${readFileSync(PACKAGED_UNIT, "utf8")}\n${dropIn}`);
            return runTool("systemd-analyze", ["verify", path]);
        };
        const ok = merged(DROP_IN!.content);
        expect(ok.output).toBe("");
        expect(ok.status).toBe(0);
        const broken = merged(DROP_IN!.content.replace("ExecStart=\n", ""));
        expect(broken.status, "two ExecStart= in a simple service").not.toBe(0);
    });
});

describe("Debian's postgres_exporter run as the drop-in says", () => {
    let socketDir: string;
    let metrics: string;

    beforeAll(async () => {
        socketDir = tempDir("exporter-pg");
        const data = join(socketDir, "data");
        runOk(asPostgres([`${PG_BIN}/initdb`, "-D", data, "-U", "postgres", "--auth-local=peer"]));
        // The rows Patroni writes to pg_hba.conf on a phase 3 node.
        const hba = writeOwned(
            join(socketDir, "pg_hba.conf"),
            renderPgHba({
                database: "chrono",
                appUser: "chrono_app",
                replicationUser: "replicator",
                rewindUser: "rewind_user",
                allowedCidrs: ["127.0.0.1/32", "10.0.1.20/32"],
                peerCidrs: ["10.0.1.10/32", "10.0.1.11/32"],
            }),
        );
        start(
            asPostgres([
                `${PG_BIN}/postgres`,
                "-D",
                data,
                "-p",
                String(PG_PORT),
                "-k",
                socketDir,
                "-c",
                "listen_addresses=",
                "-c",
                `hba_file=${hba}`,
            ]),
        );
        await waitFor(
            "postgres",
            () =>
                run([`${PG_BIN}/pg_isready`, "-q", "-h", socketDir, "-p", String(PG_PORT)]).status === 0 ||
                undefined,
            30_000,
        );
        const rendered = renderPostgresExporter({
            ...SPEC,
            listenIp: "127.0.0.1",
            socketDir,
            pgPort: PG_PORT,
        });
        const e = effective(rendered[0]!.content);
        expect(e.user).toBe("postgres");
        const argv = e.argv.map((a) => a.replace(":9187", `:${EXPORTER_PORT}`));
        const exporter = start(asPostgres(argv), { DATA_SOURCE_NAME: e.dsn });
        metrics = await waitFor(
            "the exporter's metrics",
            async () => {
                try {
                    const r = await fetch(`http://127.0.0.1:${EXPORTER_PORT}/metrics`);
                    const text = await r.text();
                    return /^pg_up 1$/m.test(text) ? text : undefined;
                } catch {
                    return undefined;
                }
            },
            20_000,
        ).catch((err: Error) => {
            throw new Error(`${err.message}\n${exporter.log().slice(-2000)}`);
        });
    }, 90_000);

    it("gets in by peer authentication and reports what the triggers and replication rules read", () => {
        expect(metrics).toMatch(/^pg_up 1$/m);
        expect(metrics).toMatch(/^pg_database_size_bytes\{datname="postgres",/m);
        expect(metrics).toMatch(/^pg_settings_in_hot_standby\{[^}]*\} 0$/m);
        expect(metrics).toMatch(/^pg_settings_max_slot_wal_keep_size_bytes\{/m);
    });

    it("listens on the given address only", async () => {
        await expect(fetch(`http://127.0.0.2:${EXPORTER_PORT}/metrics`)).rejects.toThrow();
    });
});

describe("the shipped plans", () => {
    const artifacts = (stack: "phase2" | "phase3" | "phase4") => sharedPlanObject(stack).artifacts;
    // A data node is a machine that runs PgBouncer: phase 2's data server, every Patroni node of phases 3 and 4.
    const dataNodes = (all: readonly Artifact[]) => [
        ...new Set(all.filter((a) => a.target === DATA_PATHS.pgbouncerIni).map((a) => a.machine)),
    ];
    const at = (all: readonly Artifact[], machine: string, target: string) =>
        all.find((a) => a.machine === machine && a.target === target);

    it.each(["phase2", "phase3", "phase4"] as const)(
        "%s: every data node runs both exporters on its own private address",
        (stack) => {
            const all = artifacts(stack);
            const nodes = dataNodes(all);
            expect(nodes.length).toBeGreaterThanOrEqual(stack === "phase2" ? 1 : 2);
            for (const machine of nodes) {
                // PgBouncer listens on loopback and the node's private address.
                const pgbouncer = at(all, machine, DATA_PATHS.pgbouncerIni)!.content;
                const ip = /^listen_addr\s*=\s*127\.0\.0\.1,(\S+)$/m.exec(pgbouncer)?.[1];
                expect(ip, machine).toMatch(/^10\./);
                const dropIn = at(all, machine, POSTGRES_EXPORTER.dropIn);
                expect(dropIn, machine).toBeDefined();
                expect(effective(dropIn!.content).argv, machine).toEqual([
                    POSTGRES_EXPORTER.binary,
                    `--web.listen-address=${ip}:9187`,
                ]);
                const redisDropIn = at(all, machine, REDIS_EXPORTER.dropIn)?.content ?? "";
                expect(redisDropIn, machine).toContain(`-web.listen-address=${ip}:9121 `);
                const passwords = at(all, machine, REDIS_EXPORTER.passwordFile)?.content ?? "{}";
                expect(Object.keys(JSON.parse(passwords) as object), machine).toEqual([
                    "redis://127.0.0.1:6379",
                ]);
                const userData = parse(at(all, machine, "user-data")!.content) as {
                    packages: string[];
                    runcmd: string[][];
                };
                expect(userData.packages, machine).toEqual(
                    expect.arrayContaining([POSTGRES_EXPORTER.package, REDIS_EXPORTER.package]),
                );
                const enable = userData.runcmd.find((c) =>
                    c.join(" ").startsWith("systemctl enable --now --no-block"),
                );
                expect(enable, machine).toEqual(
                    expect.arrayContaining([POSTGRES_EXPORTER.unit, REDIS_EXPORTER.unit]),
                );
            }
        },
    );

    it("phase 2's data server starts the exporter after its standalone PostgreSQL, Patroni nodes after Patroni", () => {
        const after = (stack: "phase2" | "phase3") =>
            artifacts(stack).find((a) => a.target === POSTGRES_EXPORTER.dropIn)!.content;
        expect(after("phase2")).toMatch(/^After=network-online\.target phase-stacks-postgres\.service$/m);
        expect(after("phase3")).toMatch(new RegExp(`^After=network-online\\.target ${PATRONI_UNIT}$`, "m"));
    });
});
