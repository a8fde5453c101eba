/**
 * Authenticated Origin Pulls against the real Caddy: the origin config the hosts ship, on loopback, with a
 * test CA standing in for Cloudflare's origin-pull CA. Only a client holding a certificate from that CA is
 * served; the API's health path stays open for the load balancers' checks (which carry no certificate), and so
 * does phase 4's writable check, which answers 200 only while one of the region's role health endpoints says
 * "primary".
 */
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { request } from "node:https";
import { createServer as netServer } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderOriginCaddyConfig, WRITABLE_HEALTH_PATH } from "../../core/render/app/caddy";
import { WORKLOAD, tempDir } from "../render/fixtures";
import { CLIENT_EXTENSIONS, OpensslPki } from "../helpers/opensslPki";
import { requireTool } from "../helpers/tools";

const HOSTS = { app: "app.example.test", api: "api.example.test" };
const HEALTH = WORKLOAD.api.healthPath ?? "/";

/** A CA and a client certificate it signs, as files in `dir`. */
function clientPki(dir: string, name: string): { ca: string; cert: string; key: string } {
    const pki = new OpensslPki(dir);
    pki.selfSigned(`${name}-ca`, `${name} origin pull CA`);
    pki.issue(`${name}-client`, "origin-pull.cloudflare.net", `${name}-ca`, CLIENT_EXTENSIONS);
    return {
        ca: pki.path(`${name}-ca.crt`),
        cert: pki.path(`${name}-client.crt`),
        key: pki.path(`${name}-client.key`),
    };
}

function freePort(): Promise<number> {
    return new Promise((resolve) => {
        const s = netServer().listen(0, "127.0.0.1", () => {
            const port = (s.address() as { port: number }).port;
            s.close(() => resolve(port));
        });
    });
}

/** The parts of the rendered config the test moves onto loopback. */
interface LoopbackConfig {
    admin: unknown;
    apps: {
        http: { servers: { https: { listen: string[] }; http_redirect: { listen: string[] } } };
        tls: { certificates: { load_files: { certificate: string; key: string }[] } };
    };
}

let dir: string;
let caddy: ChildProcess;
let upstream: Server;
/** Two database nodes' role health endpoints; `primary` says which one answers 200 on /primary. */
const roleHealth = { primary: 1 as number | undefined, servers: [] as Server[], calls: [] as string[] };
let httpsPort: number;
let cloudflare: { ca: string; cert: string; key: string };
let stranger: { ca: string; cert: string; key: string };
let serverCert: string;

function get(host: string, path: string, client?: { cert: string; key: string }): Promise<number> {
    return new Promise((resolve, reject) => {
        const req = request(
            {
                host: "127.0.0.1",
                port: httpsPort,
                path,
                servername: host,
                headers: { Host: host },
                ca: readFile(serverCert),
                ...(client ? { cert: readFile(client.cert), key: readFile(client.key) } : {}),
            },
            (res) => {
                res.resume();
                resolve(res.statusCode ?? 0);
            },
        );
        req.on("error", reject);
        req.end();
    });
}
const readFile = (f: string): string => readFileSync(f, "utf8");

