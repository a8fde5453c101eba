/**
 * The warm-pool keeper of phase 5: a dependency-free Node program that runs in the cluster as the
 * `agents-warm/warm-pool-keeper` Deployment (core/k8s/warmPool.ts builds its objects and its config, and mounts this
 * file from a ConfigMap). Every pass it lists each tier's pool pods, reads the pool namespace's ResourceQuota and
 * acts on what `decide` returns: it creates warm pods up to the tier's target, deletes failed or evicted warm pods,
 * replaces warm pods of an outdated template, and never creates a pod the quota has no room for.
 *
 * It only creates and deletes pods; it never changes a label. The application claims a pod by a merge patch with a
 * resourceVersion precondition (protocol in core/k8s/warmPool.ts); the keeper's deletes carry the same precondition,
 * so a pod claimed between the keeper's list and its delete gets a 409 and survives.
 *
 * Environment (defaults are the in-cluster ones):
 *   KEEPER_CONFIG       the JSON config (/etc/warm-pool-keeper/config.json)
 *   KEEPER_TOKEN_FILE   the ServiceAccount token, re-read every pass: the kubelet rotates projected tokens
 *   KEEPER_CA_FILE      the cluster CA that signs the API server's certificate
 *   KUBERNETES_SERVICE_HOST, KUBERNETES_SERVICE_PORT   the API server (set by the kubelet in every pod)
 * SIGTERM or SIGINT ends the loop after the request in flight; the exit code is then 0.
 *
 * Pure parts (`parseQuantity`, `podUsage`, `quotaRoom`, `decide`) are exported and imported by the tests; running
 * the file as a program starts the loop.
 */
import { readFileSync } from "node:fs";
import { request } from "node:https";
import { pathToFileURL } from "node:url";

const SA_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";
const REQUEST_TIMEOUT_MS = 10_000;
const MAX_BACKOFF_MS = 300_000;
/** Phases a pod never leaves; an evicted pod is Failed with reason Evicted. */
const TERMINAL = new Set(["Failed", "Succeeded"]);
/** Waiting reasons a warm pod does not recover from by itself: it is replaced, as a failed one is. */
const STUCK = new Set([
    "CrashLoopBackOff",
    "ImagePullBackOff",
    "ErrImagePull",
    "InvalidImageName",
    "CreateContainerConfigError",
]);

const SUFFIX = {
    n: 1e-9,
    u: 1e-6,
    m: 1e-3,
    "": 1,
    k: 1e3,
    M: 1e6,
    G: 1e9,
    T: 1e12,
    P: 1e15,
    E: 1e18,
    Ki: 2 ** 10,
    Mi: 2 ** 20,
    Gi: 2 ** 30,
    Ti: 2 ** 40,
    Pi: 2 ** 50,
    Ei: 2 ** 60,
};

