/**
 * The containerised exporters' environment contract, on real servers: Debian's postgres_exporter (0.11) and
 * redis_exporter (1.45) run with exactly the environment the phase-1 compose file gives the postgres-exporter
 * and redis-exporter services, and read the password files the host renders, against a real PostgreSQL that
 * checks passwords (scram-sha-256 over TCP) and a real Redis that includes the rendered `requirepass`. Only the
 * addresses are rewritten to the loopback servers (in the JSON password file's key too, which must equal
 * REDIS_ADDR) and the container paths to where the files lie here. Without the password files, both report down.
 */
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { renderAppHost } from "../../core/render/machines/appHost";
import { COMPOSE_FILE, CONTAINER_PATHS } from "../../core/render/base/paths";
import { distinctiveSecrets, phase1Spec } from "../render/fixtures";
import {
    asPostgres,
    cleanup,
    PG_BIN,
    runOk,
    start,
    superSql,
    tempDir,
    waitFor,
    waitForHttp,
    waitForPostgres,
    writeOwned,
    startLoopbackPostgres,
} from "./support";

const PG_PORT = 25670;
const REDIS_PORT = 25671;
const PG_EXPORTER_PORT = 25672;
const REDIS_EXPORTER_PORT = 25673;
const PG_EXPORTER_NO_PASSWORD_PORT = 25674;
const REDIS_EXPORTER_NO_PASSWORD_PORT = 25675;

type Service = { environment: Record<string, string>; secrets: { source: string; target: string }[] };
const secrets = distinctiveSecrets();
const spec = phase1Spec({ secrets });
const host = renderAppHost(spec);
const compose = parse(host.files.find((f) => f.path === COMPOSE_FILE)!.content) as {
    services: Record<string, Service>;
    secrets: Record<string, { file: string }>;
};

/** A service's environment as its process sees it: compose turns `$$` into `$`. */
function environmentOf(name: string): Record<string, string> {
    const env = compose.services[name]?.environment;
    if (!env) throw new Error(`compose service ${name} has no environment`);
    return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v.replace(/\$\$/g, "$")]));
}

/** The rendered host file behind the compose secret mounted at `target` in `service`. */
function secretContent(service: string, target: string): string {
    const source = compose.services[service]?.secrets.find((s) => s.target === target)?.source;
    if (!source) throw new Error(`${service} mounts no secret at ${target}`);
    const path = compose.secrets[source]?.file;
    const file = host.files.find((f) => f.path === path);
    if (!file) throw new Error(`no rendered file ${path} for secret ${source}`);
    return file.content;
}

