/**
 * Patroni on loopback from the rendered files: 3 etcd members, 2 Patroni nodes (PostgreSQL 15, synchronous mode),
 * HAProxy with the rendered role checks in front, a write loop through the writer. Kills the leader (several
 * runs), switches over, and cuts the leader off from etcd; prints one `[integration] patroni:` line of numbers.
 * Timings are the test's (ttl 8 s, loop_wait 1 s); the servers' defaults are 30 s and 10 s.
 */
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderPatroniYml, type PatroniNodeSpec } from "../../core/render/data/patroni";
import { renderRoleProxyConfig } from "../../core/render/data/roleProxy";
import type { ClusterTlsPaths } from "../../core/render/data/clusterTls";
import type { EtcdMember } from "../../core/render/data/etcd";
import { requireTool, runTool } from "../helpers/tools";
import { appSql, ETCD_MEMBERS, killNode, makeTls, rest, startEtcd, writeLoop } from "./patroniCluster";
import { archiveEnv, NODES, patroniSpec, TIMINGS } from "./patroniNodes";
import { asPostgres, cleanup, run, sleep, start, stop, tempDir, waitFor, writeOwned } from "./support";

const WRITER = 25501;
const READER = 25502;
type Node = (typeof NODES)[number] & {
    dir: string;
    spec: PatroniNodeSpec;
    yml: string;
    proc?: ReturnType<typeof start>;
};

let tls: ClusterTlsPaths;
let env: NodeJS.ProcessEnv;
let haproxyCfg: string;
let etcdRoot: string;
const nodes: Node[] = [];
const etcd: ReturnType<typeof start>[] = [];
const measured: Record<string, unknown> = {};
const suiteStart = Date.now();

function startPatroni(n: Node): void {
    n.proc = start(asPostgres([requireTool("patroni"), n.yml]), env);
}

const status = async (n: Node, path: string) => (await rest(tls, n.restPort, path)).status;

async function leader(): Promise<Node> {
    return waitFor(
        "a Patroni leader",
        async () => {
            for (const n of nodes) if ((await status(n, "/primary")) === 200) return n;
            return undefined;
        },
        60_000,
    );
}

/** Waits until `n` is a streaming synchronous standby: the next failover may promote it. */
async function syncStandby(n: Node, timeoutMs = 60_000): Promise<void> {
    await waitFor(
        `${n.name} as synchronous standby`,
        async () => ((await status(n, "/sync")) === 200 ? true : undefined),
        timeoutMs,
    );
}

/** Writable means the server takes a write now: it answers and is not in recovery. */
async function writable(n: Node): Promise<boolean> {
    const r = await appSql(n.pgPort, "SELECT NOT pg_is_in_recovery()", 1500);
    return r.ok && r.out === "t";
}

/**
 * Whether `n` still takes writes, asked up to three times: one psql answering late on a loaded machine must not
 * read as a demotion. A demoted leader cannot become writable again while etcd has no quorum, so one yes is proof.
 */
async function stillWritable(n: Node): Promise<boolean> {
    for (let i = 0; i < 3; i++) {
        if (await writable(n)) return true;
        await sleep(300);
    }
    return false;
}

/** Patroni's own account of its leadership decisions, for a failure message. */
const leadershipLog = (n: Node) =>
    (n.proc?.log() ?? "")
        .split("\n")
        .filter((l) => /failsafe|demot|DCS|lock|Request failed|leader/i.test(l))
        .slice(-25)
        .join("\n");

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const seconds = (ms: number) => Math.round(ms / 100) / 10;

