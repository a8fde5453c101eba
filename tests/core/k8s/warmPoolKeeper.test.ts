/**
 * The real keeper program (core/k8s/keeper/keeper.mjs, run by node as the Deployment runs it) against a fake
 * Kubernetes API on 127.0.0.1: HTTPS with a certificate from a test CA that the keeper trusts through its CA file,
 * a bearer token checked on every request, pods listed by label selector, created with generateName, deleted and
 * merge-patched with resourceVersion preconditions (409 on a mismatch, as the API server answers), and quota
 * admission that refuses a pod past `pods` of the namespace's ResourceQuota. The keeper's config and the quotas are
 * what core/k8s/warmPool.ts builds, with a short interval.
 *
 * Proves: an empty pool fills to its target; a pod claimed by the claim protocol is replaced within a few passes;
 * a quota below the target is never passed, and a claimed pod keeps its slot; an evicted warm pod is deleted and
 * replaced; a failing API makes the keeper back off and recover; a CA it does not trust makes it create nothing;
 * SIGTERM stops it with exit code 0.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, request, type Server } from "node:https";
import type { IncomingMessage, ServerResponse } from "node:http";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { KubeObject } from "../../../core/k8s/objects";
import {
    agentPoolNamespace,
    claimPatch,
    keeperConfig,
    POOL_OBJECT_NAMES,
    WARM_LABEL,
    warmPoolObjects,
    warmSelector,
    type WarmPoolInput,
} from "../../../core/k8s/warmPool";
import { CA_EXTENSIONS, OpensslPki, SERVER_EXTENSIONS } from "../../helpers/opensslPki";

const KEEPER = resolve(__dirname, "../../../core/k8s/keeper/keeper.mjs");
const TOKEN = "keeper-test-token";
/** The application's token: its requests (the claims) are told apart from the keeper's. */
const APP_TOKEN = "app-test-token";
/** free: quota 100 pods, target 4; pro: quota 3 pods, below its target of 5. */
const INPUT: WarmPoolInput = {
    image: "ghcr.io/acme/agent:1.4.2",
    tiers: [
        { tier: "free", maxPods: 100, target: 4 },
        { tier: "pro", maxPods: 3, target: 5 },
    ],
    ingressNamespace: "traefik",
    claimer: { namespace: "app", serviceAccount: "api", podLabels: { "app.kubernetes.io/name": "api" } },
    intervalSeconds: 5,
};
const PERIOD_MS = 200;
/** "Within a few passes": generous enough for a loaded CI machine (the suite runs under nice -n 19). */
const FEW_PASSES_MS = PERIOD_MS * 10;
const FREE = agentPoolNamespace("free");
const PRO = agentPoolNamespace("pro");

interface Pod {
    metadata: {
        name: string;
        namespace: string;
        resourceVersion: string;
        creationTimestamp: string;
        labels: Record<string, string>;
        generateName?: string;
    };
    spec: unknown;
    status: { phase: string; reason?: string; conditions: { type: string; status: string }[] };
}

/** The fake API server's state and its record of what happened. */
class FakeApi {
    readonly pods = new Map<string, Map<string, Pod>>();
    readonly hard = new Map<string, Record<string, string>>();
    /** The most pods each namespace ever held at once. */
    readonly peak = new Map<string, number>();
    readonly log: string[] = [];
    failNext = 0;
    /** A quota status that lags: `used.pods` as reported, whatever the namespace holds. */
    readonly reportedUsed = new Map<string, string>();
    unauthorized = 0;
    private rv = 100;

    constructor(quotas: KubeObject[]) {
        for (const q of quotas) {
            const ns = q.metadata.namespace ?? "";
            this.hard.set(ns, (q["spec"] as { hard: Record<string, string> }).hard);
            this.pods.set(ns, new Map());
        }
    }

    private nextRv(): string {
        return String(++this.rv);
    }

    in(ns: string): Pod[] {
        return [...(this.pods.get(ns)?.values() ?? [])];
    }
    warm(ns: string): Pod[] {
        return this.in(ns).filter((p) => p.metadata.labels[WARM_LABEL] === "true");
    }
    private live(ns: string): Pod[] {
        return this.in(ns).filter((p) => p.status.phase !== "Failed" && p.status.phase !== "Succeeded");
    }

