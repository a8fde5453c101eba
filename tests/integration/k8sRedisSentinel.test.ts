/**
 * Phase 5's Redis start script (core/k8s/redis.ts) run for real: three "pods" of redis-server + redis-sentinel on
 * loopback, each started by the rendered script with the pod's names, ports and paths overridden, form a master
 * and two replicas; the Sentinels agree, fail over when the master dies, and the old pod 0 comes back as a replica.
 */
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
    REDIS_PASSWORD_KEY,
    REDIS_PATHS,
    REDIS_REPLICAS,
    redisConfigData,
    redisObjects,
    SENTINEL_MASTER,
} from "../../core/k8s/redis";
import { SENTINEL_TIMING } from "../../core/render/data/dataNode";
import { MIB } from "../../policies/caps/quantity";
import { commands, type Reply } from "./resp";
import { cleanup, run, sleep, start, stop, tempDir, waitFor, writeOwned } from "./support";
import { containers, INPUT, PASSWORD } from "../helpers/redisObjects";

async function freePorts(n: number): Promise<number[]> {
    const servers: Server[] = [];
    try {
        for (let i = 0; i < n; i++) {
            const s = createServer();
            await new Promise<void>((ok, fail) => {
                s.once("error", fail);
                s.listen(0, "127.0.0.1", () => ok());
            });
            servers.push(s);
        }
        return servers.map((s) => (s.address() as { port: number }).port);
    } finally {
        await Promise.all(servers.map((s) => new Promise((ok) => s.close(ok))));
    }
}

/**
 * The rendered start script on loopback: each "pod" is a redis and a sentinel process started by the script with the
 * pod's overridable names, ports and paths. Pods start one after another, as OrderedReady does; pod 0's data dir
 * outlives it, as its volume would, while its in-memory run dirs do not.
 */