beforeAll(async () => {
    for (const tool of ["patroni", "etcd", "etcdctl", "haproxy", "openssl", "psql", "rclone"])
        requireTool(tool);
    const root = tempDir("patroni");
    etcdRoot = root;
    const bin = tempDir("patroni-bin");
    const secrets = tempDir("patroni-secrets");
    tls = makeTls(tempDir("patroni-tls"));
    env = archiveEnv(bin, tempDir("patroni-archive"));
    for (const m of ETCD_MEMBERS) etcd.push(startEtcd(root, tls, m));
    for (const n of NODES) {
        const dir = tempDir(n.name);
        const spec = patroniSpec(n, { dir, bin, secrets, tls, timings: TIMINGS });
        nodes.push({ ...n, dir, spec, yml: writeOwned(join(dir, "patroni.yml"), renderPatroniYml(spec)) });
    }
    haproxyCfg = writeOwned(
        join(root, "haproxy.cfg"),
        renderRoleProxyConfig({
            nodes: nodes.map((n) => ({
                name: n.name,
                address: "127.0.0.1",
                port: n.pgPort,
                restPort: n.restPort,
            })),
            writer: { address: "127.0.0.1", port: WRITER },
            reader: { address: "127.0.0.1", port: READER },
            readerMaxLagBytes: 16 * 1024 * 1024,
            caFile: tls.caFile,
            health: { intervalMs: 500, fastIntervalMs: 250, fall: 2, rise: 1 },
            log: "stdout format raw",
            maxconn: 200,
        }),
        0o644,
    );
    const [first, second] = nodes as [Node, Node];
    startPatroni(first);
    await waitFor(
        "pg1 bootstrapped as primary",
        async () => ((await status(first, "/primary")) === 200 ? true : undefined),
        90_000,
    ).catch((e: unknown) => {
        throw new Error(`${String(e)}\n${first.proc?.log().slice(-4000)}`);
    });
    startPatroni(second);
    await syncStandby(second, 90_000).catch((e: unknown) => {
        throw new Error(`${String(e)}\n${second.proc?.log().slice(-4000)}`);
    });
    start([requireTool("haproxy"), "-db", "-f", haproxyCfg]);
    await waitFor(
        "the writer endpoint",
        async () =>
            (await appSql(WRITER, "CREATE TABLE IF NOT EXISTS writes (id bigint PRIMARY KEY)")).ok
                ? true
                : undefined,
        30_000,
    );
    measured["setupSeconds"] = seconds(Date.now() - suiteStart);
}, 180_000);

afterAll(async () => {
    measured["suiteSeconds"] = seconds(Date.now() - suiteStart);
    console.log(`[integration] patroni: ${JSON.stringify(measured)}`);
    // Patroni starts PostgreSQL in a session of its own: stopping Patroni alone would leave the postmaster running.
    for (const n of nodes) killNode(n.proc?.pid ?? NaN, join(n.dir, "data"));
    await cleanup();
});

