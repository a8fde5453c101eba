/**
 * The k3s node user data: real `cloud-init schema` accepts the biggest server's and an agent's, both stay under
 * Hetzner's 32 KiB, secrets travel only in 0600 files, and the boot scripts pass shellcheck. The node script runs for
 * real in a sandbox: it picks the private-subnet interface over VPN and docker ones, waits for a NIC that appears
 * late, times out with a clear message, and on the cluster-init server joins a cluster that answers with this
 * cluster's CA (and only then).
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { USER_DATA_LIMIT_BYTES } from "../../../core/render/base/cloudInit";
import { K3S_TLS_DIR } from "../../../core/k8s/pki";
import { k3sAgentConfig, k3sServerConfig } from "../../../core/k8s/k3sConfig";
import { K3S_RELEASE } from "../../../core/k8s/k3sFlags";
import {
    INSTALL_SCRIPT_PATH,
    K3S_CONFIG_PATH,
    NODE_SCRIPT_PATH,
    k3sInstallScriptUrl,
    renderNodeScript,
} from "../../../core/k8s/nodeJoin";
import { K3S_MANIFEST_DIR, K3S_NODE_UNIT, renderK3sNode } from "../../../core/render/machines/k3sNode";
import { fileAt, pyYamlLoad, removeDir, tempDir, writeFilesOf } from "../../render/fixtures";
import { requireTool, runTool } from "../../helpers/tools";
import {
    AGENT_PASSWORD,
    HCLOUD_TOKEN,
    POOL_SUBNET,
    SERVER_PASSWORD,
    SERVER_SUBNET,
    agentInput,
    manifests,
    serverInput,
    testPki,
} from "./k3sFixtures";

const pki = testPki();
const firstServer = renderK3sNode({
    role: "server",
    privateSubnet: SERVER_SUBNET,
    config: serverInput(true),
    pki: pki.material,
    manifests: manifests(),
});
const joiningServer = renderK3sNode({
    role: "server",
    privateSubnet: SERVER_SUBNET,
    config: serverInput(false),
    manifests: manifests(),
});
const agent = renderK3sNode({ role: "agent", privateSubnet: POOL_SUBNET, config: agentInput() });

const dirs: string[] = [];
function sandbox(label: string): string {
    const d = tempDir(label);
    dirs.push(d);
    return d;
}
afterAll(() => dirs.forEach(removeDir));

const bytes = (s: string) => Buffer.byteLength(s, "utf8");

describe("k3s node user data", () => {
    it.each([
        ["first server (CA files, manifests)", firstServer.cloudConfig],
        ["joining server", joiningServer.cloudConfig],
        ["agent", agent.cloudConfig],
    ])("the %s passes `cloud-init schema` and fits in 32 KiB", (label, cloudConfig) => {
        const dir = sandbox("k3s-user-data");
        writeFileSync(join(dir, "user-data"), cloudConfig);
        const r = runTool("cloud-init", ["schema", "--config-file", join(dir, "user-data")]);
        expect(r.output).toContain("Valid cloud-config");
        expect(r.status).toBe(0);
        console.log(`k3s ${label} user data: ${bytes(cloudConfig)} bytes of ${USER_DATA_LIMIT_BYTES}`);
        expect(bytes(cloudConfig)).toBeLessThanOrEqual(USER_DATA_LIMIT_BYTES);
    });

    it("the biggest case really is big: CA files and ~4 KB of manifests are in it", () => {
        const size = manifests().reduce((n, m) => n + bytes(m.content), 0);
        expect(size).toBeGreaterThan(4000);
        expect(bytes(firstServer.cloudConfig)).toBeGreaterThan(bytes(joiningServer.cloudConfig));
    });

    it("writes config.yaml as the builders made it, read back the way k3s's YAML 1.1 parser sees it", () => {
        for (const [rendered, built] of [
            [firstServer, k3sServerConfig(serverInput(true))],
            [agent, k3sAgentConfig(agentInput())],
        ] as const) {
            const f = fileAt(rendered.files, K3S_CONFIG_PATH);
            expect(f.permissions).toBe("0600");
            expect(f.secret).toBe(true);
            expect(pyYamlLoad(f.content)).toEqual(built);
        }
        // "0600" must stay a string, not YAML 1.1's octal 384.
        const mode = (parse(fileAt(firstServer.files, K3S_CONFIG_PATH).content) as Record<string, unknown>)[
            "write-kubeconfig-mode"
        ];
        expect(mode).toBe("0600");
    });

    it("only the cluster-init server carries the CA files, each 0600", () => {
        const tls = (r: typeof firstServer) => r.files.filter((f) => f.path.startsWith(`${K3S_TLS_DIR}/`));
        expect(tls(firstServer).map((f) => f.path)).toContain(`${K3S_TLS_DIR}/server-ca.key`);
        expect(tls(firstServer)).toHaveLength(11);
        for (const f of tls(firstServer)) expect([f.permissions, f.secret]).toEqual(["0600", true]);
        expect(tls(joiningServer)).toEqual([]);
        expect(tls(agent)).toEqual([]);
        expect(() =>
            renderK3sNode({ role: "server", privateSubnet: SERVER_SUBNET, config: serverInput(true) }),
        ).toThrow(/needs the cluster's CA files/);
    });

    it("writes the manifests 0600 into the auto-deploy directory of servers only", () => {
        for (const r of [firstServer, joiningServer]) {
            const f = fileAt(r.files, `${K3S_MANIFEST_DIR}/hcloud-secret.yaml`);
            expect([f.permissions, f.secret]).toEqual(["0600", true]);
            expect(f.content).toContain(HCLOUD_TOKEN);
        }
        expect(agent.cloudConfig).not.toContain(HCLOUD_TOKEN);
        expect(() =>
            renderK3sNode({
                role: "server",
                privateSubnet: SERVER_SUBNET,
                config: serverInput(false),
                manifests: [{ name: "hcloud_ccm", content: "x" }],
            }),
        ).toThrow(/RFC 1123/);
    });

    it("an agent's user data holds the agent token and nothing of the server token", () => {
        const decoded = writeFilesOf(agent.cloudConfig)
            .map((e) => e.decoded)
            .join("\n");
        expect(decoded).toContain(AGENT_PASSWORD);
        expect(agent.cloudConfig).not.toContain(SERVER_PASSWORD);
        expect(decoded).not.toContain(SERVER_PASSWORD);
        expect(decoded).not.toContain("PRIVATE KEY");
    });

    it("every secret-bearing file is 0600 in the user data itself", () => {
        for (const r of [firstServer, joiningServer, agent]) {
            const entries = writeFilesOf(r.cloudConfig);
            const secretPaths = new Set(r.files.filter((f) => f.secret).map((f) => f.path));
            for (const { entry, decoded } of entries) {
                if (/PRIVATE KEY|K10[0-9a-f]{64}|HcloudTok/.test(decoded)) {
                    expect(secretPaths.has(entry.path), entry.path).toBe(true);
                    expect(entry.permissions, entry.path).toBe("0600");
                }
            }
        }
    });

    it("runs the node script (a oneshot unit, before k3s) and only then the pinned install", () => {
        const doc = pyYamlLoad(agent.cloudConfig) as { runcmd: string[][] };
        const runcmd = doc.runcmd.map((c) => c.join(" "));
        const at = (c: string) => runcmd.indexOf(c);
        expect(at(`systemctl enable --now ${K3S_NODE_UNIT}`)).toBeGreaterThan(at("systemctl daemon-reload"));
        expect(at(INSTALL_SCRIPT_PATH)).toBeGreaterThan(at(`systemctl enable --now ${K3S_NODE_UNIT}`));
        const unit = fileAt(agent.files, `/etc/systemd/system/${K3S_NODE_UNIT}`).content;
        expect(unit).toMatch(/^Before=k3s\.service k3s-agent\.service$/m);
        expect(unit).toMatch(/^Type=oneshot$/m);
        expect(unit).toContain(`ExecStart=${NODE_SCRIPT_PATH}`);
    });

    it("installs the pinned release from the tag's own install script, with retries", () => {
        const install = fileAt(agent.files, INSTALL_SCRIPT_PATH).content;
        const url = k3sInstallScriptUrl();
        expect(url).toBe(
            `https://raw.githubusercontent.com/k3s-io/k3s/${K3S_RELEASE.replace("+", "%2B")}/install.sh`,
        );
        expect(install).toContain(url);
        expect(install).toContain(`readonly release='${K3S_RELEASE}'`);
        expect(install).toContain('INSTALL_K3S_VERSION="$release"');
        expect(install).toContain("INSTALL_K3S_EXEC='agent'");
        expect(install).toContain("--retry 10");
        expect(fileAt(firstServer.files, INSTALL_SCRIPT_PATH).content).toContain("INSTALL_K3S_EXEC='server'");
    });

    it.each([
        ["first server", firstServer],
        ["agent", agent],
    ])("the %s's scripts pass shellcheck", (_label, r) => {
        const dir = sandbox("k3s-shellcheck");
        const scripts = r.files.filter((f) => f.kind === "shell");
        expect(scripts.map((f) => f.path).sort()).toEqual([INSTALL_SCRIPT_PATH, NODE_SCRIPT_PATH].sort());
        for (const f of scripts) {
            const p = join(dir, f.path.split("/").pop()!);
            writeFileSync(p, f.content);
            const res = runTool("shellcheck", ["--severity=style", "--shell=bash", p]);
            expect(res.output, f.path).toBe("");
            expect(res.status).toBe(0);
        }
    });
});

/** `ip -j -4 addr` as iproute2 prints it, for the interfaces given as [name, address/prefix]. */
function ipJson(links: [string, string][]): string {
    return JSON.stringify(
        links.map(([ifname, cidr], i) => {
            const [local, prefixlen] = cidr.split("/");
            return {
                ifindex: i + 1,
                ifname,
                flags: ["BROADCAST", "MULTICAST", "UP", "LOWER_UP"],
                mtu: ifname.startsWith("tailscale") ? 1280 : 1450,
                addr_info: [{ family: "inet", local, prefixlen: Number(prefixlen), scope: "global" }],
            };
        }),
    );
}