beforeAll(async () => {
    requireTool("caddy");
    requireTool("openssl");
    dir = tempDir("origin-pull");
    cloudflare = clientPki(dir, "cloudflare");
    stranger = clientPki(dir, "stranger");
    const originPki = new OpensslPki(dir);
    originPki.selfSigned("origin", HOSTS.app, `subjectAltName=DNS:${HOSTS.app},DNS:${HOSTS.api}\n`);
    serverCert = originPki.path("origin.crt");

    upstream = createServer((_, res) => res.end("ok"));
    await new Promise<void>((r) => upstream.listen(0, "127.0.0.1", r));
    const upstreamPort = (upstream.address() as { port: number }).port;
    const at = { host: "127.0.0.1", port: upstreamPort };
    const roleHealthAt: string[] = [];
    for (const node of [0, 1]) {
        const server = createServer((req, res) => {
            roleHealth.calls.push(`${node} ${req.url ?? ""}`);
            res.statusCode = req.url === "/primary" && roleHealth.primary === node ? 200 : 503;
            res.end(res.statusCode === 200 ? "primary" : "not primary");
        });
        await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
        roleHealth.servers.push(server);
        roleHealthAt.push(`127.0.0.1:${(server.address() as { port: number }).port}`);
    }
    const rendered = JSON.parse(
        renderOriginCaddyConfig(
            HOSTS,
            WORKLOAD,
            { local: [], remote: { frontend: at, api: at } },
            { originPullCaPem: readFile(cloudflare.ca), writableFrom: roleHealthAt },
        ),
    ) as LoopbackConfig;
    // Only what loopback needs changes: addresses and the certificate files' paths.
    httpsPort = await freePort();
    rendered.admin = { disabled: true };
    rendered.apps.http.servers.https.listen = [`127.0.0.1:${httpsPort}`];
    rendered.apps.http.servers.http_redirect.listen = [`127.0.0.1:${await freePort()}`];
    const [origin] = rendered.apps.tls.certificates.load_files;
    if (!origin) throw new Error("the rendered config loads no origin certificate");
    origin.certificate = serverCert;
    origin.key = originPki.path("origin.key");
    const config = join(dir, "caddy.json");
    writeFileSync(config, JSON.stringify(rendered));
    caddy = spawn("caddy", ["run", "--config", config], {
        env: { ...process.env, HOME: dir, XDG_DATA_HOME: dir, XDG_CONFIG_HOME: dir },
        stdio: "ignore",
    });
    for (let i = 0; i < 100; i++) {
        try {
            await get(HOSTS.api, HEALTH);
            return;
        } catch {
            await new Promise((r) => setTimeout(r, 100));
        }
    }
    throw new Error("caddy did not start serving on loopback");
}, 30_000);

afterAll(() => {
    caddy?.kill("SIGTERM");
    upstream?.close();
    for (const s of roleHealth.servers) s.close();
});

describe("the origin Caddy with Authenticated Origin Pulls", () => {
    it("serves a client holding a certificate from the origin-pull CA", async () => {
        expect(await get(HOSTS.api, "/v1/things", cloudflare)).toBe(200);
        expect(await get(HOSTS.app, "/", cloudflare)).toBe(200);
    });

    it("refuses a client without a certificate (anyone reaching the origin around Cloudflare)", async () => {
        expect(await get(HOSTS.api, "/v1/things")).toBe(403);
        expect(await get(HOSTS.app, "/")).toBe(403);
    });

    it("refuses a certificate from another CA during the handshake", async () => {
        await expect(get(HOSTS.api, "/v1/things", stranger)).rejects.toThrow();
    });

    it("leaves the API health path open for the load balancers' checks, and nothing else", async () => {
        expect(await get(HOSTS.api, HEALTH)).toBe(200);
        expect(await get(HOSTS.app, HEALTH)).toBe(403);
    });

    it("answers the writable check 200 while a node of the region is primary, 503 once none is", async () => {
        expect(await get(HOSTS.api, WRITABLE_HEALTH_PATH)).toBe(200);
        // Only the primary's endpoint answered the forwarded request, asked as /primary.
        expect(roleHealth.calls.filter((c) => c.endsWith("/primary")).length).toBeGreaterThan(0);
        expect(await get(HOSTS.app, WRITABLE_HEALTH_PATH)).toBe(403);
        roleHealth.primary = undefined; // a standby region, or the primary moved to another region
        const deadline = Date.now() + 15_000;
        let status = 200;
        while (status === 200 && Date.now() < deadline) {
            status = await get(HOSTS.api, WRITABLE_HEALTH_PATH);
            if (status === 200) await new Promise((r) => setTimeout(r, 250));
        }
        expect(status).toBe(503);
        roleHealth.primary = 0; // promoted here: the check passes again on the other node
        let back = 503;
        while (back !== 200 && Date.now() < deadline + 15_000) {
            back = await get(HOSTS.api, WRITABLE_HEALTH_PATH);
            if (back !== 200) await new Promise((r) => setTimeout(r, 250));
        }
        expect(back).toBe(200);
    }, 40_000);
});