describe("Patroni and etcd from the rendered files", () => {
    it("every rendered file passes its reader: patroni --validate-config, haproxy -c, etcd started on its config", () => {
        // 3.0.2's validator refuses 127.0.0.1 as a connect address and a listen port in use: the same render on
        // 127.0.0.2, where nothing listens, is what a server's file looks like to it.
        for (const n of nodes) {
            const yml = writeOwned(
                join(n.dir, "validate.yml"),
                renderPatroniYml({ ...n.spec, address: "127.0.0.2" }),
            );
            const r = run([requireTool("patroni"), "--validate-config", yml]);
            expect(r.output, n.name).toBe("");
            expect(r.status, n.name).toBe(0);
        }
        const h = runTool("haproxy", ["-c", "-f", haproxyCfg]);
        expect(h.status, h.output).toBe(0);
        expect(etcd.every((e) => e.exitCode === null)).toBe(true);
    });

    it("has exactly one primary, the other node its synchronous standby, and the reader on the replica", async () => {
        const primaries: string[] = [];
        for (const n of nodes) if ((await status(n, "/primary")) === 200) primaries.push(n.name);
        expect(primaries).toHaveLength(1);
        const replica = nodes.find((n) => n.name !== primaries[0]) as Node;
        expect(await status(replica, "/sync")).toBe(200);
        expect(await status(replica, "/replica?lag=16MB")).toBe(200);
        await waitFor(
            "a read through the reader",
            async () => {
                const r = await appSql(READER, "SELECT pg_is_in_recovery()");
                return r.ok && r.out === "t" ? true : undefined;
            },
            15_000,
        );
    });

    it("fails over when the leader dies: writes resume, no committed row is lost, the old leader rejoins", async () => {
        const failover: number[] = [];
        const rejoin: number[] = [];
        let lost = 0;
        let rewound = 0;
        for (let run = 0; run < 3; run++) {
            const old = await leader();
            const successor = nodes.find((n) => n !== old) as Node;
            await syncStandby(successor);
            const writes = writeLoop(WRITER);
            await sleep(1000);
            const killedAt = Date.now();
            killNode(old.proc?.pid as number, join(old.dir, "data"));
            const resumedAt = await writes.okAfter(killedAt + 200, 60_000);
            await sleep(500);
            const { committed } = await writes.stop();
            failover.push(resumedAt - killedAt);
            const present = new Set(
                (await appSql(WRITER, "SELECT id FROM writes")).out.split("\n").map(Number),
            );
            lost += committed.filter((id) => !present.has(id)).length;

            const restartedAt = Date.now();
            startPatroni(old);
            await waitFor(
                `${old.name} rejoined as a replica`,
                async () => ((await status(old, "/replica")) === 200 ? true : undefined),
                60_000,
            ).catch((e: unknown) => {
                throw new Error(`${String(e)}\n${old.proc?.log().slice(-4000)}`);
            });
            rejoin.push(Date.now() - restartedAt);
            if (/pg_rewind/.test(old.proc?.log() ?? "")) rewound++;
        }
        Object.assign(measured, {
            failoverSeconds: failover.map(seconds),
            failoverMedianSeconds: seconds(median(failover)),
            rowsLost: lost,
            rejoinSeconds: rejoin.map(seconds),
            rejoinsThroughPgRewind: rewound,
        });
        expect(lost).toBe(0);
    });

    it("switches over with no failed write outside the measured pause", async () => {
        const old = await leader();
        const candidate = nodes.find((n) => n !== old) as Node;
        await syncStandby(candidate);
        const writes = writeLoop(WRITER);
        await sleep(1000);
        const asked = Date.now();
        const r = await rest(tls, old.restPort, "/switchover", {
            leader: old.name,
            candidate: candidate.name,
        });
        expect(r.status, r.body).toBe(200);
        await waitFor(
            "the candidate leading",
            async () => ((await status(candidate, "/primary")) === 200 ? true : undefined),
            30_000,
        );
        await sleep(1500);
        const { log } = await writes.stop();
        // The pause is the longest stretch between two successful writes; every failed write must fall inside it.
        const oks = log.filter((w) => w.ok && w.at >= asked).map((w) => w.at);
        let gap = { from: asked, to: oks[0] ?? asked };
        for (let i = 1; i < oks.length; i++)
            if ((oks[i] as number) - (oks[i - 1] as number) > gap.to - gap.from)
                gap = { from: oks[i - 1] as number, to: oks[i] as number };
        const failed = log.filter((w) => !w.ok);
        Object.assign(measured, {
            switchoverPauseSeconds: seconds(gap.to - gap.from),
            switchoverFailedWrites: failed.length,
        });
        expect(failed.filter((w) => w.at < gap.from || w.at > gap.to)).toEqual([]);
        await waitFor(
            `${old.name} back as a replica`,
            async () => ((await status(old, "/replica")) === 200 ? true : undefined),
            30_000,
        );
    });

    it("cut off from etcd, the leader stays while every member confirms it (failsafe) and demotes once one cannot", async () => {
        const old = await leader();
        const other = nodes.find((n) => n !== old) as Node;
        const probes: number[] = [];
        let probing = true;
        const probe = (async () => {
            while (probing) {
                const w = await Promise.all(nodes.map(writable));
                probes.push(w.filter(Boolean).length);
                await sleep(100);
            }
        })();
        // Every member stopped: no node can read or refresh the leader key. (With two of three stopped, the
        // survivor sometimes answers with an error Patroni 3.0.2 takes for a failed lock update rather than an
        // outage, and it demotes at once: a race of the test's partition, seen on a loaded CI machine.)
        const stopped = [etcd[0], etcd[1], etcd[2]] as ReturnType<typeof start>[];
        await Promise.all(stopped.map((e) => stop(e)));
        await sleep((TIMINGS.ttlSeconds + 2) * 1000);
        const heldThroughTtl = await stillWritable(old);
        const heldLog = heldThroughTtl ? "" : leadershipLog(old);
        other.proc?.kill("SIGSTOP");
        const isolatedAt = Date.now();
        await waitFor(
            `${old.name} demoting itself`,
            async () => ((await writable(old)) ? undefined : true),
            (TIMINGS.ttlSeconds + 10) * 1000,
        );
        const demoted = Date.now() - isolatedAt;
        other.proc?.kill("SIGCONT");
        probing = false;
        await probe;
        for (const i of [0, 1, 2]) etcd[i] = startEtcd(etcdRoot, tls, ETCD_MEMBERS[i] as EtcdMember);
        await leader();
        Object.assign(measured, {
            partition: {
                leaderHeldWithoutEtcdSeconds: TIMINGS.ttlSeconds + 2,
                heldThroughTtl,
                demotedSecondsAfterPeerLost: seconds(demoted),
                maxWritableAtOnce: Math.max(...probes),
                probes: probes.length,
            },
        });
        expect(heldThroughTtl, `${old.name} demoted within the TTL; its log:\n${heldLog}`).toBe(true);
        // With no etcd quorum no other node can take the leader key, so what bounds the old leader is one failed
        // cycle: a DCS attempt (retry_timeout), the failsafe call its silent peer never answers, and the loop
        // wait, on top of the TTL it may hold the key for. Measured 2.2-9.4 s with ttl 8 on two shared cores.
        const { ttlSeconds, retryTimeoutSeconds, loopWaitSeconds } = TIMINGS;
        expect(demoted).toBeLessThanOrEqual((ttlSeconds + retryTimeoutSeconds + loopWaitSeconds) * 1000);
        expect(Math.max(...probes)).toBeLessThanOrEqual(1);
    });
});
