/**
 * HAProxy with the rendered config in front of two local HTTP backends, under a steady request loop: one
 * backend dies mid-loop, and after the health-check window (fall x inter) no request may fail at all.
 */
import { createServer, request, type Server } from "node:http";
import { createConnection } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderHaproxyConfig } from "../../core/render/app/haproxy";
import { cleanup, runOk, sleep, start, tempDir, waitFor, writeOwned } from "./support";

const LB_PORT = 25410;
const BACKEND_PORTS = [25411, 25412];
const INTERVAL_MS = 500;
const FALL = 2;

let backends: Server[];
let statsSocket: string;

/** `show stat` over the runtime API: each server's status as the health checks see it. */
function serverStatus(): Promise<Record<string, string>> {
    return new Promise((resolve, reject) => {
        let out = "";
        const sock = createConnection(statsSocket, () => sock.end("show stat\n"));
        sock.on("data", (d: Buffer) => (out += d.toString()));
        sock.on("error", reject);
        sock.on("close", () => {
            const rows = out.split("\n").filter((l) => l.startsWith("fleet,backend-"));
            resolve(Object.fromEntries(rows.map((l) => l.split(",")).map((f) => [f[1] ?? "", f[17] ?? ""])));
        });
    });
}
const measured: Record<string, unknown> = {};

function backend(name: string, port: number): Promise<Server> {
    const server = createServer((req, res) => {
        res.writeHead(200, { "content-type": "text/plain", connection: "close" });
        res.end(req.url === "/health" ? "ok" : name);
    });
    return new Promise((resolve) => server.listen(port, "127.0.0.1", () => resolve(server)));
}

function get(): Promise<boolean> {
    return new Promise((resolve) => {
        const req = request(
            { host: "127.0.0.1", port: LB_PORT, path: "/", agent: false, timeout: 2000 },
            (res) => {
                res.resume();
                res.on("end", () => resolve(res.statusCode === 200));
            },
        );
        req.on("error", () => resolve(false));
        req.on("timeout", () => req.destroy());
        req.end();
    });
}

beforeAll(async () => {
    backends = await Promise.all(BACKEND_PORTS.map((p, i) => backend(`backend-${i + 1}`, p)));
    const dir = tempDir("haproxy");
    const config = writeOwned(
        join(dir, "haproxy.cfg"),
        renderHaproxyConfig({
            bind: { address: "127.0.0.1", port: LB_PORT },
            backends: BACKEND_PORTS.map((port, i) => ({
                name: `backend-${i + 1}`,
                address: "127.0.0.1",
                port,
            })),
            health: {
                path: "/health",
                host: "api.example.com",
                tls: false,
                intervalMs: INTERVAL_MS,
                fall: FALL,
                rise: 2,
            },
            log: "stdout format raw",
            maxconn: 1000,
            statsSocket: (statsSocket = join(dir, "admin.sock")),
        }),
        0o644,
    );
    runOk(["haproxy", "-c", "-f", config]);
    const lb = start(["haproxy", "-db", "-f", config]);
    await waitFor("haproxy to serve", async () => ((await get()) ? true : undefined), 10_000).catch(
        (e: unknown) => {
            throw new Error(`${String(e)}\n${lb.log()}`);
        },
    );
});

afterAll(async () => {
    console.log(`[integration] haproxy: ${JSON.stringify(measured)}`);
    await Promise.all(backends.map((b) => new Promise((r) => b.close(r))));
    await cleanup();
});

describe("HAProxy from the rendered config", () => {
    it("passes the real config check and sees both backends healthy", async () => {
        expect(
            await waitFor(
                "both backends UP",
                async () => {
                    const s = await serverStatus();
                    return s["backend-1"] === "UP" && s["backend-2"] === "UP" ? s : undefined;
                },
                10_000,
            ),
        ).toEqual({ "backend-1": "UP", "backend-2": "UP" });
    });

    it("drops a dead backend within the health-check window and fails no request after it", async () => {
        const results: { at: number; ok: boolean }[] = [];
        const started = Date.now();
        let killedAt = 0;
        while (Date.now() - started < 6000) {
            if (killedAt === 0 && Date.now() - started > 1500) {
                const dead = backends[0] as Server;
                dead.close();
                dead.closeAllConnections();
                killedAt = Date.now();
            }
            results.push({ at: Date.now(), ok: await get() });
            await sleep(10);
        }
        const windowEnd = killedAt + FALL * INTERVAL_MS + INTERVAL_MS;
        const failedDuringWindow = results.filter(
            (r) => !r.ok && r.at >= killedAt && r.at < windowEnd,
        ).length;
        const failedAfterWindow = results.filter((r) => !r.ok && r.at >= windowEnd).length;
        const failedBefore = results.filter((r) => !r.ok && r.at < killedAt).length;
        measured["requests"] = results.length;
        measured["failedBeforeKill"] = failedBefore;
        measured["failedDuringHealthCheckWindow"] = failedDuringWindow;
        measured["failedAfterWindow"] = failedAfterWindow;
        measured["windowSeconds"] = (windowEnd - killedAt) / 1000;
        expect(await serverStatus()).toEqual({ "backend-1": "DOWN", "backend-2": "UP" });
        expect(results.length).toBeGreaterThan(100);
        expect(failedBefore).toBe(0);
        expect(failedAfterWindow).toBe(0);
    }, 30_000);
});
