/**
 * The k3s config builders: every key they write exists in the pinned release's flag table, the first server
 * initialises and the others join through the API load balancer, agents carry only the agent token, and what
 * differs per node never enters the shared config.
 */
import { describe, expect, it } from "vitest";
import { K3S_FLAGS, K3S_RELEASE, assertK3sKeys, isK3sKey, unknownK3sKeys } from "../../../core/k8s/k3sFlags";
import { SECRETS_DIR } from "../../../core/render/base/artifact";
import {
    K3S_SECRET_FILES,
    NODE_SPECIFIC_KEYS,
    k3sAgentConfig,
    k3sEtcdS3Credentials,
    k3sJoinUrl,
    k3sServerConfig,
    k3sTokenFiles,
} from "../../../core/k8s/k3sConfig";
import { AGENT_PASSWORD, API_LB, SERVER_PASSWORD, agentInput, serverInput, tokens } from "./k3sFixtures";

const first = k3sServerConfig(serverInput(true));
const joining = k3sServerConfig(serverInput(false));
const agent = k3sAgentConfig(agentInput());

describe("k3s flag table", () => {
    it("pins a real release of the v1.33 line", () => {
        expect(K3S_RELEASE).toMatch(/^v1\.33\.\d+\+k3s\d+$/);
    });

    it.each([
        ["first server", "server", first],
        ["joining server", "server", joining],
        ["agent", "agent", agent],
    ] as const)("every key of the %s config is one `k3s %s` accepts", (_label, role, config) => {
        expect(Object.keys(config).length).toBeGreaterThan(3);
        expect(unknownK3sKeys(role, config)).toEqual([]);
    });

    it("reports made-up keys, and server-only keys in an agent config", () => {
        expect(unknownK3sKeys("server", { ...first, "tls-sans": ["x"], "etcd-s3-bucket-name": "b" })).toEqual(
            ["tls-sans", "etcd-s3-bucket-name"],
        );
        expect(unknownK3sKeys("agent", { ...agent, "cluster-init": true, "agent-token": "x" })).toEqual([
            "cluster-init",
            "agent-token",
        ]);
        expect(() => assertK3sKeys("agent", { token: "x", "tls-san": [] })).toThrow(
            /no config key 'tls-san'.*refuse to start/,
        );
    });

    it("reads keys the way k3s's config parser does: a `+` suffix appends, one-letter aliases count", () => {
        expect(isK3sKey("agent", "node-label+")).toBe(true);
        expect(isK3sKey("server", "t")).toBe(true);
        expect(isK3sKey("agent", "o")).toBe(false); // write-kubeconfig is a server flag
        expect(isK3sKey("server", "+")).toBe(false);
    });

    it("servers accept every agent key except the agent-only one (servers run an agent)", () => {
        const agentOnly = [...K3S_FLAGS.agent].filter((k) => !K3S_FLAGS.server.has(k));
        expect(agentOnly).toEqual(["disable-apiserver-lb"]);
    });
});