const CROWDED: [string, string][] = [
    ["lo", "127.0.0.1/8"],
    // A VPN that happens to use an address inside the subnet must still lose.
    ["wg0", "10.0.16.99/32"],
    ["tailscale0", "100.101.102.103/32"],
    ["eth0", "116.203.44.55/32"],
    ["docker0", "172.17.0.1/16"],
    ["enp7s0", "10.0.16.5/32"],
];

interface RunResult {
    status: number | null;
    output: string;
}

function runNodeScript(script: string, dir: string, env: Record<string, string>): RunResult {
    const path = join(dir, "node.sh");
    writeFileSync(path, script, { mode: 0o755 });
    const r = spawnSync(requireTool("bash"), [path], {
        env: {
            PATH: process.env["PATH"] ?? "/usr/bin:/bin",
            K3S_DROPIN_DIR: join(dir, "config.yaml.d"),
            ...env,
        },
        encoding: "utf8",
        timeout: 30_000,
    });
    return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

const agentScript = fileAt(agent.files, NODE_SCRIPT_PATH).content;
const serverScript = fileAt(firstServer.files, NODE_SCRIPT_PATH).content;

describe("the node script, run for real", () => {
    it("picks the private-subnet NIC over wireguard, tailscale and docker, and the public IPv4 as external", () => {
        const dir = sandbox("k3s-node");
        writeFileSync(join(dir, "addrs.json"), ipJson(CROWDED));
        const r = runNodeScript(agentScript, dir, {
            K3S_IP_ADDR_JSON: join(dir, "addrs.json"),
            K3S_NODE_HOSTNAME: "agents-cx33-5c1e0a7f3b2d9e41",
        });
        expect(r.output).toContain("uses 10.0.16.5 on enp7s0");
        expect(r.status).toBe(0);
        const dropin = join(dir, "config.yaml.d", "10-node.yaml");
        expect((spawnSync("stat", ["-c", "%a", dropin], { encoding: "utf8" }).stdout ?? "").trim()).toBe(
            "600",
        );
        expect(pyYamlLoad(readFileSync(dropin, "utf8"))).toEqual({
            "node-name": "agents-cx33-5c1e0a7f3b2d9e41",
            "node-ip": "10.0.16.5",
            "flannel-iface": "enp7s0",
            "node-external-ip": "116.203.44.55",
        });
    });

    it("on a server also advertises the private address, and leaves out node-external-ip without a public IPv4", () => {
        const dir = sandbox("k3s-node");
        writeFileSync(
            join(dir, "addrs.json"),
            ipJson([
                ["lo", "127.0.0.1/8"],
                ["enp7s0", "10.0.0.3/32"],
            ]),
        );
        const script = fileAt(joiningServer.files, NODE_SCRIPT_PATH).content;
        const r = runNodeScript(script, dir, {
            K3S_IP_ADDR_JSON: join(dir, "addrs.json"),
            K3S_NODE_HOSTNAME: "cp-2",
        });
        expect(r.status, r.output).toBe(0);
        expect(pyYamlLoad(readFileSync(join(dir, "config.yaml.d", "10-node.yaml"), "utf8"))).toEqual({
            "node-name": "cp-2",
            "node-ip": "10.0.0.3",
            "flannel-iface": "enp7s0",
            "advertise-address": "10.0.0.3",
        });
    });

    it("times out with a clear message when no private address appears, and writes nothing", () => {
        const dir = sandbox("k3s-node");
        writeFileSync(join(dir, "addrs.json"), ipJson(CROWDED.filter(([n]) => n !== "enp7s0")));
        const started = Date.now();
        const r = runNodeScript(agentScript, dir, {
            K3S_IP_ADDR_JSON: join(dir, "addrs.json"),
            K3S_NODE_HOSTNAME: "agents-cx33-1",
            K3S_NIC_WAIT_SECONDS: "2",
            K3S_NIC_WAIT_INTERVAL: "1",
        });
        expect(r.status).toBe(1);
        expect(r.output).toContain(`no interface has an IPv4 address in ${POOL_SUBNET} after 2s`);
        expect(r.output).toContain("tailscale");
        expect(Date.now() - started).toBeLessThan(15_000);
        expect(existsSync(join(dir, "config.yaml.d", "10-node.yaml"))).toBe(false);
    });

    it("waits for a NIC that is attached after boot", async () => {
        const dir = sandbox("k3s-node");
        const addrs = join(dir, "addrs.json");
        writeFileSync(addrs, ipJson(CROWDED.filter(([n]) => n !== "enp7s0")));
        writeFileSync(join(dir, "late.json"), ipJson(CROWDED));
        writeFileSync(join(dir, "node.sh"), agentScript, { mode: 0o755 });
        const child = spawn(requireTool("bash"), [join(dir, "node.sh")], {
            env: {
                PATH: process.env["PATH"] ?? "/usr/bin:/bin",
                K3S_DROPIN_DIR: join(dir, "config.yaml.d"),
                K3S_IP_ADDR_JSON: addrs,
                K3S_NODE_HOSTNAME: "agents-cx33-2",
                K3S_NIC_WAIT_SECONDS: "20",
                K3S_NIC_WAIT_INTERVAL: "1",
            },
        });
        let output = "";
        child.stdout.on("data", (d: Buffer) => (output += d.toString()));
        child.stderr.on("data", (d: Buffer) => (output += d.toString()));
        setTimeout(() => writeFileSync(addrs, readFileSync(join(dir, "late.json"))), 2500);
        const status = await new Promise<number | null>((resolve) => child.on("close", resolve));
        expect(status, output).toBe(0);
        expect(output).toContain("uses 10.0.16.5 on enp7s0");
    });

    it("refuses a hostname that is not a valid node name", () => {
        const dir = sandbox("k3s-node");
        writeFileSync(join(dir, "addrs.json"), ipJson(CROWDED));
        const r = runNodeScript(agentScript, dir, {
            K3S_IP_ADDR_JSON: join(dir, "addrs.json"),
            K3S_NODE_HOSTNAME: "Agents_1",
        });
        expect(r.status).toBe(1);
        expect(r.output).toContain("not a valid Kubernetes node name");
    });

    it("rejects a bad NIC wait at render time", () => {
        expect(() => renderNodeScript({ role: "agent", privateSubnet: POOL_SUBNET, waitSeconds: 0 })).toThrow(
            /positive/,
        );
    });
});

describe("the cluster-init server's join probe, run for real", () => {
    const ca = join(sandbox("k3s-ca"), "server-ca.crt");
    writeFileSync(ca, fileAt(firstServer.files, `${K3S_TLS_DIR}/server-ca.crt`).content);
    const base = (dir: string) => {
        writeFileSync(join(dir, "addrs.json"), ipJson([["enp7s0", "10.0.0.2/32"]]));
        return {
            K3S_IP_ADDR_JSON: join(dir, "addrs.json"),
            K3S_NODE_HOSTNAME: "cp-1",
            K3S_JOIN_CA: ca,
            K3S_ETCD_DIR: join(dir, "etcd"),
            K3S_JOIN_PROBE_TRIES: "2",
            K3S_NIC_WAIT_INTERVAL: "1",
        };
    };
    const joinDropin = (dir: string) => join(dir, "config.yaml.d", "05-join.yaml");

    it("initialises when nothing answers at the join URL", () => {
        const dir = sandbox("k3s-probe");
        const r = runNodeScript(serverScript, dir, { ...base(dir), K3S_JOIN_URL: "https://127.0.0.1:9" });
        expect(r.status, r.output).toBe(0);
        expect(r.output).toContain("this server initialises the cluster");
        expect(existsSync(joinDropin(dir))).toBe(false);
    });

    /** An HTTPS server on 127.0.0.1 with a certificate from `signedBy` (this cluster's server CA or a stranger's). */
    async function withTlsServer(
        signedBy: "cluster" | "stranger",
        body: (url: string) => void,
    ): Promise<void> {
        const dir = sandbox("k3s-tls");
        let cert: string;
        let key: string;
        if (signedBy === "cluster") {
            [cert, key] = pki.signServing(dir);
        } else {
            cert = join(dir, "self.crt");
            key = join(dir, "self.key");
            runTool("openssl", [
                "req",
                "-x509",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
                "-nodes",
                "-days",
                "1",
                "-subj",
                "/CN=k3s",
                "-addext",
                "subjectAltName=IP:127.0.0.1",
                "-keyout",
                key,
                "-out",
                cert,
            ]);
        }
        const port = 20000 + Math.floor(Math.random() * 20000);
        const server = spawn(requireTool("openssl"), [
            "s_server",
            "-quiet",
            "-accept",
            `127.0.0.1:${port}`,
            "-cert",
            cert,
            "-key",
            key,
            "-www",
        ]);
        try {
            for (let i = 0; i < 50; i++) {
                const probe = spawnSync("bash", ["-c", `exec 3<>/dev/tcp/127.0.0.1/${port}`]);
                if (probe.status === 0) break;
                await new Promise((r) => setTimeout(r, 100));
            }
            body(`https://127.0.0.1:${port}`);
        } finally {
            server.kill();
        }
    }

    it("joins when a server with this cluster's CA answers, instead of starting a second cluster", async () => {
        await withTlsServer("cluster", (url) => {
            const dir = sandbox("k3s-probe");
            const r = runNodeScript(serverScript, dir, { ...base(dir), K3S_JOIN_URL: url });
            expect(r.status, r.output).toBe(0);
            expect(r.output).toContain("joining instead of initialising");
            expect(pyYamlLoad(readFileSync(joinDropin(dir), "utf8"))).toEqual({ server: url });
        });
    });

    it("does not join a server whose certificate another CA signed", async () => {
        await withTlsServer("stranger", (url) => {
            const dir = sandbox("k3s-probe");
            const r = runNodeScript(serverScript, dir, { ...base(dir), K3S_JOIN_URL: url });
            expect(r.status, r.output).toBe(0);
            expect(existsSync(joinDropin(dir))).toBe(false);
        });
    });

    it("does not probe once this server has etcd data", async () => {
        await withTlsServer("cluster", (url) => {
            const dir = sandbox("k3s-probe");
            mkdirSync(join(dir, "etcd"));
            const r = runNodeScript(serverScript, dir, { ...base(dir), K3S_JOIN_URL: url });
            expect(r.status, r.output).toBe(0);
            expect(r.output).not.toContain("joining");
            expect(existsSync(joinDropin(dir))).toBe(false);
        });
    });

    it("only the cluster-init server probes", () => {
        expect(serverScript).toContain("/cacerts");
        expect(fileAt(joiningServer.files, NODE_SCRIPT_PATH).content).not.toContain("/cacerts");
        expect(agentScript).not.toContain("/cacerts");
    });
});