/** A Kubernetes quantity ("250m", "512Mi", "3") as a number of cores, bytes or objects; undefined if malformed. */
export function parseQuantity(q) {
    if (typeof q === "number") return Number.isFinite(q) && q >= 0 ? q : undefined;
    if (typeof q !== "string") return undefined;
    const m = /^([0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)([a-zA-Z]{0,2})$/.exec(q.trim());
    if (!m) return undefined;
    const factor = SUFFIX[m[2]];
    return factor === undefined ? undefined : Number(m[1]) * factor;
}

/** Whether a pod still holds quota: not in a terminal phase (pods being deleted still hold it until gone). */
const holdsQuota = (pod) => !TERMINAL.has(pod?.status?.phase);

/**
 * What one pod charges against the quota keys the keeper judges: `pods`, `requests.*` and `limits.*` of cpu and
 * memory (`cpu` and `memory` alone are requests), summed over its containers.
 */
export function podUsage(pod) {
    const sum = (kind, resource) =>
        (pod?.spec?.containers ?? []).reduce(
            (n, c) => n + (parseQuantity(c?.resources?.[kind]?.[resource]) ?? 0),
            0,
        );
    const requestsCpu = sum("requests", "cpu");
    const requestsMemory = sum("requests", "memory");
    return {
        pods: 1,
        cpu: requestsCpu,
        memory: requestsMemory,
        "requests.cpu": requestsCpu,
        "requests.memory": requestsMemory,
        "limits.cpu": sum("limits", "cpu"),
        "limits.memory": sum("limits", "memory"),
    };
}

/**
 * How many more pods like `template` the quota admits: for every judged key in hard, (hard - used) / per-pod,
 * where used is the larger of the quota's status (the controller's count, which lags) and what the listed pods
 * hold. `null` quota (not found) admits none: the keeper never creates pods no quota caps.
 */
export function quotaRoom(quota, template, listed) {
    if (!quota) return { room: 0, limitedBy: "no ResourceQuota" };
    const hard = quota.status?.hard ?? quota.spec?.hard ?? {};
    const statusUsed = quota.status?.used ?? {};
    const need = podUsage(template);
    const held = listed.filter(holdsQuota).map(podUsage);
    let room = Infinity;
    let limitedBy;
    for (const [key, perPod] of Object.entries(need)) {
        if (!(key in hard)) continue;
        const cap = parseQuantity(hard[key]);
        if (cap === undefined) return { room: 0, limitedBy: `unreadable hard ${key}` };
        const observed = held.reduce((n, u) => n + u[key], 0);
        const used = Math.max(parseQuantity(statusUsed[key]) ?? 0, observed);
        const fits = perPod > 0 ? Math.floor((cap - used) / perPod + 1e-9) : Infinity;
        if (fits < room) {
            room = fits;
            limitedBy = `${key} hard ${hard[key]}`;
        }
    }
    if (room === Infinity) return { room: 0, limitedBy: "a ResourceQuota without pods or compute keys" };
    return { room: Math.max(0, room), limitedBy };
}

const isReady = (pod) =>
    (pod?.status?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True");
/** The first container (init containers first) waiting for a reason it does not recover from, if any. */
const stuckReason = (pod) =>
    [...(pod?.status?.initContainerStatuses ?? []), ...(pod?.status?.containerStatuses ?? [])]
        .map((c) => c?.state?.waiting?.reason)
        .find((reason) => STUCK.has(reason));
const created = (pod) => Date.parse(pod?.metadata?.creationTimestamp ?? "") || 0;
const ref = (pod, reason) => ({
    name: pod.metadata.name,
    resourceVersion: pod.metadata.resourceVersion,
    reason,
});

/**
 * The keeper's decision for one pool, from what it observed: `pods` are the pool's pods (warm and claimed) as
 * listed, `quota` the pool namespace's ResourceQuota (or null). Returns the pods to create, the warm pods to delete
 * with why, and the counts it judged by. Pure.
 *
 * - warm: labelled `labels.warm=true`; claimed pods (the label removed) are never touched, only counted by quota;
 * - failed (terminal phase, evicted included) and stuck (a container waiting in CrashLoopBackOff, an image pull
 *   failure or a config error) warm pods are deleted; pods being deleted are ignored;
 * - fresh warm pods carry the pool's template hash; stale ones are replaced: all at once when the quota has room for
 *   the replacements, otherwise as many as the quota is short by, so the next pass can create them;
 * - create = min(target - fresh, quota room); fresh pods beyond the target (a lowered target) are deleted,
 *   not-ready and newest first.
 */
export function decide(pool, labels, pods, quota) {
    const live = pods.filter((p) => !p?.metadata?.deletionTimestamp);
    const warm = live.filter((p) => p?.metadata?.labels?.[labels.warm] === "true");
    const failed = warm.filter((p) => TERMINAL.has(p?.status?.phase));
    const stuck = warm.filter((p) => !TERMINAL.has(p?.status?.phase) && stuckReason(p) !== undefined);
    const running = warm.filter((p) => !TERMINAL.has(p?.status?.phase) && stuckReason(p) === undefined);
    const fresh = running.filter((p) => p.metadata.labels?.[labels.templateHash] === pool.templateHash);
    const stale = running.filter((p) => p.metadata.labels?.[labels.templateHash] !== pool.templateHash);
    const { room, limitedBy } = quotaRoom(quota, pool.pod, pods);

    const need = pool.target - fresh.length;
    const create = Math.max(0, Math.min(need, room));
    // With the replacements made (or none needed) every stale pod goes; otherwise as many as the quota is short by.
    const staleToDelete = create >= need ? stale.length : Math.min(stale.length, need - create);
    const excess =
        need < 0
            ? [...fresh]
                  .sort((a, b) => Number(isReady(a)) - Number(isReady(b)) || created(b) - created(a))
                  .slice(0, -need)
            : [];
    const remove = [
        ...failed.map((p) => ref(p, `failed (${p.status?.reason ?? p.status?.phase})`)),
        ...stuck.map((p) => ref(p, `stuck (${stuckReason(p)})`)),
        ...[...stale]
            .sort((a, b) => created(a) - created(b))
            .slice(0, staleToDelete)
            .map((p) => ref(p, "outdated template")),
        ...excess.map((p) => ref(p, `above the target of ${pool.target}`)),
    ];
    return {
        create,
        remove,
        warm: fresh.length,
        claimed: live.length - warm.length,
        room,
        blocked: create < need ? (limitedBy ?? "quota") : undefined,
    };
}

/* ---------------------------------------------------------------------------------------------------------------- */
/* The program: a small API client over node:https (fetch cannot take a CA in Node 20) and the loop.                */

class ApiError extends Error {
    constructor(method, path, status, body) {
        let message = body;
        try {
            message = JSON.parse(body).message ?? body;
        } catch {
            // not a Status object: keep the text
        }
        super(`${method} ${path}: ${status} ${String(message).slice(0, 300)}`);
        this.status = status;
    }
}

function client(env) {
    const host = env.KUBERNETES_SERVICE_HOST;
    const port = env.KUBERNETES_SERVICE_PORT ?? "443";
    if (!host) throw new Error("KUBERNETES_SERVICE_HOST is not set: the keeper runs in a pod");
    const ca = readFileSync(env.KEEPER_CA_FILE ?? `${SA_DIR}/ca.crt`);
    const tokenFile = env.KEEPER_TOKEN_FILE ?? `${SA_DIR}/token`;
    return (method, path, body, contentType = "application/json") =>
        new Promise((resolve, reject) => {
            const token = readFileSync(tokenFile, "utf8").trim();
            const payload = body === undefined ? undefined : JSON.stringify(body);
            const req = request(
                {
                    host,
                    port,
                    path,
                    method,
                    ca,
                    timeout: REQUEST_TIMEOUT_MS,
                    headers: {
                        authorization: `Bearer ${token}`,
                        accept: "application/json",
                        ...(payload === undefined
                            ? {}
                            : { "content-type": contentType, "content-length": Buffer.byteLength(payload) }),
                    },
                },
                (res) => {
                    let text = "";
                    res.setEncoding("utf8");
                    res.on("data", (d) => (text += d));
                    res.on("end", () => {
                        if (res.statusCode >= 200 && res.statusCode < 300)
                            resolve(text ? JSON.parse(text) : undefined);
                        else reject(new ApiError(method, path, res.statusCode, text));
                    });
                },
            );
            req.on("timeout", () =>
                req.destroy(new Error(`${method} ${path}: no answer in ${REQUEST_TIMEOUT_MS} ms`)),
            );
            req.on("error", reject);
            req.end(payload);
        });
}

const enc = encodeURIComponent;

async function listPods(api, pool, labels) {
    const items = [];
    let token;
    do {
        const query = `labelSelector=${enc(`${labels.tier}=${pool.tier}`)}&limit=500${token ? `&continue=${enc(token)}` : ""}`;
        const page = await api("GET", `/api/v1/namespaces/${enc(pool.namespace)}/pods?${query}`);
        items.push(...(page.items ?? []));
        token = page.metadata?.continue;
    } while (token);
    return items;
}

async function getQuota(api, pool) {
    try {
        return await api(
            "GET",
            `/api/v1/namespaces/${enc(pool.namespace)}/resourcequotas/${enc(pool.quota)}`,
        );
    } catch (e) {
        if (e instanceof ApiError && e.status === 404) return null;
        throw e;
    }
}

/** One pool's pass: observe, decide, act; one log line per action, and one when the quota starts or stops binding. */
async function reconcilePool(api, config, pool, state, log) {
    const pods = await listPods(api, pool, config.labels);
    const quota = await getQuota(api, pool);
    const d = decide(pool, config.labels, pods, quota);
    const tag = `tier=${pool.tier} namespace=${pool.namespace}`;
    for (const r of d.remove) {
        try {
            await api("DELETE", `/api/v1/namespaces/${enc(pool.namespace)}/pods/${enc(r.name)}`, {
                apiVersion: "v1",
                kind: "DeleteOptions",
                preconditions: { resourceVersion: r.resourceVersion },
            });
            log(`${tag} deleted pod ${r.name}: ${r.reason}`);
        } catch (e) {
            if (!(e instanceof ApiError) || (e.status !== 404 && e.status !== 409)) throw e;
            log(`${tag} left pod ${r.name}: it changed or went away since the list (${e.status})`);
        }
    }
    let made = 0;
    for (; made < d.create; made++) {
        const body = structuredClone(pool.pod);
        body.metadata.namespace = pool.namespace;
        try {
            const pod = await api("POST", `/api/v1/namespaces/${enc(pool.namespace)}/pods`, body);
            log(
                `${tag} created pod ${pod?.metadata?.name ?? "?"} (warm ${d.warm + made + 1}/${pool.target})`,
            );
        } catch (e) {
            // The quota admission is the last word: its 403 means the status we read lagged behind.
            if (e instanceof ApiError && e.status === 403 && /quota/i.test(e.message)) {
                log(`${tag} quota refused a warm pod: ${e.message}`);
                break;
            }
            throw e;
        }
    }
    // Logged when it starts or stops binding, not every pass: the reason names the key, not the moving count.
    const blocked =
        d.blocked &&
        `quota ${pool.quota} admits no more warm pods (${d.blocked}): warm ${d.warm + made}/${pool.target}`;
    if (blocked !== state.blocked.get(pool.namespace)) {
        log(`${tag} ${blocked ?? `quota has room again (warm ${d.warm + made}/${pool.target})`}`);
        state.blocked.set(pool.namespace, blocked);
    }
}

function loadConfig(path) {
    const config = JSON.parse(readFileSync(path, "utf8"));
    const problems = [];
    if (!(config.intervalSeconds > 0)) problems.push("intervalSeconds must be a positive number");
    for (const k of ["warm", "tier", "templateHash"])
        if (typeof config.labels?.[k] !== "string") problems.push(`labels.${k} must be a label key`);
    if (!Array.isArray(config.pools) || config.pools.length === 0)
        problems.push("pools must list at least one pool");
    for (const [i, p] of (config.pools ?? []).entries()) {
        for (const k of ["tier", "namespace", "quota", "templateHash"])
            if (typeof p?.[k] !== "string" || !p[k]) problems.push(`pools[${i}].${k} must be a string`);
        if (!Number.isInteger(p?.target) || p.target < 0)
            problems.push(`pools[${i}].target must be a whole number`);
        if (typeof p?.pod?.spec !== "object" || typeof p?.pod?.metadata !== "object")
            problems.push(`pools[${i}].pod must be a pod with metadata and spec`);
    }
    if (problems.length) throw new Error(`${path}: ${problems.join("; ")}`);
    return config;
}

export async function main(env = process.env) {
    const log = (line) => process.stdout.write(`warm-pool: ${line}\n`);
    const config = loadConfig(env.KEEPER_CONFIG ?? "/etc/warm-pool-keeper/config.json");
    const api = client(env);
    const state = { blocked: new Map() };
    let stopping = false;
    let wake = () => {};
    const stop = (signal) => {
        if (!stopping) log(`${signal}: stopping after the request in flight`);
        stopping = true;
        wake();
    };
    process.on("SIGTERM", () => stop("SIGTERM"));
    process.on("SIGINT", () => stop("SIGINT"));
    log(`started: ${config.pools.map((p) => `${p.tier}=${p.target} in ${p.namespace}`).join(", ")}`);

    let failures = 0;
    while (!stopping) {
        let failed = false;
        for (const pool of config.pools) {
            if (stopping) break;
            try {
                await reconcilePool(api, config, pool, state, log);
            } catch (e) {
                failed = true;
                log(
                    `tier=${pool.tier} namespace=${pool.namespace} error: ${e instanceof Error ? e.message : String(e)}`,
                );
            }
        }
        failures = failed ? failures + 1 : 0;
        const base = config.intervalSeconds * 1000;
        const delay = failures ? Math.min(base * 2 ** failures, Math.max(base, MAX_BACKOFF_MS)) : base;
        if (failures) log(`backing off ${Math.round(delay)} ms after ${failures} failed pass(es)`);
        if (stopping) break;
        await new Promise((resolve) => {
            const timer = setTimeout(resolve, delay);
            wake = () => {
                clearTimeout(timer);
                resolve();
            };
        });
    }
    log("stopped");
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
    main().then(
        // Idle keep-alive sockets must not hold the process once the loop is done.
        () => process.exit(0),
        (e) => {
            process.stderr.write(`warm-pool: ${e instanceof Error ? e.message : String(e)}\n`);
            process.exit(1);
        },
    );
}