describe("the start script with real Redis and Sentinel on loopback", () => {
    const objects = redisObjects(INPUT);
    const data = redisConfigData(INPUT);
    const stsContainers = containers(objects);
    let root: string;
    let redisPorts: number[] = [];
    let sentinelPorts: number[] = [];
    const pods: { redis?: ReturnType<typeof start>; sentinel?: ReturnType<typeof start> }[] = [];
    const startedAt = Date.now();

    const envOf = (i: number, runTag: string): NodeJS.ProcessEnv => ({
        REDIS_HOST: "127.0.0.1",
        REDIS_PORT: String(redisPorts[i]),
        SENTINEL_PORT: String(sentinelPorts[i]),
        BOOTSTRAP_HOST: "127.0.0.1",
        BOOTSTRAP_PORT: String(redisPorts[0]),
        SENTINELS: sentinelPorts.map((p) => `127.0.0.1:${p}`).join(" "),
        PASSWORD_FILE: join(root, "secret", REDIS_PASSWORD_KEY),
        TEMPLATE_DIR: join(root, "templates"),
        DATA_DIR: join(root, `data-${i}`),
        REDIS_RUN_DIR: tempDir(`redis-run-${i}-${runTag}`),
        SENTINEL_RUN_DIR: tempDir(`sentinel-run-${i}-${runTag}`),
        BIND: "127.0.0.1",
    });
    /** The container's own command, with the script where the test wrote it. */
    const argv = (name: string, probe = false) => {
        const c = stsContainers.find((x) => x.name === name);
        const cmd = probe ? c?.readinessProbe.exec.command : c?.command;
        if (!cmd) throw new Error(`no ${name} command`);
        return cmd.map((a) => (a === REDIS_PATHS.script ? join(root, "templates", "redis.sh") : a));
    };
    const probe = (i: number, name: string, env: NodeJS.ProcessEnv) =>
        run(argv(name, true), env, 10_000).status === 0 ? true : undefined;

    async function startPod(i: number, runTag: string): Promise<void> {
        const env = envOf(i, runTag);
        pods[i] = { redis: start(argv("redis"), env), sentinel: start(argv("sentinel"), env) };
        await waitFor(
            `pod ${i}'s redis and sentinel to answer their probes`,
            () => (probe(i, "redis", env) && probe(i, "sentinel", env)) || undefined,
            20_000,
        ).catch((e: Error) => {
            throw new Error(
                `${e.message}\nredis:\n${pods[i]?.redis?.log()}\nsentinel:\n${pods[i]?.sentinel?.log()}`,
            );
        });
    }
    const redisCmd = async (i: number, ...cmd: string[]): Promise<Reply> =>
        (await commands(redisPorts[i] as number, [["AUTH", PASSWORD], cmd], 2000))[1] as Reply;
    const role = async (i: number) => {
        try {
            const r = await redisCmd(i, "ROLE");
            return Array.isArray(r) ? r.map((x) => (Array.isArray(x) ? x : String(x))) : [];
        } catch {
            return [];
        }
    };
    const sentinelMaster = async (port: number) => {
        try {
            const [r] = await commands(port, [["SENTINEL", "get-master-addr-by-name", SENTINEL_MASTER]]);
            return Array.isArray(r) ? Number(r[1]) : undefined;
        } catch {
            return undefined;
        }
    };
    const sentinelView = async (port: number) => {
        const [m] = await commands(port, [["SENTINEL", "master", SENTINEL_MASTER]]);
        const f = Array.isArray(m) ? m.map(String) : [];
        return (k: string) => f[f.indexOf(k) + 1];
    };
    /** Every pod's role once each live replica's link to `masterPort` is up. */
    const settled = async (live: number[], masterIndex: number) => {
        const roles = await Promise.all(live.map(role));
        return roles.every((r, n) =>
            live[n] === masterIndex
                ? r[0] === "master"
                : r[0] === "slave" && Number(r[2]) === redisPorts[masterIndex] && r[3] === "connected",
        )
            ? true
            : undefined;
    };

    beforeAll(async () => {
        const ports = await freePorts(6);
        redisPorts = ports.slice(0, 3);
        sentinelPorts = ports.slice(3);
        root = tempDir("redis-k8s");
        run(["mkdir", "-p", join(root, "templates"), join(root, "secret")]);
        for (const [name, text] of Object.entries(data))
            writeOwned(join(root, "templates", name), text, 0o644);
        writeOwned(join(root, "secret", REDIS_PASSWORD_KEY), PASSWORD, 0o400);
        for (let i = 0; i < REDIS_REPLICAS; i++) run(["mkdir", "-p", join(root, `data-${i}`)]);
        for (let i = 0; i < REDIS_REPLICAS; i++) await startPod(i, "first");
    }, 45_000);

    afterAll(async () => {
        await cleanup();
        console.log(`[redis k8s loopback] ${(Date.now() - startedAt) / 1000} s`);
    });

    it("forms one master (pod 0) and two replicas, with the data tier's settings live", async () => {
        await waitFor("pods 1 and 2 to replicate pod 0", () => settled([0, 1, 2], 0), 15_000);
        const config = async (k: string) => {
            const r = await redisCmd(0, "CONFIG", "GET", k);
            return Array.isArray(r) ? String(r[1]) : undefined;
        };
        expect(await config("maxmemory")).toBe(String(Math.floor(INPUT.redis.memoryMb * 0.75) * MIB));
        expect(await config("maxmemory-policy")).toBe("volatile-lru");
        expect(await config("appendonly")).toBe("yes");
        expect(await config("save")).toBe("900 1 300 10 60 10000");
        // The replica announces the name the script was given (here 127.0.0.1).
        const info = String(await redisCmd(0, "INFO", "replication"));
        expect(info).toMatch(
            new RegExp(`slave0:ip=127\\.0\\.0\\.1,port=(${redisPorts[1]}|${redisPorts[2]})`),
        );
    });

    it("has every Sentinel agree on pod 0, see the other two Sentinels and both replicas", async () => {
        await waitFor(
            "the Sentinels to discover each other and the replicas",
            async () => {
                for (const port of sentinelPorts) {
                    const v = await sentinelView(port);
                    if (Number(v("port")) !== redisPorts[0]) return undefined;
                    if (Number(v("num-other-sentinels")) !== 2 || Number(v("num-slaves")) !== 2)
                        return undefined;
                }
                return true;
            },
            15_000,
        );
        for (const port of sentinelPorts) expect(await sentinelMaster(port)).toBe(redisPorts[0]);
    });

    it("answers the probes only with the right password, which no process has on its command line or in its environment", () => {
        const env = { ...envOf(1, "probe") };
        expect(probe(1, "redis", env)).toBe(true);
        const wrong = join(tempDir("wrong-secret"), "password");
        writeOwned(wrong, "not-the-password", 0o400);
        expect(run(argv("redis", true), { ...env, PASSWORD_FILE: wrong }, 10_000).status).not.toBe(0);
        for (const pod of pods)
            for (const p of [pod.redis, pod.sentinel]) {
                const pid = p?.pid;
                if (pid === undefined) throw new Error("no pid");
                expect(readFileSync(`/proc/${pid}/cmdline`, "utf8")).not.toContain(PASSWORD);
                expect(readFileSync(`/proc/${pid}/environ`, "utf8")).not.toContain(PASSWORD);
            }
    });

    it("fails over when pod 0 dies, and pod 0 restarted rejoins as a replica of the new master", async () => {
        expect(await redisCmd(0, "SET", "before", "1")).toBe("OK");
        expect(await redisCmd(0, "WAIT", "2", "2000")).toBe(2);
        for (const p of [pods[0]?.redis, pods[0]?.sentinel]) if (p) await stop(p, "SIGKILL");

        const live = sentinelPorts.slice(1);
        const promoted = await waitFor(
            "the remaining Sentinels to promote a replica",
            async () => {
                const views = await Promise.all(live.map(sentinelMaster));
                const [first] = views;
                return first !== undefined && first !== redisPorts[0] && views.every((v) => v === first)
                    ? first
                    : undefined;
            },
            SENTINEL_TIMING.downAfterMs + 20_000,
        );
        const newMaster = redisPorts.indexOf(promoted);
        expect([1, 2]).toContain(newMaster);
        await waitFor("the other replica to follow the new master", () => settled([1, 2], newMaster), 15_000);
        expect(await redisCmd(newMaster, "GET", "before")).toBe("1");
        expect(await redisCmd(newMaster, "SET", "after", "2")).toBe("OK");

        // Pod 0 comes back: same data volume, new in-memory run dirs, no memory of having been master.
        await startPod(0, "again");
        await waitFor("pod 0 to replicate the new master", () => settled([0, 1, 2], newMaster), 15_000);
        const roles = await Promise.all([0, 1, 2].map(role));
        expect(roles.filter((r) => r[0] === "master")).toHaveLength(1);
        expect(await redisCmd(0, "GET", "after")).toBe("2");
        await waitFor(
            "all three Sentinels, pod 0's new one too, to name the new master",
            async () => {
                const views = await Promise.all(sentinelPorts.map(sentinelMaster));
                return views.every((v) => v === promoted) ? true : undefined;
            },
            10_000,
        );
        expect(pods[0]?.redis?.log()).toContain(`starting as replica of 127.0.0.1:${promoted}`);
        // The restarted Sentinel is the same Sentinel to its peers (same name, same id), not a fourth one: a stale
        // entry would raise the majority a failover needs from 2 to 3 of the 3 that exist.
        await sleep(2500);
        const counts = await Promise.all(
            sentinelPorts.map(async (p) => (await sentinelView(p))("num-other-sentinels")),
        );
        expect(counts).toEqual(["2", "2", "2"]);
        for (const i of [1, 2]) expect(pods[i]?.sentinel?.log()).not.toContain("+sentinel-invalid-addr");
        expect(Date.now() - startedAt).toBeLessThan(60_000);
    }, 50_000);
});