describe("k3s server config", () => {
    it("the first server initialises etcd; the others join through the API load balancer's private IP", () => {
        expect(first["cluster-init"]).toBe(true);
        expect(first).not.toHaveProperty("server");
        expect(joining).not.toHaveProperty("cluster-init");
        expect(joining["server"]).toBe(`https://${API_LB.privateIp}:6443`);
    });

    it("reads the server token and the separate agent token from files under SECRETS_DIR, never inline", () => {
        const t = tokens();
        expect(first["token-file"]).toBe(K3S_SECRET_FILES.serverToken);
        expect(first["agent-token-file"]).toBe(K3S_SECRET_FILES.agentToken);
        expect(first["token-file"]).not.toBe(first["agent-token-file"]);
        for (const c of [first, joining]) {
            expect(c).not.toHaveProperty("token");
            expect(c).not.toHaveProperty("agent-token");
            const text = JSON.stringify(c);
            expect(text).not.toContain(SERVER_PASSWORD);
            expect(text).not.toContain(AGENT_PASSWORD);
        }
        expect(k3sTokenFiles(serverInput(true))).toEqual([
            { path: K3S_SECRET_FILES.serverToken, content: t.serverToken },
            { path: K3S_SECRET_FILES.agentToken, content: t.agentToken },
        ]);
        for (const path of Object.values(K3S_SECRET_FILES))
            expect(path.startsWith(`${SECRETS_DIR}/`)).toBe(true);
    });

    it("puts the LB's addresses in the SANs", () => {
        expect(first["tls-san"]).toEqual([API_LB.publicIpv4, API_LB.privateIp]);
    });

    it("hands the cloud to the hcloud CCM and runs flannel vxlan", () => {
        expect(first).toMatchObject({
            disable: ["traefik", "servicelb", "local-storage"],
            "disable-cloud-controller": true,
            "kubelet-arg": ["cloud-provider=external"],
            "flannel-backend": "vxlan",
            "secrets-encryption": true,
            "write-kubeconfig-mode": "0600",
            "etcd-expose-metrics": true,
        });
    });

    it("snapshots etcd to S3-compatible storage with a bare host endpoint", () => {
        expect(first).toMatchObject({
            "etcd-s3": true,
            "etcd-s3-endpoint": "fsn1.your-objectstorage.com",
            "etcd-s3-bucket": "acme-etcd",
            "etcd-s3-folder": "p5",
            "etcd-s3-region": "fsn1",
            "etcd-snapshot-schedule-cron": "0 */6 * * *",
            "etcd-snapshot-retention": 8,
            "etcd-s3-retention": 14,
        });
        const input = serverInput(true);
        // The keys go in a drop-in under SECRETS_DIR; the shared config names neither.
        expect(first).not.toHaveProperty("etcd-s3-access-key");
        expect(first).not.toHaveProperty("etcd-s3-secret-key");
        expect(JSON.stringify(first)).not.toContain(input.etcdSnapshots.secretKey);
        expect(k3sEtcdS3Credentials(input.etcdSnapshots)).toEqual({
            "etcd-s3-access-key": input.etcdSnapshots.accessKey,
            "etcd-s3-secret-key": input.etcdSnapshots.secretKey,
        });
        expect(() => k3sEtcdS3Credentials({ accessKey: "a", secretKey: "" })).toThrow(/must be set/);
        for (const endpoint of [
            "https://fsn1.your-objectstorage.com",
            "fsn1.your-objectstorage.com/bucket",
        ]) {
            expect(() =>
                k3sServerConfig({ ...input, etcdSnapshots: { ...input.etcdSnapshots, endpoint } }),
            ).toThrow(/without scheme or path/);
        }
    });

    it("every server gets the same critical values; only cluster-init/server differ", () => {
        const strip = (c: Record<string, unknown>) => {
            const { "cluster-init": _i, server: _s, ...rest } = c;
            return rest;
        };
        expect(strip(first)).toEqual(strip(joining));
    });

    it("refuses tokens in the wrong slot", () => {
        const input = serverInput(true);
        expect(() => k3sServerConfig({ ...input, serverToken: input.agentToken })).toThrow(/'server' user/);
        expect(() => k3sServerConfig({ ...input, agentToken: input.serverToken })).toThrow(/'node' user/);
        expect(() => k3sServerConfig({ ...input, serverToken: "short-token" })).toThrow(/secure K10 token/);
    });
});

describe("k3s agent config", () => {
    it("joins through the LB with the agent token (from its file) and never sees the server token", () => {
        expect(agent["server"]).toBe(k3sJoinUrl(API_LB.privateIp));
        expect(agent["token-file"]).toBe(K3S_SECRET_FILES.agentToken);
        expect(agent).not.toHaveProperty("token");
        expect(JSON.stringify(agent)).not.toContain(AGENT_PASSWORD);
        const files = k3sTokenFiles(agentInput());
        expect(files).toEqual([{ path: K3S_SECRET_FILES.agentToken, content: tokens().agentToken }]);
        expect(JSON.stringify(files)).not.toContain(SERVER_PASSWORD);
        expect(() => k3sAgentConfig({ ...agentInput(), agentToken: tokens().serverToken })).toThrow(
            /'node' user/,
        );
    });

    it("registers with the pool's labels and taints, as the autoscaler's nodeConfigs simulate them", () => {
        expect(agent["node-label"]).toEqual(["pool=agents"]);
        expect(agent["node-taint"]).toEqual(["pool=agents:NoSchedule"]);
        expect(() => k3sAgentConfig({ ...agentInput(), nodeTaints: ["pool=agents"] })).toThrow(/not key/);
    });
});

describe("per-node keys", () => {
    it.each(NODE_SPECIFIC_KEYS)("%s is never in a shared config", (key) => {
        for (const c of [first, joining, agent]) expect(c).not.toHaveProperty(key);
    });
});