const metrics = async (port: number) => (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
/** The value of an unlabelled gauge once the exporter reports it. */
const gauge = (port: number, name: string) =>
    waitFor(
        `${name} on ${port}`,
        async () => new RegExp(`^${name} (\\S+)$`, "m").exec(await metrics(port))?.[1],
        10_000,
    );

let root: string;
const pgEnv: Record<string, string> = {};
const redisEnv: Record<string, string> = {};

beforeAll(async () => {
    root = tempDir("container-exporters");
    runOk(
        asPostgres([
            `${PG_BIN}/initdb`,
            "-D",
            join(root, "data"),
            "-U",
            "postgres",
            "--auth-local=trust",
            "--auth-host=scram-sha-256",
        ]),
    );
    const postgres = startLoopbackPostgres(join(root, "data"), root, PG_PORT);
    const redisAuth = writeOwned(
        join(root, "redis-auth.conf"),
        secretContent("redis", CONTAINER_PATHS.redisAuth),
    );
    const redisConf = writeOwned(
        join(root, "redis.conf"),
        `port ${REDIS_PORT}\nbind 127.0.0.1\nsave ""\ninclude ${redisAuth}\n`,
    );
    start(["redis-server", redisConf]);
    await waitForPostgres(PG_PORT, postgres, 20_000);
    const pg = environmentOf("postgres-exporter");
    const password = secretContent("postgres-exporter", pg["DATA_SOURCE_PASS_FILE"]!);
    const { user, database } = spec.postgres;
    superSql(root, PG_PORT, `CREATE ROLE ${user} LOGIN PASSWORD '${password.replace(/'/g, "''")}'`);
    superSql(root, PG_PORT, `CREATE DATABASE ${database} OWNER ${user}`);

    const pgAddress = "postgres:5432/";
    if (!pg["DATA_SOURCE_URI"]?.startsWith(pgAddress))
        throw new Error(`DATA_SOURCE_URI ${pg["DATA_SOURCE_URI"]} does not start with ${pgAddress}`);
    Object.assign(pgEnv, {
        ...pg,
        DATA_SOURCE_URI: pg["DATA_SOURCE_URI"].replace(pgAddress, `127.0.0.1:${PG_PORT}/`),
        DATA_SOURCE_PASS_FILE: writeOwned(join(root, "postgres-password"), password),
    });

    const redis = environmentOf("redis-exporter");
    const loopbackRedis = `redis://127.0.0.1:${REDIS_PORT}`;
    const passwords = JSON.parse(secretContent("redis-exporter", redis["REDIS_PASSWORD_FILE"]!)) as Record<
        string,
        string
    >;
    if (Object.keys(passwords).join() !== redis["REDIS_ADDR"])
        throw new Error(
            `the password file's keys ${Object.keys(passwords).join()} are not REDIS_ADDR ${redis["REDIS_ADDR"]}`,
        );
    Object.assign(redisEnv, {
        ...redis,
        REDIS_ADDR: loopbackRedis,
        REDIS_PASSWORD_FILE: writeOwned(
            join(root, "redis-exporter-passwords.json"),
            JSON.stringify({ [loopbackRedis]: passwords[redis["REDIS_ADDR"]] }),
        ),
    });

    const exporters = [
        start(["prometheus-postgres-exporter", `--web.listen-address=127.0.0.1:${PG_EXPORTER_PORT}`], pgEnv),
        start(
            ["prometheus-redis-exporter", `--web.listen-address=127.0.0.1:${REDIS_EXPORTER_PORT}`],
            redisEnv,
        ),
        start(
            [
                "prometheus-postgres-exporter",
                `--web.listen-address=127.0.0.1:${PG_EXPORTER_NO_PASSWORD_PORT}`,
            ],
            { ...pgEnv, DATA_SOURCE_PASS_FILE: writeOwned(join(root, "empty"), "") },
        ),
        start(
            [
                "prometheus-redis-exporter",
                `--web.listen-address=127.0.0.1:${REDIS_EXPORTER_NO_PASSWORD_PORT}`,
            ],
            { REDIS_ADDR: loopbackRedis },
        ),
    ];
    const ports = [
        PG_EXPORTER_PORT,
        REDIS_EXPORTER_PORT,
        PG_EXPORTER_NO_PASSWORD_PORT,
        REDIS_EXPORTER_NO_PASSWORD_PORT,
    ];
    await Promise.all(
        exporters.map((e, i) => waitForHttp(`http://127.0.0.1:${ports[i]}/metrics`, e, 10_000)),
    );
}, 60_000);

afterAll(cleanup);

describe("the containerised exporters' environment on real servers", () => {
    it("sets only the address, the user and password files, never a password", () => {
        expect(Object.keys(pgEnv).sort()).toEqual([
            "DATA_SOURCE_PASS_FILE",
            "DATA_SOURCE_URI",
            "DATA_SOURCE_USER",
        ]);
        expect(Object.keys(redisEnv).sort()).toEqual(["REDIS_ADDR", "REDIS_PASSWORD_FILE"]);
        const values = JSON.stringify([pgEnv, redisEnv]);
        expect(values).not.toContain(secrets.postgresPassword);
        expect(values).not.toContain(secrets.redisPassword);
    });

    it("postgres_exporter logs in with the rendered password file: pg_up 1", async () => {
        expect(await gauge(PG_EXPORTER_PORT, "pg_up")).toBe("1");
        expect(await metrics(PG_EXPORTER_PORT)).toMatch(
            /^pg_database_size_bytes\{datname="chrono"[,}].* [0-9.e+]+$/m,
        );
    });

    it("redis_exporter finds REDIS_ADDR's password in the rendered JSON file: redis_up 1", async () => {
        expect(await gauge(REDIS_EXPORTER_PORT, "redis_up")).toBe("1");
    });

    it("without the passwords both report their database down", async () => {
        expect(await gauge(PG_EXPORTER_NO_PASSWORD_PORT, "pg_up")).toBe("0");
        expect(await gauge(REDIS_EXPORTER_NO_PASSWORD_PORT, "redis_up")).toBe("0");
    });
});
