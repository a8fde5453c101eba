/**
 * A real blackbox_exporter started on the rendered config, probing a local HTTP server and a closed port:
 * what Prometheus's uptime jobs would read back as `probe_success`.
 */
import { createServer, type Server } from "node:http";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PROBE_MODULES, renderBlackboxConfig } from "../../core/render/monitoring/uptime";
import { cleanup, start, tempDir, waitForHttp, writeOwned } from "./support";

const EXPORTER_PORT = 25650;
const ORIGIN_PORT = 25651;
const CLOSED_PORT = 25652;
const API_HOST = "api.example.com";

let origin: Server;

async function probe(module: string, target: string, hostname?: string): Promise<number> {
    const host = hostname ? `&hostname=${encodeURIComponent(hostname)}` : "";
    const url = `http://127.0.0.1:${EXPORTER_PORT}/probe?module=${module}&target=${encodeURIComponent(target)}${host}`;
    const body = await (await fetch(url, { signal: AbortSignal.timeout(15_000) })).text();
    const m = /^probe_success (\d)$/m.exec(body);
    if (!m) throw new Error(`no probe_success in the exporter's answer:\n${body}`);
    return Number(m[1]);
}

beforeAll(async () => {
    // Like the origin's Caddy, it serves its health path only under the API's hostname.
    origin = createServer((req, res) => {
        res.statusCode = req.url === "/health" && req.headers.host !== API_HOST ? 403 : 200;
        res.end("ok");
    }).listen(ORIGIN_PORT, "127.0.0.1");
    const config = writeOwned(join(tempDir("blackbox"), "blackbox.yml"), renderBlackboxConfig(), 0o644);
    const exporter = start([
        "prometheus-blackbox-exporter",
        `--config.file=${config}`,
        `--web.listen-address=127.0.0.1:${EXPORTER_PORT}`,
    ]);
    await waitForHttp(`http://127.0.0.1:${EXPORTER_PORT}/-/healthy`, exporter);
});

afterAll(async () => {
    origin?.close();
    await cleanup();
});

describe("blackbox_exporter on the rendered config", () => {
    it("reports an answering origin as up", async () => {
        expect(await probe(PROBE_MODULES.origin, `http://127.0.0.1:${ORIGIN_PORT}/`)).toBe(1);
    });

    it("reports a server that does not answer as down", async () => {
        expect(await probe(PROBE_MODULES.origin, `http://127.0.0.1:${CLOSED_PORT}/`)).toBe(0);
    });

    it("sends the origin job's hostname parameter as the Host header, which an origin probed by address needs", async () => {
        const target = `http://127.0.0.1:${ORIGIN_PORT}/health`;
        expect(await probe(PROBE_MODULES.origin, target, API_HOST)).toBe(1);
        expect(await probe(PROBE_MODULES.origin, target)).toBe(0);
    });

    it("fails the public probe of a URL served without TLS", async () => {
        expect(await probe(PROBE_MODULES.public, `http://127.0.0.1:${ORIGIN_PORT}/`)).toBe(0);
    });
});
