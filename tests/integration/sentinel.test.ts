/**
 * Redis primary, replica and three Sentinels from the rendered configs, on loopback: the primary dies and a
 * Sentinel-aware client keeps trying to write; the test measures how long until a write lands on the promoted
 * replica, with the production timings (down-after 5 s).
 */
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SENTINEL_TIMING } from "../../core/render/data/dataNode";
import { renderRedisNodeConf, renderSentinelConf, SENTINEL_MASTER } from "../../core/render/data/sentinel";
import { commands, sentinelWrite } from "./resp";
import { cleanup, sleep, start, stop, tempDir, waitFor, writeOwned } from "./support";

const PRIMARY = 25421;
const REPLICA = 25422;
const SENTINELS = [25431, 25432, 25433];
const PASSWORD = "integration-redis-password";

let primary: ReturnType<typeof start>;
const measured: Record<string, unknown> = {};

function redisNode(port: number, replicaOf?: number): ReturnType<typeof start> {
    const dir = tempDir(`redis-${port}`);
    const conf = writeOwned(
        join(dir, "redis.conf"),
        renderRedisNodeConf({
            bind: ["127.0.0.1"],
            port,
            announceIp: "127.0.0.1",
            dir,
            maxmemoryMb: 64,
            password: PASSWORD,
            ...(replicaOf ? { replicaOf: { host: "127.0.0.1", port: replicaOf } } : {}),
        }),
    );
    return start(["redis-server", conf]);
}

beforeAll(async () => {
    primary = redisNode(PRIMARY);
    redisNode(REPLICA, PRIMARY);
    for (const port of SENTINELS) {
        const dir = tempDir(`sentinel-${port}`);
        const conf = writeOwned(
            join(dir, "sentinel.conf"),
            renderSentinelConf({
                bind: ["127.0.0.1"],
                port,
                announceIp: "127.0.0.1",
                dir,
                primary: { host: "127.0.0.1", port: PRIMARY },
                quorum: 2,
                ...SENTINEL_TIMING,
                password: PASSWORD,
            }),
        );
        start(["redis-sentinel", conf]);
    }
    await waitFor(
        "the replica to sync and every Sentinel to see both Sentinels and the replica",
        async () => {
            try {
                const [, info] = await commands(REPLICA, [
                    ["AUTH", PASSWORD],
                    ["INFO", "replication"],
                ]);
                if (!String(info).includes("master_link_status:up")) return undefined;
                for (const port of SENTINELS) {
                    const [master] = await commands(port, [["SENTINEL", "master", SENTINEL_MASTER]]);
                    const fields = Array.isArray(master) ? master.map(String) : [];
                    const field = (k: string) => Number(fields[fields.indexOf(k) + 1]);
                    if (field("num-other-sentinels") < 2 || field("num-slaves") < 1) return undefined;
                }
                return true;
            } catch {
                return undefined;
            }
        },
        30_000,
    );
}, 60_000);

afterAll(async () => {
    console.log(`[integration] sentinel: ${JSON.stringify(measured)}`);
    await cleanup();
});

describe("Redis Sentinel from the rendered configs", () => {
    it("a Sentinel-aware client writes to the primary, then to the promoted replica after the primary dies", async () => {
        expect(await sentinelWrite(SENTINELS, SENTINEL_MASTER, PASSWORD, "before", "1")).toEqual({
            ok: true,
            port: PRIMARY,
        });
        // Redis replicates asynchronously: WAIT makes the primary confirm the replica has the write before it dies.
        const [, acked] = await commands(PRIMARY, [
            ["AUTH", PASSWORD],
            ["WAIT", "1", "2000"],
        ]);
        expect(acked).toBe(1);
        const killedAt = Date.now();
        await stop(primary, "SIGKILL");
        const landed = await waitFor(
            "a write through the Sentinels",
            async () => {
                const r = await sentinelWrite(
                    SENTINELS,
                    SENTINEL_MASTER,
                    PASSWORD,
                    "after",
                    String(Date.now()),
                );
                if (r.ok) return r;
                await sleep(100);
                return undefined;
            },
            60_000,
        );
        measured["secondsUntilWrite"] = (Date.now() - killedAt) / 1000;
        measured["downAfterMs"] = SENTINEL_TIMING.downAfterMs;
        expect(landed.port).toBe(REPLICA);
        const [, role] = await commands(REPLICA, [["AUTH", PASSWORD], ["ROLE"]]);
        expect(Array.isArray(role) && role[0]).toBe("master");
        // The write the replica acknowledged before the failover survived it.
        const [, before] = await commands(REPLICA, [
            ["AUTH", PASSWORD],
            ["GET", "before"],
        ]);
        expect(before).toBe("1");
    }, 90_000);
});
