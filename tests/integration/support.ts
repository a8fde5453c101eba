/**
 * Helpers for the real-server tests: loopback only, fixed ports from 25400 up (below Linux's ephemeral range,
 * 32768-60999, so no outgoing connection of another test can hold one), every process and temp dir
 * registered so `cleanup()` removes them even when a test fails. Postgres refuses to run as root, so its
 * commands run with the `postgres` user's uid when the tests run as root, as CI does.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import {
    chmodSync,
    chownSync,
    closeSync,
    existsSync,
    mkdtempSync,
    openSync,
    readFileSync,
    rmSync,
    writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { toYaml } from "../../core/render/base/yaml";
import { requireTool } from "../helpers/tools";

export const PG_BIN = "/usr/lib/postgresql/15/bin";

const processes: ChildProcess[] = [];
const dirs: string[] = [];

const isRoot = process.getuid?.() === 0;

function postgresIds(): { uid: number; gid: number } {
    const id = (flag: string) =>
        Number(spawnSync("id", [flag, "postgres"], { encoding: "utf8" }).stdout.trim());
    return { uid: id("-u"), gid: id("-g") };
}

/** A temp dir the postgres user owns (when root), removed by cleanup(). */
export function tempDir(prefix: string): string {
    const dir = mkdtempSync(join(tmpdir(), `phase-stacks-${prefix}-`));
    dirs.push(dir);
    if (isRoot) {
        const { uid, gid } = postgresIds();
        chownSync(dir, uid, gid);
    }
    chmodSync(dir, 0o700);
    return dir;
}

/** Writes a file the postgres user can read (and owns, when root). */
export function writeOwned(path: string, content: string, mode = 0o600): string {
    writeFileSync(path, content, { mode });
    if (isRoot) {
        const { uid, gid } = postgresIds();
        chownSync(path, uid, gid);
    }
    return path;
}

/** Marks argv to run as the postgres user (when we are root): spawned with its uid, so a kill reaches the server itself. */
export function asPostgres(argv: readonly string[]): string[] {
    return isRoot ? [AS_POSTGRES, ...argv] : [...argv];
}

const AS_POSTGRES = "\0postgres";

function spawnArgs(argv: readonly string[]): {
    cmd: string;
    args: string[];
    ids: { uid?: number; gid?: number };
} {
    const [first, ...rest] = argv;
    if (first !== AS_POSTGRES) return { cmd: first as string, args: rest, ids: {} };
    const [cmd, ...args] = rest;
    // HOME and the cwd must be somewhere the postgres user may enter.
    return { cmd: cmd as string, args, ids: postgresIds() };
}

export interface RunResult {
    readonly status: number | null;
    readonly output: string;
}

export function run(
    argv: readonly string[],
    env: NodeJS.ProcessEnv = {},
    timeoutMs = 60_000,
    input?: string,
): RunResult {
    const { cmd, args, ids } = spawnArgs(argv);
    const r = spawnSync(cmd, args, {
        ...ids,
        cwd: tmpdir(),
        env: { ...process.env, HOME: tmpdir(), ...env },
        input,
        encoding: "utf8",
        timeout: timeoutMs,
    });
    return {
        status: r.status,
        output: `${r.stdout ?? ""}${r.stderr ?? ""}${r.error ? String(r.error) : ""}`,
    };
}

export function runOk(argv: readonly string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 60_000): string {
    const r = run(argv, env, timeoutMs);
    if (r.status !== 0)
        throw new Error(
            `${argv.filter((a) => a !== AS_POSTGRES).join(" ")} exited ${r.status}:\n${r.output}`,
        );
    return r.output;
}

/**
 * Starts a long-running process with its output in a file, not a pipe: the tests block the event loop in
 * spawnSync, and a server whose stderr pipe fills up would hang on its next log line.
 */
export function start(
    argv: readonly string[],
    env: NodeJS.ProcessEnv = {},
): ChildProcess & { log: () => string } {
    const { cmd, args, ids } = spawnArgs(argv);
    requireTool(cmd);
    const logDir = mkdtempSync(join(tmpdir(), "phase-stacks-log-"));
    dirs.push(logDir);
    const logFile = join(logDir, "output.log");
    const fd = openSync(logFile, "a");
    const child = spawn(cmd, args, {
        ...ids,
        cwd: tmpdir(),
        env: { ...process.env, HOME: tmpdir(), ...env },
        stdio: ["ignore", fd, fd],
    });
    closeSync(fd);
    processes.push(child);
    return Object.assign(child, { log: () => (existsSync(logFile) ? readFileSync(logFile, "utf8") : "") });
}

