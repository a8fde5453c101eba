/**
 * redis_exporter on the database nodes: the drop-in over the packaged unit (private address, the local Redis, the
 * password as a systemd credential and never on the command line), the packaged unit with it passing
 * `systemd-analyze verify`, and Debian's exporter started from the drop-in's very command line and the rendered
 * password file against a real Redis that requires the password: it logs in, and with another password it does not.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
    REDIS_EXPORTER,
    REDIS_SCRAPE_JOB,
    redisScrapeTargets,
    renderRedisExporter,
    renderRedisPasswordMap,
} from "../../../core/render/monitoring/redisExporter";
import { DATA_UNITS } from "../../../core/render/data/dataLayout";
import { SECRETS_DIR } from "../../../core/render/base/artifact";
import { UNIT_DIR } from "../../../core/render/base/systemd";
import { runTool } from "../../helpers/tools";
import { cleanup, start, stop, tempDir, waitFor, writeOwned } from "../../integration/support";
import { dropInArgv, serviceLines } from "../../helpers/systemdUnits";

const REDIS_PORT = 25872;
const EXPORTER_PORT = 25873;
const PACKAGED_UNIT = `/lib/systemd/system/${REDIS_EXPORTER.unit}`;
// Quotes and a backslash: the password file is JSON, so they must arrive escaped, not break it.
const PASSWORD = 'r3dis"pa\\ss';

afterAll(cleanup);

const SPEC = { listenIp: "10.0.1.10", redisPort: 6379, password: PASSWORD, after: DATA_UNITS.redis };
const rendered = renderRedisExporter(SPEC);
const dropIn = rendered.find((f) => f.path === REDIS_EXPORTER.dropIn)!;
const passwordFile = rendered.find((f) => f.path === REDIS_EXPORTER.passwordFile)!;

describe("the exporter's drop-in", () => {
    it("listens on the private address, scrapes the local Redis and reads the password from its credential", () => {
        expect(dropIn.path).toBe(`${UNIT_DIR}/${REDIS_EXPORTER.unit}.d/10-phase-stacks.conf`);
        expect(dropInArgv(dropIn.content)).toEqual([
            REDIS_EXPORTER.binary,
            "-web.listen-address=10.0.1.10:9121",
            "-redis.addr=redis://127.0.0.1:6379",
            `-redis.password-file=/run/credentials/${REDIS_EXPORTER.unit}/${REDIS_EXPORTER.credential}`,
        ]);
        expect(serviceLines(dropIn.content, "LoadCredential")).toEqual([
            `${REDIS_EXPORTER.credential}:${REDIS_EXPORTER.passwordFile}`,
        ]);
        expect(serviceLines(dropIn.content, "EnvironmentFile")).toEqual([""]);
        expect(dropIn.content).toContain(`After=network-online.target ${DATA_UNITS.redis}`);
    });

    it("keeps the password in a 0600 secret file, as JSON from the scraped URI to it, and nowhere else", () => {
        expect(passwordFile).toMatchObject({ permissions: "0600", secret: true });
        expect(passwordFile.path.startsWith(`${SECRETS_DIR}/`)).toBe(true);
        expect(JSON.parse(passwordFile.content)).toEqual({ "redis://127.0.0.1:6379": PASSWORD });
        expect(dropIn.content).not.toContain("r3dis");
    });

    it("refuses a wildcard or non-IPv4 listen address, a bad port and an empty password", () => {
        for (const listenIp of ["0.0.0.0", "", "::", "db-1", "10.0.1.256"])
            expect(() => renderRedisExporter({ ...SPEC, listenIp }), listenIp).toThrow(/listen address/);
        expect(() => renderRedisExporter({ ...SPEC, redisPort: 0 })).toThrow(/redisPort/);
        expect(() => renderRedisPasswordMap("redis://127.0.0.1:6379", "")).toThrow(/empty/);
    });

    it("gives the redis job each node at port 9121 with its name", () => {
        expect(REDIS_SCRAPE_JOB).toBe("redis");
        expect(redisScrapeTargets([{ name: "pg1", ip: "10.0.1.10" }])).toEqual({
            targets: ["10.0.1.10:9121"],
            labels: { "10.0.1.10:9121": { node: "pg1" } },
        });
    });

    it("passes `systemd-analyze verify` merged with the packaged unit, and a broken one does not", () => {
        if (!existsSync(PACKAGED_UNIT))
            throw new Error(
                `${PACKAGED_UNIT} is missing: run 'apt-get install -y ${REDIS_EXPORTER.package}'`,
            );
        const dir = tempDir("redis-exporter-unit");
        const merged = (text: string) => {
            const path = join(dir, REDIS_EXPORTER.unit);
            writeFileSync(path, `${readFileSync(PACKAGED_UNIT, "utf8")}\n${text}`);
            return runTool("systemd-analyze", ["verify", path]);
        };
        const ok = merged(dropIn.content);
        expect(ok.output).toBe("");
        expect(ok.status).toBe(0);
        expect(merged(dropIn.content.replace("ExecStart=\n", "")).status).not.toBe(0);
    });
});

describe("Debian's redis_exporter run as the drop-in says", () => {
    const dir = tempDir("redis-exporter");
    const local = renderRedisExporter({ ...SPEC, listenIp: "127.0.0.1", redisPort: REDIS_PORT });
    const localArgv = dropInArgv(local.find((f) => f.path === REDIS_EXPORTER.dropIn)!.content);
    const localPasswords = local.find((f) => f.path === REDIS_EXPORTER.passwordFile)!.content;

    /** The exporter with the drop-in's flags, its credential at a file of ours; resolves to its redis_up line. */
    async function scrape(passwords: string): Promise<string> {
        const file = writeOwned(join(dir, "redis-passwords.json"), passwords);
        const args = localArgv.map((a) =>
            a
                .replace(":9121", `:${EXPORTER_PORT}`)
                .replace(/^-redis\.password-file=.*$/, `-redis.password-file=${file}`),
        );
        const exporter = start(args);
        try {
            return await waitFor(
                "the exporter's redis_up",
                async () => {
                    try {
                        const text = await (await fetch(`http://127.0.0.1:${EXPORTER_PORT}/metrics`)).text();
                        return /^redis_up \d$/m.exec(text)?.[0];
                    } catch {
                        return undefined;
                    }
                },
                15_000,
            ).catch((err: Error) => {
                throw new Error(`${err.message}\n${exporter.log().slice(-2000)}`);
            });
        } finally {
            await stop(exporter);
        }
    }

    it("logs in with the rendered password file, and not with another password", async () => {
        const conf = writeOwned(
            join(dir, "redis.conf"),
            `port ${REDIS_PORT}\nbind 127.0.0.1\nsave ""\nappendonly no\nrequirepass "${PASSWORD.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"\n`,
        );
        start(["redis-server", conf]);
        expect(await scrape(localPasswords)).toBe("redis_up 1");
        expect(await scrape(renderRedisPasswordMap(`redis://127.0.0.1:${REDIS_PORT}`, "wrong"))).toBe(
            "redis_up 0",
        );
    }, 60_000);
});
