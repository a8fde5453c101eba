/**
 * redis.conf and its auth include, loaded by the real redis-server on loopback, and the compose healthcheck
 * command (as docker-compose resolves it) run against that server.
 */
import { afterAll, describe, expect, it } from "vitest";
import { spawn, type ChildProcess } from "node:child_process";
import { writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { parse } from "yaml";
import { SECRETS_DIR } from "../../../core/render/base/artifact";
import { renderCompose } from "../../../core/render/app/compose";
import { CONTAINER_PATHS } from "../../../core/render/base/paths";
import { ALL_LOCAL } from "../../../core/topology/placement";
import { renderRedisAuth, renderRedisConfig } from "../../../core/render/app/redis";
import { requireTool, runTool } from "../../helpers/tools";
import { RESERVATIONS, WORKLOAD, removeDir, tempDir } from "../fixtures";

const PASSWORD = "RedisPass-Kd93Lm27Vn45";
const dir = tempDir("redis");
const servers: ChildProcess[] = [];
afterAll(() => {
    for (const s of servers) s.kill("SIGKILL");
    removeDir(dir);
});

function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const srv = createServer();
        srv.once("error", reject);
        srv.listen(0, "127.0.0.1", () => {
            const { port } = srv.address() as { port: number };
            srv.close(() => resolve(port));
        });
    });
}

/** Starts redis-server with the rendered config; only the include path (a container path) points into the temp dir. */
async function startRedis(): Promise<number> {
    const bin = requireTool("redis-server");
    const port = await freePort();
    const auth = join(dir, "auth.conf");
    writeFileSync(auth, renderRedisAuth(PASSWORD));
    const conf = join(dir, "redis.conf");
    writeFileSync(
        conf,
        renderRedisConfig(WORKLOAD.redis.memoryMb).replace(
            `include ${CONTAINER_PATHS.redisAuth}`,
            `include ${auth}`,
        ),
    );
    const server = spawn(bin, [conf, "--port", String(port), "--bind", "127.0.0.1", "--dir", dir], {
        stdio: "ignore",
    });
    servers.push(server);
    for (let i = 0; i < 100; i++) {
        if (
            runTool("redis-cli", [
                "-p",
                String(port),
                "--no-auth-warning",
                "-a",
                PASSWORD,
                "ping",
            ]).output.trim() === "PONG"
        )
            return port;
        await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error("redis-server did not start with the rendered config");
}

/**
 * The redis healthcheck as the container gets it: docker-compose must read it without interpolating anything
 * (no "variable is not set" warning), and then hands the engine every `$$` as `$`. The auth path and port are
 * adapted to this server.
 */
function resolvedHealthcheck(port: number, authFile: string): string {
    const composeDir = tempDir("redis-compose");
    const raw = renderCompose({
        workload: WORKLOAD,
        reservationsMb: RESERVATIONS,
        placement: ALL_LOCAL,
        hostnames: { app: "app.example.com", api: "api.example.com" },
        postgres: { database: "chrono", user: "chrono_app", dataDir: "/mnt/postgres" },
    })
        .split(SECRETS_DIR)
        .join(composeDir);
    for (const f of ["app.env", "meilisearch.env"]) writeFileSync(join(composeDir, f), "");
    writeFileSync(join(composeDir, "compose.yaml"), raw);
    const r = runTool("docker-compose", ["-f", join(composeDir, "compose.yaml"), "config"]);
    removeDir(composeDir);
    if (r.status !== 0) throw new Error(r.output);
    expect(r.output).not.toContain("variable is not set");
    const test = (parse(r.output) as { services: { redis: { healthcheck: { test: string[] } } } }).services
        .redis.healthcheck.test;
    expect(test[0]).toBe("CMD-SHELL");
    return test[1]!
        .split("$$")
        .join("$")
        .replace(CONTAINER_PATHS.redisAuth, authFile)
        .replace("redis-cli ping", `redis-cli -p ${port} ping`);
}

describe("redis.conf with the password include", () => {
    it("caps memory below the container limit and evicts only keys with a TTL", () => {
        const conf = renderRedisConfig(512);
        const maxmemory = Number(/^maxmemory (\d+)mb$/m.exec(conf)![1]);
        expect(maxmemory).toBeGreaterThan(0);
        expect(maxmemory).toBeLessThan(512);
        expect(conf).toMatch(/^maxmemory-policy volatile-lru$/m);
        expect(conf.trim().split("\n").pop()).toBe(`include ${CONTAINER_PATHS.redisAuth}`);
    });

    it("starts the real redis-server, which then refuses clients without the password", async () => {
        const port = await startRedis();
        const anonymous = runTool("redis-cli", ["-p", String(port), "ping"]);
        expect(anonymous.output).toContain("NOAUTH");
        const info = runTool("redis-cli", [
            "-p",
            String(port),
            "--no-auth-warning",
            "-a",
            PASSWORD,
            "config",
            "get",
            "maxmemory-policy",
        ]);
        expect(info.output).toContain("volatile-lru");
    });

    it("is healthy by the compose healthcheck, which authenticates from the auth file", async () => {
        const port = await startRedis();
        const good = join(dir, "auth.conf");
        const ok = runTool("sh", ["-c", resolvedHealthcheck(port, good)]);
        expect(ok.status, ok.output).toBe(0);
        const wrong = join(dir, "wrong-auth.conf");
        writeFileSync(wrong, renderRedisAuth("not-the-password"));
        expect(runTool("sh", ["-c", resolvedHealthcheck(port, wrong)]).status).not.toBe(0);
    });
});
