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
import { SECRETS_DIR } from "../../../core/render/base/artifact";
import { HOST_PATHS, UNITS } from "../../../core/render/base/paths";
import { USER_DATA_LIMIT_BYTES } from "../../../core/render/base/cloudInit";
import { K3S_TLS_DIR } from "../../../core/k8s/pki";
import { K3S_SECRET_FILES, k3sAgentConfig, k3sServerConfig } from "../../../core/k8s/k3sConfig";
import { K3S_RELEASE } from "../../../core/k8s/k3sFlags";
import {
    INSTALL_SCRIPT_PATH,
    K3S_CONFIG_PATH,
    K3S_ETCD_S3_DROPIN,
    K3S_NODE_DROPIN,
    NODE_SCRIPT_PATH,
    k3sInstallScriptUrl,
    renderInstallScript,
    renderNodeScript,
} from "../../../core/k8s/nodeJoin";
import {
    K3S_MANIFEST_DIR,
    K3S_NODE_UNIT,
    K3S_SECRET_MANIFEST_DIR,
    K3S_SECRET_TLS_DIR,
    isSecretManifest,
    renderK3sNode,
} from "../../../core/render/machines/k3sNode";
import { splitUserData } from "../../../policies/secrets/cloudConfig";
import { scanText } from "../../../policies/secrets/detect";
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
            // No credential in it any more: the tokens and the S3 keys are files under SECRETS_DIR.
            expect(f.secret).toBeUndefined();
            expect(pyYamlLoad(f.content)).toEqual(built);
        }
        // "0600" must stay a string, not YAML 1.1's octal 384.
        const mode = (parse(fileAt(firstServer.files, K3S_CONFIG_PATH).content) as Record<string, unknown>)[
            "write-kubeconfig-mode"
        ];
        expect(mode).toBe("0600");
    });

    it("only the cluster-init server carries the CA files: certificates in place, keys through SECRETS_DIR", () => {
        const under = (r: typeof firstServer, dir: string) =>
            r.files.filter((f) => f.path.startsWith(`${dir}/`));
        const certs = under(firstServer, K3S_TLS_DIR);
        expect(certs.map((f) => f.path)).toContain(`${K3S_TLS_DIR}/server-ca.crt`);
        expect(certs).toHaveLength(5);
        for (const f of certs) {
            expect(f.path).toMatch(/\.crt$/);
            expect(f.content).not.toContain("PRIVATE KEY");
        }
        const keys = under(firstServer, K3S_SECRET_TLS_DIR);
        expect(keys.map((f) => f.path)).toEqual(
            ["server-ca", "client-ca", "request-header-ca", "etcd/peer-ca", "etcd/server-ca"]
                .map((n) => `${K3S_SECRET_TLS_DIR}/${n}.key`)
                .concat(`${K3S_SECRET_TLS_DIR}/service.key`),
        );
        for (const f of keys) expect([f.permissions, f.secret]).toEqual(["0600", true]);
        // The installer puts each key where k3s looks for it.
        const install = fileAt(firstServer.files, INSTALL_SCRIPT_PATH).content;
        for (const f of keys) {
            const to = `${K3S_TLS_DIR}${f.path.slice(K3S_SECRET_TLS_DIR.length)}`;
            expect(install).toContain(`place '${f.path}' '${to}'`);
        }
        for (const r of [joiningServer, agent]) {
            expect(under(r, K3S_TLS_DIR)).toEqual([]);
            expect(under(r, K3S_SECRET_TLS_DIR)).toEqual([]);
        }
        expect(() =>
            renderK3sNode({ role: "server", privateSubnet: SERVER_SUBNET, config: serverInput(true) }),
        ).toThrow(/needs the cluster's CA files/);
    });

    it("delivers Secret manifests through SECRETS_DIR and the rest straight into the auto-deploy directory", () => {
        for (const r of [firstServer, joiningServer]) {
            const f = fileAt(r.files, `${K3S_SECRET_MANIFEST_DIR}/hcloud-secret.yaml`);
            expect([f.permissions, f.secret]).toEqual(["0600", true]);
            expect(f.content).toContain(HCLOUD_TOKEN);
            expect(r.files.some((x) => x.path === `${K3S_MANIFEST_DIR}/hcloud-secret.yaml`)).toBe(false);
            expect(fileAt(r.files, INSTALL_SCRIPT_PATH).content).toContain(
                `place '${K3S_SECRET_MANIFEST_DIR}/hcloud-secret.yaml' '${K3S_MANIFEST_DIR}/hcloud-secret.yaml'`,
            );
            const plain = fileAt(r.files, `${K3S_MANIFEST_DIR}/hcloud-ccm.yaml`);
            expect(plain.secret).toBeUndefined();
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

    it("decides a manifest is secret by its flag or by a `kind: Secret` document in it, not by its name", () => {
        const secretDoc = "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\nstringData: {k: v}\n";
        const cm = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n";
        expect(isSecretManifest({ name: "anything", content: secretDoc })).toBe(true);
        expect(isSecretManifest({ name: "mixed", content: `---\n${cm}---\n${secretDoc}` })).toBe(true);
        expect(isSecretManifest({ name: "hcloud-secret", content: cm })).toBe(false);
        expect(isSecretManifest({ name: "flagged", content: cm, secret: true })).toBe(true);
        expect(isSecretManifest({ name: "broken", content: "a: [b\n" })).toBe(true);
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

    it.each([
        ["first server", firstServer],
        ["joining server", joiningServer],
        ["agent", agent],
    ])("the %s blocks the metadata service for pods, enabled before k3s is installed", (_label, r) => {
        const unitPath = `/etc/systemd/system/${UNITS.metadataBlock}`;
        const entries = new Map(writeFilesOf(r.cloudConfig).map((e) => [e.entry.path, e]));
        const script = entries.get(HOST_PATHS.metadataBlockScript);
        expect(script?.entry.permissions).toBe("0755");
        expect(script?.decoded).toContain("iptables -w -t mangle -I FORWARD");
        expect(script?.decoded).toContain("for iface in cni0 flannel.1; do");
        const unit = entries.get(unitPath)?.decoded ?? "";
        expect(unit).toMatch(/^Before=k3s\.service k3s-agent\.service$/m);
        expect(unit).toMatch(/^PartOf=k3s\.service k3s-agent\.service$/m);
        expect(unit).toMatch(/^WantedBy=multi-user\.target$/m);
        const doc = pyYamlLoad(r.cloudConfig) as { runcmd: string[][]; packages: string[] };
        const runcmd = doc.runcmd.map((c) => c.join(" "));
        const enable = runcmd.indexOf(`systemctl enable --now ${UNITS.metadataBlock}`);
        expect(enable).toBeGreaterThan(runcmd.indexOf("systemctl daemon-reload"));
        expect(enable).toBeLessThan(runcmd.indexOf(INSTALL_SCRIPT_PATH));
        expect(doc.packages).toContain("iptables");
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
        ["first server", firstServer, serverInput(true)],
        ["joining server", joiningServer, serverInput(false)],
        ["agent", agent, undefined],
    ] as const)(
        "the %s's user data carries no credential outside SECRETS_DIR, and every file there is 0600",
        (_label, r, input) => {
            const t = agentInput();
            const secrets: string[] = [t.agentToken, AGENT_PASSWORD];
            if (input) {
                secrets.push(input.serverToken, SERVER_PASSWORD, input.etcdSnapshots.secretKey, HCLOUD_TOKEN);
                secrets.push(input.etcdSnapshots.accessKey);
            }
            if (r === firstServer) {
                const m = pki.material;
                secrets.push(m.serviceKeyPem.trim(), ...Object.values(m.cas).map((c) => c.keyPem.trim()));
            }
            const inSecretsDir = (p: string) => p.startsWith(`${SECRETS_DIR}/`);
            const entries = writeFilesOf(r.cloudConfig);
            const everything = entries.map((e) => e.decoded).join("\n");
            for (const s of secrets) expect(everything).toContain(s);
            for (const { entry, decoded } of entries) {
                if (inSecretsDir(entry.path)) {
                    expect(entry.permissions, entry.path).toBe("0600");
                    continue;
                }
                for (const s of secrets)
                    expect(decoded.includes(s), `${entry.path} holds a credential`).toBe(false);
                expect(decoded, entry.path).not.toContain("PRIVATE KEY");
            }
            // Outside write_files (runcmd, packages) there is none either.
            const { write_files: _w, ...rest } = parse(r.cloudConfig) as Record<string, unknown>;
            const others = JSON.stringify(rest);
            for (const s of secrets) expect(others).not.toContain(s);
            // And the policy's own detector finds nothing secret-looking outside the secrets directory.
            const split = splitUserData(r.cloudConfig, SECRETS_DIR);
            const hits = split.units.flatMap((u) =>
                scanText(u.key !== undefined && !u.text.includes("\n") ? `${u.key}: ${u.text}` : u.text).map(
                    (h) => `${u.where} line ${h.line ?? "?"}: ${h.kind}`,
                ),
            );
            expect(hits).toEqual([]);
            expect(split.unreadable).toEqual([]);
            expect(split.secretFiles.length).toBeGreaterThan(0);
            // The secrets directory itself is made owner-only before anything reads from it.
            const doc = pyYamlLoad(r.cloudConfig) as { runcmd: string[][] };
            expect(doc.runcmd[0]).toEqual(["chmod", "0700", SECRETS_DIR]);
        },
    );

    it("points k3s at the token files and the etcd S3 drop-in it merges", () => {
        const cfg = (r: typeof agent) =>
            pyYamlLoad(fileAt(r.files, K3S_CONFIG_PATH).content) as Record<string, unknown>;
        expect(cfg(firstServer)).toMatchObject({
            "token-file": K3S_SECRET_FILES.serverToken,
            "agent-token-file": K3S_SECRET_FILES.agentToken,
        });
        expect(cfg(agent)["token-file"]).toBe(K3S_SECRET_FILES.agentToken);
        expect(fileAt(agent.files, K3S_SECRET_FILES.agentToken).content).toBe(agentInput().agentToken);
        expect(agent.files.some((f) => f.path === K3S_SECRET_FILES.serverToken)).toBe(false);
        const s3 = fileAt(joiningServer.files, K3S_SECRET_FILES.etcdS3);
        const snapshots = serverInput(false).etcdSnapshots;
        expect(pyYamlLoad(s3.content)).toEqual({
            "etcd-s3-access-key": snapshots.accessKey,
            "etcd-s3-secret-key": snapshots.secretKey,
        });
        expect(K3S_ETCD_S3_DROPIN).toMatch(/^\/etc\/rancher\/k3s\/config\.yaml\.d\/[^/]+\.yaml$/);
        expect(fileAt(joiningServer.files, INSTALL_SCRIPT_PATH).content).toContain(
            `place '${K3S_SECRET_FILES.etcdS3}' '${K3S_ETCD_S3_DROPIN}'`,
        );
        expect(fileAt(agent.files, INSTALL_SCRIPT_PATH).content).not.toContain("place ");
    });

    it("the installer really places the secrets 0600 before running the k3s install script", () => {
        const root = sandbox("k3s-install");
        for (const f of firstServer.files.filter((x) => x.path.startsWith(`${SECRETS_DIR}/`))) {
            mkdirSync(join(root, f.path, ".."), { recursive: true });
            writeFileSync(join(root, f.path), f.content, { mode: 0o600 });
        }
        mkdirSync(join(root, K3S_NODE_DROPIN, ".."), { recursive: true });
        writeFileSync(join(root, K3S_NODE_DROPIN), 'node-name: "cp-1"\n');
        // curl "downloads" an installer that records which secrets were in place when it ran.
        const bin = join(root, "bin");
        mkdirSync(bin);
        const marker = join(root, "installer-saw");
        writeFileSync(
            join(bin, "curl"),
            [
                "#!/usr/bin/env bash",
                "while [[ $# -gt 0 ]]; do if [[ $1 == -o ]]; then out=$2; shift; fi; shift; done",
                `printf '%s\\n' 'ls -R "$PHASE_STACKS_ROOT/var/lib/rancher" "$PHASE_STACKS_ROOT/etc/rancher" >${marker}' >"$out"`,
                "",
            ].join("\n"),
            { mode: 0o755 },
        );
        const script = join(root, "install.sh");
        writeFileSync(script, fileAt(firstServer.files, INSTALL_SCRIPT_PATH).content, { mode: 0o755 });
        const r = spawnSync(requireTool("bash"), [script], {
            env: { PATH: `${bin}:${process.env["PATH"] ?? "/usr/bin:/bin"}`, PHASE_STACKS_ROOT: root },
            encoding: "utf8",
            timeout: 30_000,
        });
        expect(r.status, `${r.stdout}${r.stderr}`).toBe(0);
        const placed = [
            `${K3S_TLS_DIR}/server-ca.key`,
            `${K3S_TLS_DIR}/etcd/peer-ca.key`,
            `${K3S_TLS_DIR}/service.key`,
            `${K3S_MANIFEST_DIR}/hcloud-secret.yaml`,
            K3S_ETCD_S3_DROPIN,
        ];
        for (const p of placed) {
            const st = spawnSync("stat", ["-c", "%a", join(root, p)], { encoding: "utf8" });
            expect(st.stdout.trim(), p).toBe("600");
        }
        expect(readFileSync(join(root, `${K3S_TLS_DIR}/service.key`), "utf8")).toBe(
            pki.material.serviceKeyPem,
        );
        const saw = readFileSync(marker, "utf8");
        expect(saw).toContain("service.key");
        expect(saw).toContain("hcloud-secret.yaml");
        expect(saw).toContain("20-etcd-s3.yaml");
        expect(() => renderInstallScript("server", [{ from: "relative", to: "/x" }])).toThrow(/absolute/);
    });

    it.each([
        ["first server", firstServer],
        ["agent", agent],
    ])("the %s's scripts pass shellcheck", (_label, r) => {
        const dir = sandbox("k3s-shellcheck");
        const scripts = r.files.filter((f) => f.kind === "shell");
        expect(scripts.map((f) => f.path).sort()).toEqual(
            [INSTALL_SCRIPT_PATH, NODE_SCRIPT_PATH, HOST_PATHS.metadataBlockScript].sort(),
        );
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
            PHASE_STACKS_DROPIN_DIR: join(dir, "config.yaml.d"),
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
            PHASE_STACKS_IP_ADDR_JSON: join(dir, "addrs.json"),
            PHASE_STACKS_NODE_HOSTNAME: "agents-cx33-5c1e0a7f3b2d9e41",
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
            PHASE_STACKS_IP_ADDR_JSON: join(dir, "addrs.json"),
            PHASE_STACKS_NODE_HOSTNAME: "cp-2",
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
            PHASE_STACKS_IP_ADDR_JSON: join(dir, "addrs.json"),
            PHASE_STACKS_NODE_HOSTNAME: "agents-cx33-1",
            PHASE_STACKS_NIC_WAIT_SECONDS: "1",
            PHASE_STACKS_NIC_WAIT_INTERVAL: "0.2",
        });
        expect(r.status).toBe(1);
        expect(r.output).toContain(`no interface has an IPv4 address in ${POOL_SUBNET} after 1s`);
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
                PHASE_STACKS_DROPIN_DIR: join(dir, "config.yaml.d"),
                PHASE_STACKS_IP_ADDR_JSON: addrs,
                PHASE_STACKS_NODE_HOSTNAME: "agents-cx33-2",
                PHASE_STACKS_NIC_WAIT_SECONDS: "20",
                PHASE_STACKS_NIC_WAIT_INTERVAL: "0.2",
            },
        });
        let output = "";
        child.stdout.on("data", (d: Buffer) => (output += d.toString()));
        child.stderr.on("data", (d: Buffer) => (output += d.toString()));
        setTimeout(() => writeFileSync(addrs, readFileSync(join(dir, "late.json"))), 800);
        const status = await new Promise<number | null>((resolve) => child.on("close", resolve));
        expect(status, output).toBe(0);
        expect(output).toContain("uses 10.0.16.5 on enp7s0");
    });

    it("refuses a hostname that is not a valid node name", () => {
        const dir = sandbox("k3s-node");
        writeFileSync(join(dir, "addrs.json"), ipJson(CROWDED));
        const r = runNodeScript(agentScript, dir, {
            PHASE_STACKS_IP_ADDR_JSON: join(dir, "addrs.json"),
            PHASE_STACKS_NODE_HOSTNAME: "Agents_1",
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
            PHASE_STACKS_IP_ADDR_JSON: join(dir, "addrs.json"),
            PHASE_STACKS_NODE_HOSTNAME: "cp-1",
            PHASE_STACKS_JOIN_CA: ca,
            PHASE_STACKS_ETCD_DIR: join(dir, "etcd"),
            PHASE_STACKS_JOIN_PROBE_TRIES: "2",
            PHASE_STACKS_NIC_WAIT_INTERVAL: "1",
        };
    };
    const joinDropin = (dir: string) => join(dir, "config.yaml.d", "05-join.yaml");

    it("initialises when nothing answers at the join URL", () => {
        const dir = sandbox("k3s-probe");
        const r = runNodeScript(serverScript, dir, {
            ...base(dir),
            PHASE_STACKS_JOIN_URL: "https://127.0.0.1:9",
        });
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
            const r = runNodeScript(serverScript, dir, { ...base(dir), PHASE_STACKS_JOIN_URL: url });
            expect(r.status, r.output).toBe(0);
            expect(r.output).toContain("joining instead of initialising");
            expect(pyYamlLoad(readFileSync(joinDropin(dir), "utf8"))).toEqual({ server: url });
        });
    });

    it("does not join a server whose certificate another CA signed", async () => {
        await withTlsServer("stranger", (url) => {
            const dir = sandbox("k3s-probe");
            const r = runNodeScript(serverScript, dir, { ...base(dir), PHASE_STACKS_JOIN_URL: url });
            expect(r.status, r.output).toBe(0);
            expect(existsSync(joinDropin(dir))).toBe(false);
        });
    });

    it("does not probe once this server has etcd data", async () => {
        await withTlsServer("cluster", (url) => {
            const dir = sandbox("k3s-probe");
            mkdirSync(join(dir, "etcd"));
            const r = runNodeScript(serverScript, dir, { ...base(dir), PHASE_STACKS_JOIN_URL: url });
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
