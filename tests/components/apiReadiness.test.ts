/**
 * The readiness gate against real HTTPS servers on 127.0.0.1 with certificates openssl issues: it passes once
 * /readyz answers 200 and presents the client certificate, gives up naming the server and the last reason, and
 * never passes an API whose certificate its CA did not sign, nor a port where nothing listens.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { createServer as createHttpServer } from "node:http";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TLSSocket } from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitForApiReady, type ApiEndpoint } from "../../components/k8s/apiReadiness";
import { CLIENT_EXTENSIONS, OpensslPki, SERVER_EXTENSIONS } from "../helpers/opensslPki";
import { requireTool } from "../helpers/tools";

const CLIENT_CN = "phase-stacks-admin";

let dir: string;
const servers: Server[] = [];

let pki: OpensslPki;
const get = (file: string): string => pki.read(file);

/** The gate's error, or a failure of the test when it passed. */
async function gateFailure(url: string, timeoutMs: number, reasons: string[]): Promise<Error> {
    const error = await waitForApiReady(endpoint(url), {
        timeoutMs,
        intervalMs: 100,
        onWait: (reason) => reasons.push(reason),
    }).then(
        () => undefined,
        (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(Error);
    return error as Error;
}

/** An API server that demands a client certificate the cluster CA signed, like k3s's. */
async function serve(
    serverCert: string,
    handler: (n: number, clientCn: string | undefined) => number,
): Promise<{ url: string; requests: () => number; clientCns: (string | undefined)[] }> {
    let requests = 0;
    const clientCns: (string | undefined)[] = [];
    const server = createServer(
        {
            cert: get(`${serverCert}.crt`),
            key: get(`${serverCert}.key`),
            ca: get("ca.crt"),
            requestCert: true,
            rejectUnauthorized: true,
        },
        (req, res) => {
            if (req.url !== "/readyz") {
                res.writeHead(404).end();
                return;
            }
            requests++;
            const subjectCn = (req.socket as TLSSocket).getPeerCertificate().subject?.CN;
            const cn = Array.isArray(subjectCn) ? subjectCn.join(",") : subjectCn;
            clientCns.push(cn);
            const status = handler(requests, cn);
            res.writeHead(status, { "content-type": "text/plain" }).end(status === 200 ? "ok" : "not ready");
        },
    );
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    return { url: `https://127.0.0.1:${port}`, requests: () => requests, clientCns };
}

const endpoint = (server: string): ApiEndpoint => ({
    server,
    caPem: get("ca.crt"),
    clientCertPem: get("client.crt"),
    clientKeyPem: get("client.key"),
});

beforeAll(() => {
    requireTool("openssl");
    dir = mkdtempSync(join(tmpdir(), "api-readiness-"));
    pki = new OpensslPki(dir);
    pki.selfSigned("ca", "cluster-ca");
    pki.issue("server", "kube-apiserver", "ca", SERVER_EXTENSIONS);
    pki.issue("client", CLIENT_CN, "ca", CLIENT_EXTENSIONS);
    pki.selfSigned("other-ca", "other-ca");
    pki.issue("other-server", "kube-apiserver", "other-ca", SERVER_EXTENSIONS);
}, 30_000);

afterAll(async () => {
    await Promise.all(
        servers.map(
            (s) =>
                new Promise<void>((resolve) => {
                    s.closeAllConnections();
                    s.close(() => resolve());
                }),
        ),
    );
    if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("waitForApiReady", () => {
    it("polls until /readyz answers 200, presenting the client certificate", async () => {
        const N = 3;
        const api = await serve("server", (n) => (n <= N ? 503 : 200));
        const reasons: string[] = [];
        const r = await waitForApiReady(endpoint(api.url), {
            timeoutMs: 5_000,
            intervalMs: 50,
            onWait: (reason) => reasons.push(reason),
        });
        expect(r.attempts).toBe(N + 1);
        expect(api.requests()).toBe(N + 1);
        expect(reasons).toEqual(Array(N).fill("/readyz answered 503"));
        expect(r.elapsedMs).toBeLessThan(5_000);
        expect(api.clientCns).toEqual(Array(N + 1).fill(CLIENT_CN));
    }, 10_000);

    it("gives up within the timeout, naming the server and the last reason", async () => {
        const api = await serve("server", () => 503);
        const reasons: string[] = [];
        const timeoutMs = 1_500;
        const { message } = await gateFailure(api.url, timeoutMs, reasons);
        expect(message).toContain(`the Kubernetes API at ${api.url} was not ready`);
        expect(message).toContain("last: /readyz answered 503");
        // Counted, not timed (a loaded CI machine stretches every handshake): the gate never starts an attempt
        // that its interval would carry past the timeout, so at most timeout / interval of them run.
        expect(api.requests()).toBeGreaterThan(1);
        expect(api.requests()).toBeLessThanOrEqual(timeoutMs / 100 + 1);
        expect(reasons.length).toBe(api.requests() - 1);
        expect(new Set(reasons)).toEqual(new Set(["/readyz answered 503"]));
        expect(api.clientCns.every((cn) => cn === CLIENT_CN)).toBe(true);
    }, 10_000);

    it("never passes an API whose certificate the cluster CA did not sign", async () => {
        // This server would answer 200 and accepts our client certificate: only its own certificate is wrong.
        const api = await serve("other-server", () => 200);
        const reasons: string[] = [];
        const { message } = await gateFailure(api.url, 600, reasons);
        expect(message).toContain(api.url);
        expect(message).toMatch(/last: [^)]*certificate/);
        expect(reasons.length).toBeGreaterThan(0);
        for (const reason of reasons) expect(reason).toMatch(/certificate/);
        expect(api.requests()).toBe(0);
    }, 10_000);

    it("fails when nothing listens, with ECONNREFUSED", async () => {
        // Take an ephemeral port and free it: nothing listens there afterwards.
        const probe = createHttpServer();
        await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
        const { port } = probe.address() as AddressInfo;
        await new Promise<void>((resolve) => probe.close(() => resolve()));
        const url = `https://127.0.0.1:${port}`;
        const reasons: string[] = [];
        const { message } = await gateFailure(url, 500, reasons);
        expect(message).toContain(`the Kubernetes API at ${url} was not ready`);
        expect(message).toMatch(/last: [^)]*ECONNREFUSED/);
        expect(reasons.length).toBeGreaterThan(0);
        for (const reason of reasons) expect(reason).toContain("ECONNREFUSED");
    }, 10_000);
});