    /** Marks a pod evicted, as the kubelet reports it. */
    evict(ns: string, name: string): void {
        const p = this.pods.get(ns)?.get(name);
        if (!p) throw new Error(`no pod ${name}`);
        p.status = { phase: "Failed", reason: "Evicted", conditions: [{ type: "Ready", status: "False" }] };
        p.metadata.resourceVersion = this.nextRv();
    }

    handle(req: IncomingMessage, body: string, res: ServerResponse): void {
        const send = (code: number, o: unknown) => {
            res.writeHead(code, { "content-type": "application/json" });
            res.end(JSON.stringify(o));
        };
        const status = (code: number, reason: string, message: string) =>
            send(code, { kind: "Status", apiVersion: "v1", status: "Failure", code, reason, message });
        const who = { [`Bearer ${TOKEN}`]: "keeper", [`Bearer ${APP_TOKEN}`]: "app" }[
            req.headers.authorization ?? ""
        ];
        if (who === undefined) {
            this.unauthorized++;
            return status(401, "Unauthorized", "Unauthorized");
        }
        const url = new URL(req.url ?? "/", "https://127.0.0.1");
        if (who === "keeper") this.log.push(`${req.method} ${url.pathname}${url.search}`);
        if (who === "keeper" && this.failNext > 0) {
            this.failNext--;
            return status(500, "InternalError", "etcdserver: request timed out");
        }
        const m = /^\/api\/v1\/namespaces\/([^/]+)\/(pods|resourcequotas)(?:\/([^/]+))?$/.exec(url.pathname);
        const ns = m?.[1] ?? "";
        const pods = this.pods.get(ns);
        if (!m || !pods) return status(404, "NotFound", `${url.pathname} not found`);
        const [, , kind, name] = m;

        if (kind === "resourcequotas") {
            if (req.method !== "GET" || name !== POOL_OBJECT_NAMES.quota)
                return status(404, "NotFound", `resourcequotas "${name}" not found`);
            const hard = this.hard.get(ns) ?? {};
            return send(200, {
                kind: "ResourceQuota",
                metadata: { name, namespace: ns },
                spec: { hard },
                status: { hard, used: { pods: this.reportedUsed.get(ns) ?? String(this.live(ns).length) } },
            });
        }
        if (name === undefined && req.method === "GET") {
            const selector = (url.searchParams.get("labelSelector") ?? "")
                .split(",")
                .filter(Boolean)
                .map((term) => term.split("=") as [string, string]);
            const items = this.in(ns).filter((p) => selector.every(([k, v]) => p.metadata.labels[k] === v));
            return send(200, {
                kind: "PodList",
                apiVersion: "v1",
                metadata: { resourceVersion: String(this.rv) },
                items,
            });
        }
        if (name === undefined && req.method === "POST") {
            const pod = JSON.parse(body) as Pod;
            if (pod.metadata.namespace !== ns) return status(400, "BadRequest", "namespace does not match");
            // Quota admission: the API server refuses a pod past the namespace's hard pod count.
            const hardPods = Number(this.hard.get(ns)?.["pods"]);
            if (this.live(ns).length + 1 > hardPods)
                return status(
                    403,
                    "Forbidden",
                    `pods "x" is forbidden: exceeded quota: ${POOL_OBJECT_NAMES.quota}`,
                );
            const generated = `${pod.metadata.generateName ?? ""}${randomBytes(3).toString("hex").slice(0, 5)}`;
            pod.metadata = {
                ...pod.metadata,
                name: generated,
                resourceVersion: this.nextRv(),
                creationTimestamp: new Date().toISOString(),
            };
            // Pods start at once here; a real pool would show them Pending for the image pull.
            pod.status = { phase: "Running", conditions: [{ type: "Ready", status: "True" }] };
            pods.set(generated, pod);
            this.peak.set(ns, Math.max(this.peak.get(ns) ?? 0, this.live(ns).length));
            return send(201, pod);
        }
        const pod = name === undefined ? undefined : pods.get(name);
        if (!pod || name === undefined) return status(404, "NotFound", `pods "${name}" not found`);
        const conflict = () =>
            status(
                409,
                "Conflict",
                `Operation cannot be fulfilled on pods "${name}": the object has been modified; please apply your changes to the latest version and try again`,
            );
        if (req.method === "DELETE") {
            const pre = (JSON.parse(body || "{}") as { preconditions?: { resourceVersion?: string } })
                .preconditions;
            if (pre?.resourceVersion !== undefined && pre.resourceVersion !== pod.metadata.resourceVersion)
                return conflict();
            pods.delete(name);
            return send(200, pod);
        }
        if (req.method === "PATCH") {
            if (req.headers["content-type"] !== "application/merge-patch+json")
                return status(415, "UnsupportedMediaType", "use a merge patch");
            const patch = JSON.parse(body) as ReturnType<typeof claimPatch>;
            if (patch.metadata.resourceVersion !== pod.metadata.resourceVersion) return conflict();
            for (const [k, v] of Object.entries(patch.metadata.labels))
                if (v === null) delete pod.metadata.labels[k];
                else pod.metadata.labels[k] = v;
            pod.metadata.resourceVersion = this.nextRv();
            return send(200, pod);
        }
        return status(405, "MethodNotAllowed", String(req.method));
    }
}