export function stop(child: ChildProcess, signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
    return new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill(signal);
    });
}

export async function cleanup(): Promise<void> {
    await Promise.all(processes.splice(0).map((p) => Promise.race([stop(p, "SIGKILL"), sleep(5000)])));
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Polls until `probe` returns a value (not undefined) or the deadline passes. */
export async function waitFor<T>(
    what: string,
    probe: () => T | undefined | Promise<T | undefined>,
    timeoutMs: number,
): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
        const v = await probe();
        if (v !== undefined) return v;
        if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
        await sleep(100);
    }
}

/** Waits until `url` answers 2xx; on timeout the error carries the end of `server`'s log. */
export async function waitForHttp(
    url: string,
    server: ReturnType<typeof start>,
    timeoutMs = 20_000,
): Promise<void> {
    await waitFor(
        url,
        async () => {
            try {
                return (await fetch(url)).ok || undefined;
            } catch {
                return undefined;
            }
        },
        timeoutMs,
    ).catch((e: Error) => {
        throw new Error(`${e.message}; its log:\n${server.log().slice(-3000)}`);
    });
}

/** Waits until PostgreSQL accepts connections on 127.0.0.1:`port`; on timeout the error carries its log's end. */
export async function waitForPostgres(
    port: number,
    server: ReturnType<typeof start>,
    timeoutMs = 30_000,
): Promise<void> {
    try {
        await waitFor(
            `postgres on ${port}`,
            () =>
                run([`${PG_BIN}/pg_isready`, "-q", "-h", "127.0.0.1", "-p", String(port)]).status === 0
                    ? true
                    : undefined,
            timeoutMs,
        );
    } catch (e) {
        throw new Error(`${String(e)}\n${server.log().slice(-3000)}`);
    }
}

/** PostgreSQL on `dataDir` (initdb'd), on 127.0.0.1:`port` and a socket in `socketDir`, with extra `-c` settings. */
export function startLoopbackPostgres(
    dataDir: string,
    socketDir: string,
    port: number,
    settings: readonly string[] = [],
): ReturnType<typeof start> {
    const args = ["-D", dataDir, "-p", String(port), "-k", socketDir, "-c", "listen_addresses=127.0.0.1"];
    return start(asPostgres([`${PG_BIN}/postgres`, ...args, ...settings.flatMap((s) => ["-c", s])]));
}

/** Runs one statement as the postgres superuser over the server's socket in `socketDir`; its trimmed output. */
export function superSql(socketDir: string, port: number, sql: string, db = "postgres"): string {
    return runOk(
        asPostgres([
            `${PG_BIN}/psql`,
            "-XAtq",
            "-h",
            socketDir,
            "-p",
            String(port),
            "-U",
            "postgres",
            "-d",
            db,
            "-c",
            sql,
        ]),
    ).trim();
}

/** Writes a rendered script where the postgres user can run it. */
export function script(dir: string, name: string, content: string): string {
    return writeOwned(join(dir, name), content, 0o755);
}

/**
 * A real Prometheus on loopback on a rendered config, scraping and evaluating every second instead of the shipped
 * 15 s so that a test waits seconds; promtool checks the config first.
 */
export async function startPrometheus(
    root: string,
    port: number,
    config: { readonly global: Record<string, unknown> },
): Promise<ReturnType<typeof start>> {
    const configFile = writeOwned(
        join(root, "prometheus.yml"),
        toYaml({ ...config, global: { ...config.global, scrape_interval: "1s", evaluation_interval: "1s" } }),
        0o644,
    );
    runOk(["promtool", "check", "config", configFile]);
    const prometheus = start([
        "prometheus",
        `--config.file=${configFile}`,
        `--storage.tsdb.path=${join(root, "tsdb")}`,
        `--web.listen-address=127.0.0.1:${port}`,
    ]);
    await waitForHttp(`http://127.0.0.1:${port}/-/ready`, prometheus);
    return prometheus;
}

/** Debian's Alertmanager on `configFile`, alone (no gossip port, no peers), ready on 127.0.0.1:`port`. */
export async function startAlertmanager(configFile: string, storage: string, port: number) {
    const alertmanager = start([
        "prometheus-alertmanager",
        `--config.file=${configFile}`,
        `--storage.path=${storage}`,
        `--web.listen-address=127.0.0.1:${port}`,
        "--cluster.listen-address=",
    ]);
    await waitForHttp(`http://127.0.0.1:${port}/-/ready`, alertmanager);
    return alertmanager;
}
