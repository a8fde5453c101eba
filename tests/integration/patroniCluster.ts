/**
 * A Patroni cluster on loopback for the real-server tests, from the rendered files: three etcd members and two
 * Patroni nodes on 127.0.0.1 with their own ports (25500-25549), TLS from a CA openssl makes here, and HAProxy
 * with the rendered role checks in front. Every process goes through support.ts, so cleanup() stops it.
 */
import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { request } from "node:https";
import { join } from "node:path";
import { etcdConfig, type EtcdMember } from "../../core/render/data/etcd";
import { tlsPathsIn, type ClusterTlsPaths } from "../../core/render/data/clusterTls";
import { toYaml } from "../../core/render/base/yaml";
import { requireTool } from "../helpers/tools";
import { asPostgres, runOk, start, writeOwned } from "./support";

export const APP = { user: "app", database: "app", password: "itest-app-password" } as const;
export const REST_PASSWORD = "itest-rest-password";

/** A CA and one certificate for 127.0.0.1 (every member's address here), as @pulumi/tls makes them per node. */
export function makeTls(dir: string): ClusterTlsPaths {
    const paths = tlsPathsIn(dir);
    const key = join(dir, "ca.key");
    const ossl = (args: string[]) => runOk([requireTool("openssl"), ...args]);
    const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];
    ossl([
        "req",
        "-x509",
        ...ec,
        "-keyout",
        key,
        "-out",
        paths.caFile,
        "-days",
        "1",
        "-subj",
        "/CN=itest CA",
    ]);
    ossl(["req", ...ec, "-keyout", paths.keyFile, "-out", join(dir, "node.csr"), "-subj", "/CN=itest node"]);
    const ext = writeOwned(
        join(dir, "node.ext"),
        "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\nkeyUsage=digitalSignature,keyAgreement\n",
    );
    ossl([
        "x509",
        "-req",
        "-in",
        join(dir, "node.csr"),
        "-CA",
        paths.caFile,
        "-CAkey",
        key,
        "-CAcreateserial",
        "-days",
        "1",
        "-extfile",
        ext,
        "-out",
        paths.certFile,
    ]);
    for (const f of [paths.caFile, paths.certFile, paths.keyFile])
        writeOwned(f, readFileSync(f, "utf8"), 0o600);
    return paths;
}

export const ETCD_MEMBERS: readonly EtcdMember[] = [1, 2, 3].map((i) => ({
    name: `etcd${i}`,
    address: "127.0.0.1",
    clientPort: 25530 + i,
    peerPort: 25540 + i,
}));

/** One etcd member of `members` (this suite's three, or a region's own) on the rendered config. */
export function startEtcd(
    dir: string,
    tls: ClusterTlsPaths,
    member: EtcdMember,
    members: readonly EtcdMember[] = ETCD_MEMBERS,
): ReturnType<typeof start> {
    const config = etcdConfig(
        {
            self: member,
            members,
            dataDir: join(dir, member.name),
            tls,
            heartbeatMs: 100,
            electionMs: 1000,
        },
        "new",
    );
    const file = writeOwned(join(dir, `${member.name}.yml`), toYaml(config), 0o644);
    return start(asPostgres([requireTool("etcd"), "--config-file", file]));
}

/** GET or POST on a Patroni REST API over TLS; status 0 when it does not answer. */
export function rest(
    tls: ClusterTlsPaths,
    port: number,
    path: string,
    body?: unknown,
): Promise<{ status: number; body: string }> {
    return new Promise((resolve) => {
        const req = request(
            {
                host: "127.0.0.1",
                port,
                path,
                method: body === undefined ? "GET" : "POST",
                ca: readFileSync(tls.caFile),
                // A switchover answers once it is done.
                timeout: body === undefined ? 2000 : 30_000,
                headers: body === undefined ? {} : { "content-type": "application/json" },
                auth: `patroni:${REST_PASSWORD}`,
            },
            (res) => {
                let data = "";
                res.on("data", (c: Buffer) => (data += c.toString()));
                res.on("end", () => resolve({ status: res.statusCode ?? 0, body: data }));
            },
        );
        req.on("timeout", () => req.destroy());
        req.on("error", () => resolve({ status: 0, body: "" }));
        req.end(body === undefined ? undefined : JSON.stringify(body));
    });
}