let dir: string;
let pki: OpensslPki;
let server: Server;
let port: number;
let api: FakeApi;
const children: ChildProcess[] = [];

/** A request as the application sends it, trusting the test CA. */
function call(method: string, path: string, body?: unknown, contentType = "application/json") {
    return new Promise<{ status: number; body: Record<string, unknown> }>((done, fail) => {
        const payload = body === undefined ? undefined : JSON.stringify(body);
        const req = request(
            {
                host: "127.0.0.1",
                port,
                path,
                method,
                ca: pki.read("ca.crt"),
                headers: {
                    authorization: `Bearer ${APP_TOKEN}`,
                    ...(payload ? { "content-type": contentType } : {}),
                },
            },
            (res) => {
                let text = "";
                res.on("data", (d: Buffer) => (text += d.toString()));
                res.on("end", () =>
                    done({ status: res.statusCode ?? 0, body: JSON.parse(text) as Record<string, unknown> }),
                );
            },
        );
        req.on("error", fail);
        req.end(payload);
    });
}

/** Claims one warm pod of the tier the way the application does (list by selector, conditional merge patch). */
async function claim(tier: "free" | "pro", tenant: string): Promise<{ name: string; rv: string }> {
    const ns = agentPoolNamespace(tier);
    const list = await call(
        "GET",
        `/api/v1/namespaces/${ns}/pods?labelSelector=${encodeURIComponent(warmSelector(tier))}`,
    );
    const pod = (list.body["items"] as Pod[])[0];
    if (!pod) throw new Error(`no warm ${tier} pod to claim`);
    const { name, resourceVersion } = pod.metadata;
    const r = await call(
        "PATCH",
        `/api/v1/namespaces/${ns}/pods/${name}`,
        claimPatch(tenant, resourceVersion),
        "application/merge-patch+json",
    );
    expect(r.status).toBe(200);
    return { name, rv: resourceVersion };
}

interface Running {
    child: ChildProcess;
    lines: string[];
    exited: Promise<number | null>;
}

function startKeeper(caFile: string): Running {
    const config = keeperConfig(INPUT);
    const configFile = join(dir, `config-${children.length}.json`);
    writeFileSync(configFile, JSON.stringify({ ...config, intervalSeconds: PERIOD_MS / 1000 }));
    const child = spawn(process.execPath, [KEEPER], {
        env: {
            PATH: process.env["PATH"] ?? "",
            KUBERNETES_SERVICE_HOST: "127.0.0.1",
            KUBERNETES_SERVICE_PORT: String(port),
            KEEPER_CONFIG: configFile,
            KEEPER_TOKEN_FILE: join(dir, "token"),
            KEEPER_CA_FILE: caFile,
        },
        stdio: ["ignore", "pipe", "pipe"],
    });
    children.push(child);
    const lines: string[] = [];
    let rest = "";
    const collect = (d: Buffer) => {
        rest += d.toString();
        const parts = rest.split("\n");
        rest = parts.pop() ?? "";
        lines.push(...parts);
    };
    child.stdout?.on("data", collect);
    child.stderr?.on("data", collect);
    const exited = new Promise<number | null>((done) => child.on("exit", (code) => done(code)));
    return { child, lines, exited };
}

