/**
 * redis_exporter on a database node, and the scrape job that reads it. Like postgres_exporter beside it, the node
 * runs Debian's and Ubuntu's `prometheus-redis-exporter` package under a drop-in of ours that replaces the
 * package's command line and environment (`/etc/default/prometheus-redis-exporter`: no address, no password,
 * every interface), so it listens on the private address only and scrapes the local Redis.
 *
 * The password reaches it as a systemd credential, never on its command line: `-redis.password-file` takes a
 * JSON object from the scraped URI to its password (a plain password file is fatal, "password file format error",
 * on Debian's 1.45 as on the upstream image).
 */
import type { RenderedFile } from "../base/artifact";
import { SECRETS_DIR } from "../base/artifact";
import { renderIni } from "../base/ini";
import { UNIT_DIR } from "../base/systemd";
import { secretFile } from "../app/secrets";
import { labelledTargets, privateListen, type ScrapeHost } from "./scrapeTargets";

export const REDIS_EXPORTER = {
    package: "prometheus-redis-exporter",
    unit: "prometheus-redis-exporter.service",
    binary: "/usr/bin/prometheus-redis-exporter",
    port: 9121,
    dropIn: `${UNIT_DIR}/prometheus-redis-exporter.service.d/10-phase-stacks.conf`,
    passwordFile: `${SECRETS_DIR}/redis-exporter-passwords.json`,
    credential: "redis-passwords.json",
} as const;

/** The job name the scaling triggers' Redis series carry. */
export const REDIS_SCRAPE_JOB = "redis";

/** redis_exporter's password file: the one scraped URI and its password, as JSON. */
export function renderRedisPasswordMap(redisUri: string, password: string): string {
    if (password.length === 0) throw new Error("redisExporter: the Redis password is empty");
    return `${JSON.stringify({ [redisUri]: password })}\n`;
}

export interface RedisExporterSpec {
    /** The node's private address: the only one the exporter listens on. */
    readonly listenIp: string;
    readonly redisPort: number;
    readonly password: string;
    /** The unit that runs Redis here: the exporter starts after it. */
    readonly after: string;
}

/** The drop-in and the password file; the empty `EnvironmentFile=` and `ExecStart=` drop the package's own. */
export function renderRedisExporter(spec: RedisExporterSpec): RenderedFile[] {
    if (!Number.isInteger(spec.redisPort) || spec.redisPort < 1 || spec.redisPort > 65535)
        throw new Error(`redisExporter: redisPort ${spec.redisPort}`);
    const listen = privateListen("redisExporter", spec.listenIp, REDIS_EXPORTER.port);
    const uri = `redis://127.0.0.1:${spec.redisPort}`;
    const credential = `/run/credentials/${REDIS_EXPORTER.unit}/${REDIS_EXPORTER.credential}`;
    return [
        secretFile(REDIS_EXPORTER.passwordFile, renderRedisPasswordMap(uri, spec.password), "text"),
        {
            path: REDIS_EXPORTER.dropIn,
            content: renderIni(
                {
                    Unit: {
                        Wants: "network-online.target",
                        After: `network-online.target ${spec.after}`,
                    },
                    Service: {
                        EnvironmentFile: "",
                        LoadCredential: `${REDIS_EXPORTER.credential}:${REDIS_EXPORTER.passwordFile}`,
                        ExecStart: [
                            "",
                            `${REDIS_EXPORTER.binary} -web.listen-address=${listen} -redis.addr=${uri} ` +
                                `-redis.password-file=${credential}`,
                        ],
                        Restart: "always",
                        RestartSec: "10s",
                        NoNewPrivileges: true,
                    },
                },
                [
                    "Written by phase-stacks: redis_exporter on the private address only, password as a credential.",
                ],
            ),
            kind: "systemd",
            permissions: "0644",
        },
    ];
}

/** The `redis` job: each database node's exporter on its private address, labelled with the node's name. */
export function redisScrapeTargets(nodes: readonly ScrapeHost[]): ReturnType<typeof labelledTargets> {
    return labelledTargets(REDIS_SCRAPE_JOB, nodes, REDIS_EXPORTER.port);
}