/** psql as the application over TCP, asynchronously (the write loop and probes must not block each other). */
export function appSql(port: number, sql: string, timeoutMs = 3000): Promise<{ ok: boolean; out: string }> {
    return new Promise((resolve) => {
        const child = spawn(
            "psql",
            ["-XAtq", "-h", "127.0.0.1", "-p", String(port), "-U", APP.user, "-d", APP.database, "-c", sql],
            {
                env: { ...process.env, PGPASSWORD: APP.password, PGCONNECT_TIMEOUT: "1" },
                stdio: ["ignore", "pipe", "pipe"],
            },
        );
        let out = "";
        child.stdout.on("data", (c: Buffer) => (out += c.toString()));
        child.stderr.on("data", (c: Buffer) => (out += c.toString()));
        const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
        child.on("close", (code) => {
            clearTimeout(timer);
            resolve({ ok: code === 0, out: out.trim() });
        });
    });
}

/** A node dying at once: Patroni, the postmaster and every backend get SIGKILL, nothing shuts down cleanly. */
export function killNode(patroniPid: number, dataDir: string): void {
    const pidFile = join(dataDir, "postmaster.pid");
    const postmaster = existsSync(pidFile) ? Number(readFileSync(pidFile, "utf8").split("\n")[0]) : NaN;
    const children = readdirSync("/proc")
        .filter((p) => /^\d+$/.test(p))
        .filter((p) => {
            try {
                return (
                    /^PPid:\s+(\d+)$/m.exec(readFileSync(`/proc/${p}/status`, "utf8"))?.[1] ===
                    String(postmaster)
                );
            } catch {
                return false;
            }
        })
        .map(Number);
    for (const pid of [patroniPid, postmaster, ...children])
        if (Number.isInteger(pid))
            try {
                process.kill(pid, "SIGKILL");
            } catch {
                // Already gone.
            }
}

/**
 * Inserts one row per write, each in its own connection and transaction, until stopped: which ids committed and
 * when each write ended, so the test can tell outages and lost rows apart.
 */
export function writeLoop(port: number): {
    /** Resolves at the first write that succeeds after `since`. */
    okAfter: (since: number, timeoutMs: number) => Promise<number>;
    /** Resolves once `count` writes have committed: a loaded machine commits fewer per second. */
    committedAtLeast: (count: number, timeoutMs: number) => Promise<void>;
    stop: () => Promise<{ committed: number[]; log: { at: number; ok: boolean }[] }>;
} {
    const committed: number[] = [];
    const log: { at: number; ok: boolean }[] = [];
    let running = true;
    const done = (async () => {
        for (let id = Date.now(); running; id++) {
            const r = await appSql(port, `INSERT INTO writes (id) VALUES (${id})`);
            log.push({ at: Date.now(), ok: r.ok });
            if (r.ok) committed.push(id);
            else await new Promise((res) => setTimeout(res, 50));
        }
    })();
    return {
        okAfter: async (since, timeoutMs) => {
            const deadline = Date.now() + timeoutMs;
            for (;;) {
                const w = log.find((x) => x.ok && x.at > since);
                if (w) return w.at;
                if (Date.now() > deadline) throw new Error(`no write succeeded within ${timeoutMs} ms`);
                await new Promise((res) => setTimeout(res, 100));
            }
        },
        committedAtLeast: async (count, timeoutMs) => {
            const deadline = Date.now() + timeoutMs;
            while (committed.length < count) {
                if (Date.now() > deadline)
                    throw new Error(
                        `only ${committed.length} of ${count} writes committed within ${timeoutMs} ms`,
                    );
                await new Promise((res) => setTimeout(res, 50));
            }
        },
        stop: async () => {
            running = false;
            await done;
            return { committed, log };
        },
    };
}