async function until(what: string, ok: () => boolean, ms: number, lines?: string[]): Promise<number> {
    const start = Date.now();
    while (!ok()) {
        if (Date.now() - start > ms)
            throw new Error(`${what}: not within ${ms} ms\n${(lines ?? []).slice(-20).join("\n")}`);
        await new Promise((r) => setTimeout(r, 25));
    }
    return Date.now() - start;
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "warm-pool-keeper-"));
    pki = new OpensslPki(dir);
    pki.selfSigned("ca", "fake-kube-ca", CA_EXTENSIONS);
    pki.issue("server", "kube-apiserver", "ca", SERVER_EXTENSIONS);
    pki.selfSigned("other-ca", "someone-else", CA_EXTENSIONS);
    writeFileSync(join(dir, "token"), `${TOKEN}\n`);
    api = new FakeApi(warmPoolObjects(INPUT).filter((o) => o.kind === "ResourceQuota"));
    server = createServer({ key: pki.read("server.key"), cert: pki.read("server.crt") }, (req, res) => {
        let body = "";
        req.on("data", (d: Buffer) => (body += d.toString()));
        req.on("end", () => api.handle(req, body, res));
    });
    // Port 0: the kernel picks a free port, with no window for another process to take it.
    await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
    const address = server.address();
    port = typeof address === "object" && address ? address.port : 0;
});

afterAll(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
    server.closeAllConnections();
    await new Promise<void>((done) => server.close(() => done()));
    rmSync(dir, { recursive: true, force: true });
});

