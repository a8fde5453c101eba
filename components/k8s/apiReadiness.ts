/**
 * The readiness gate in front of the first Kubernetes resource: the provider does not wait for a fresh API
 * server, so `pulumi up` asks `/readyz` itself, from where it runs, with the cluster's CA and the admin
 * certificate, until the API answers 200. Nothing runs on the nodes.
 */
import { request } from "node:https";

export interface ApiEndpoint {
    /** `https://<host>:6443`. */
    readonly server: string;
    readonly caPem: string;
    readonly clientCertPem: string;
    readonly clientKeyPem: string;
}

export interface ReadinessOptions {
    /** Servers boot, install k3s and elect etcd's leader: minutes, not seconds. */
    readonly timeoutMs: number;
    readonly intervalMs: number;
    /** Each failed attempt's reason, for the operator watching `pulumi up`. */
    readonly onWait?: (reason: string) => void;
}

export const DEFAULT_READINESS: ReadinessOptions = { timeoutMs: 20 * 60_000, intervalMs: 5_000 };

/** One GET of /readyz: the status code, or the connection's error (a refused or half-up API, a TLS failure). */
function readyz(api: ApiEndpoint, timeoutMs: number): Promise<{ status?: number; error?: string }> {
    return new Promise((resolve) => {
        const req = request(
            `${api.server}/readyz`,
            { ca: api.caPem, cert: api.clientCertPem, key: api.clientKeyPem, timeout: timeoutMs },
            (res) => {
                res.resume();
                resolve({ status: res.statusCode });
            },
        );
        req.on("timeout", () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
        req.on("error", (e) => resolve({ error: e.message }));
        req.end();
    });
}

/**
 * Waits until `/readyz` answers 200 and returns the attempts it took; throws, naming the last reason, when the
 * timeout passes. A certificate the CA does not sign fails every attempt, so the gate never passes an API it
 * cannot trust.
 */
export async function waitForApiReady(
    api: ApiEndpoint,
    options: ReadinessOptions = DEFAULT_READINESS,
): Promise<{ attempts: number; elapsedMs: number }> {
    const started = Date.now();
    for (let attempt = 1; ; attempt++) {
        const left = options.timeoutMs - (Date.now() - started);
        const r = await readyz(api, Math.max(1, Math.min(options.intervalMs, left)));
        if (r.status === 200) return { attempts: attempt, elapsedMs: Date.now() - started };
        const reason = r.error ?? `/readyz answered ${r.status}`;
        if (Date.now() - started + options.intervalMs > options.timeoutMs)
            throw new Error(
                `the Kubernetes API at ${api.server} was not ready after ${Math.round((Date.now() - started) / 1000)} s ` +
                    `(${attempt} attempts; last: ${reason}). Check the control-plane servers' cloud-init log ` +
                    `(/var/log/cloud-init-output.log) and \`journalctl -u k3s\`, then run \`pulumi up\` again.`,
            );
        options.onWait?.(reason);
        await new Promise((resolve) => setTimeout(resolve, options.intervalMs));
    }
}