describe("the keeper against a fake API server", () => {
    it("creates nothing and keeps trying when the API server's certificate is not from its CA", async () => {
        const k = startKeeper(pki.path("other-ca.crt"));
        await until(
            "a TLS error",
            () => k.lines.some((l) => /error: .*(certificate|self.signed|issuer)/i.test(l)),
            5000,
            k.lines,
        );
        expect(api.log).toEqual([]);
        k.child.kill("SIGTERM");
        expect(await k.exited).toBe(0);
    });

    it("fills, refills after claims and evictions, holds the quota, backs off, and stops on SIGTERM", async () => {
        const k = startKeeper(pki.path("ca.crt"));

        // An empty pool fills to its target; pro stops at its quota of 3, below the target of 5.
        await until("free filled to 4", () => api.warm(FREE).length === 4, 5000, k.lines);
        await until("pro filled to its quota", () => api.warm(PRO).length === 3, 5000, k.lines);
        await until(
            "a quota-full line",
            () =>
                k.lines.some((l) =>
                    /tier=pro .*quota agent-pool-quota admits no more warm pods \(pods hard 3\): warm 3\/5/.test(
                        l,
                    ),
                ),
            3000,
            k.lines,
        );
        expect(k.lines.filter((l) => /tier=free .*created pod warm-free-/.test(l))).toHaveLength(4);
        await sleep(PERIOD_MS * 4);
        expect(api.in(FREE)).toHaveLength(4);
        expect(api.in(PRO)).toHaveLength(3);

        // A claim by the protocol: the pod leaves the warm count, a replacement follows within a few passes.
        const claimed = await claim("free", "acme");
        const refill = await until(
            "free refilled after a claim",
            () => api.warm(FREE).length === 4,
            FEW_PASSES_MS,
            k.lines,
        );
        expect(refill).toBeLessThan(FEW_PASSES_MS);
        expect(api.in(FREE)).toHaveLength(5);
        const mine = api.pods.get(FREE)?.get(claimed.name);
        expect(mine?.metadata.labels).toMatchObject({ "phase-stacks/tenant": "acme" });
        expect(mine?.metadata.labels[WARM_LABEL]).toBeUndefined();

        // The loser of a race: the same listed resourceVersion a second time is a 409, and the pod stays acme's.
        const again = await call(
            "PATCH",
            `/api/v1/namespaces/${FREE}/pods/${claimed.name}`,
            claimPatch("globex", claimed.rv),
            "application/merge-patch+json",
        );
        expect(again.status).toBe(409);
        expect(api.pods.get(FREE)?.get(claimed.name)?.metadata.labels["phase-stacks/tenant"]).toBe("acme");

        // pro's quota is full: a claimed pod keeps its slot, so no replacement, ever past 3 pods.
        await claim("pro", "acme");
        await sleep(PERIOD_MS * 5);
        expect(api.in(PRO)).toHaveLength(3);
        expect(api.warm(PRO)).toHaveLength(2);
        // The tenant releases its pod: the slot is free again and the keeper fills it.
        const released = api.in(PRO).find((p) => p.metadata.labels[WARM_LABEL] === undefined);
        if (!released) throw new Error("no claimed pro pod");
        expect(
            (await call("DELETE", `/api/v1/namespaces/${PRO}/pods/${released.metadata.name}`)).status,
        ).toBe(200);
        await until("pro refilled after a release", () => api.warm(PRO).length === 3, FEW_PASSES_MS, k.lines);

        // An evicted warm pod is deleted and replaced; the claimed free pod is left alone.
        const victim = api.warm(FREE)[0]?.metadata.name ?? "";
        api.evict(FREE, victim);
        await until(
            "the evicted pod deleted",
            () => !api.pods.get(FREE)?.has(victim),
            FEW_PASSES_MS,
            k.lines,
        );
        await until(
            "free refilled after an eviction",
            () => api.warm(FREE).length === 4,
            FEW_PASSES_MS,
            k.lines,
        );
        expect(k.lines.some((l) => l.includes(`deleted pod ${victim}: failed (Evicted)`))).toBe(true);
        expect(api.pods.get(FREE)?.has(claimed.name)).toBe(true);

        // A failing API: the keeper logs, backs off, and recovers.
        api.failNext = 3;
        await until(
            "a back-off line",
            () => k.lines.some((l) => /backing off \d+ ms after 1 failed pass/.test(l)),
            3000,
            k.lines,
        );
        await claim("free", "initech");
        await until("free refilled after the errors", () => api.warm(FREE).length === 4, 5000, k.lines);

        // The quota's admission is the last word: with a lagging status and a pod the keeper cannot see (no tier
        // label), the keeper's POST is refused with 403, which it logs, and the namespace stays at its quota.
        const proPods = api.pods.get(PRO);
        const gone = api.warm(PRO)[0];
        if (!proPods || !gone) throw new Error("no pro pods");
        api.reportedUsed.set(PRO, "2");
        proPods.delete(gone.metadata.name);
        proPods.set("foreign", { ...gone, metadata: { ...gone.metadata, name: "foreign", labels: {} } });
        await until(
            "a refused create",
            () => k.lines.some((l) => /tier=pro .*quota refused a warm pod: .*exceeded quota/.test(l)),
            FEW_PASSES_MS,
            k.lines,
        );
        expect(api.in(PRO)).toHaveLength(3);

        // Never past the quota, never a bad token, and one log line per action.
        expect(api.peak.get(PRO)).toBe(3);
        expect(api.unauthorized).toBe(0);
        expect(api.log.filter((l) => l.startsWith("PATCH"))).toEqual([]);
        expect(k.lines.every((l) => l.startsWith("warm-pool: "))).toBe(true);

        // SIGTERM: the loop ends, exit code 0, promptly.
        const started = Date.now();
        k.child.kill("SIGTERM");
        expect(await k.exited).toBe(0);
        expect(Date.now() - started).toBeLessThan(3000);
        expect(k.lines.at(-1)).toBe("warm-pool: stopped");
    }, 30_000);
});
