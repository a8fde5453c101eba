/**
 * The agent host's user data: cloud-init accepts it, dockerd gets mutual TLS on 2376 (never 2375) with user
 * namespaces and icc off, the only secret is the server key in a 0600 file, containers are blocked from the
 * metadata service, and every script passes shellcheck.
 */
import { afterAll, describe, expect, it } from "vitest";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { SECRETS_DIR } from "../../../core/render/base/artifact";
import {
    AGENT_HOST_PACKAGES,
    renderAgentHost,
    type AgentHostSpec,
} from "../../../core/render/machines/agentHost";
import { NODE_EXPORTER } from "../../../core/render/monitoring/nodeExporter";
import { DOCKER_TLS_PATHS } from "../../../core/render/agents/dockerTls";
import { WARM_POOL_UNITS } from "../../../core/render/agents/warmPool";
import { containersByMemory } from "../../../core/workload/memoryPlan";
import { CONTAINER_DENIED_RANGES } from "../../../core/render/host/metadataBlock";
import { requireTool, runTool } from "../../helpers/tools";
import { fileAt, originCert, removeDir, tempDir, writeFilesOf, writeTree } from "../fixtures";

const cert = originCert();
const spec: AgentHostSpec = {
    pool: {
        tier: "free",
        image: "ghcr.io/example/agent:1.0.0",
        maxContainers: 50,
        nodeMemoryMb: 16 * 1024,
        systemReserveMb: 1024,
        intervalSeconds: 15,
    },
    // Any real certificate and key will do: the renderer only places them.
    tls: { caCertPem: cert.certPem, serverCertPem: cert.certPem, serverKeyPem: cert.keyPem },
    metricsIp: "10.0.1.150",
};
const { files, cloudConfig } = renderAgentHost(spec);
const root = tempDir("agent-host");
writeTree(root, files);
afterAll(() => removeDir(root));

describe("agent host user data", () => {
    it("passes `cloud-init schema`", () => {
        const dir = tempDir("agent-user-data");
        try {
            writeFileSync(join(dir, "user-data"), cloudConfig);
            const r = runTool("cloud-init", ["schema", "--config-file", join(dir, "user-data")]);
            expect(r.output).toContain("Valid cloud-config");
            expect(r.status).toBe(0);
        } finally {
            removeDir(dir);
        }
    });

    it("carries the server key only as a 0600 file under the secrets directory", () => {
        const entries = writeFilesOf(cloudConfig);
        const holdingKey = entries.filter((e) => e.decoded.includes("PRIVATE KEY"));
        expect(holdingKey.map((e) => [e.entry.path, e.entry.permissions])).toEqual([
            [DOCKER_TLS_PATHS.key, "0600"],
        ]);
        expect(DOCKER_TLS_PATHS.key.startsWith(`${SECRETS_DIR}/`)).toBe(true);
        expect(fileAt(files, DOCKER_TLS_PATHS.key).secret).toBe(true);
    });

    it("pre-pulls the agent image and starts the keeper's timer after docker restarts with TLS", () => {
        const doc = runTool(
            "python3",
            ["-c", "import sys,yaml,json;print(json.dumps(yaml.safe_load(sys.stdin)['runcmd']))"],
            {
                input: cloudConfig,
            },
        );
        const runcmd = (JSON.parse(doc.output) as string[][]).map((c) => c.join(" "));
        const at = (c: string) => runcmd.indexOf(c);
        expect(at("docker pull --quiet ghcr.io/example/agent:1.0.0")).toBeGreaterThan(
            at("systemctl restart docker.service"),
        );
        expect(at("systemctl restart docker.service")).toBeGreaterThan(
            at("systemctl enable --now phase-stacks-metadata-block.service"),
        );
        expect(at(`systemctl enable --now ${WARM_POOL_UNITS.timer}`)).toBeGreaterThan(
            at("docker pull --quiet ghcr.io/example/agent:1.0.0"),
        );
        expect(at("chmod 0700 /etc/phase-stacks/secrets")).toBe(0);
    });

    it("installs node_exporter and restarts it under the drop-in once systemd has read it", () => {
        expect(AGENT_HOST_PACKAGES).toContain(NODE_EXPORTER.package);
        expect(fileAt(files, NODE_EXPORTER.dropIn).content).toContain(
            "--web.listen-address=10.0.1.150:9100 ",
        );
        const doc = runTool(
            "python3",
            ["-c", "import sys,yaml,json;print(json.dumps(yaml.safe_load(sys.stdin)['runcmd']))"],
            { input: cloudConfig },
        );
        const runcmd = (JSON.parse(doc.output) as string[][]).map((c) => c.join(" "));
        expect(runcmd.indexOf(`systemctl restart ${NODE_EXPORTER.unit}`)).toBeGreaterThan(
            runcmd.indexOf("systemctl daemon-reload"),
        );
    });
});

describe("agent docker daemon", () => {
    const daemon = JSON.parse(fileAt(files, DOCKER_TLS_PATHS.daemon).content) as Record<string, unknown>;

    it("serves the API with mutual TLS on 2376 and the local socket only, never on 2375", () => {
        expect(daemon["hosts"]).toEqual(["unix:///var/run/docker.sock", "tcp://0.0.0.0:2376"]);
        expect(JSON.stringify(daemon)).not.toContain("2375");
        expect(daemon).toMatchObject({ tls: true, tlsverify: true });
        for (const [key, path] of [
            ["tlscacert", DOCKER_TLS_PATHS.ca],
            ["tlscert", DOCKER_TLS_PATHS.cert],
            ["tlskey", DOCKER_TLS_PATHS.key],
        ] as const) {
            expect(daemon[key]).toBe(path);
            expect(fileAt(files, path).content.length).toBeGreaterThan(0);
        }
    });

    it("remaps user namespaces, turns icc off and keeps the app host's hardening", () => {
        expect(daemon).toMatchObject({
            "userns-remap": "default",
            icc: false,
            "no-new-privileges": true,
            "live-restore": true,
            "userland-proxy": false,
            "log-driver": "json-file",
            "log-opts": { "max-size": "10m", "max-file": "3" },
        });
    });

    it("the certificates are real PEM that openssl reads, and the key matches", () => {
        const modulus = (args: string[]) => runTool("openssl", args).output.trim();
        const certMod = modulus(["x509", "-noout", "-modulus", "-in", join(root, DOCKER_TLS_PATHS.cert)]);
        const keyMod = modulus(["rsa", "-noout", "-modulus", "-in", join(root, DOCKER_TLS_PATHS.key)]);
        expect(certMod).toMatch(/^Modulus=/);
        expect(certMod).toBe(keyMod);
    });

    it("has room for a network per agent: more /28s than any node's containers, outside 10.0.0.0/8", () => {
        const pools = daemon["default-address-pools"] as { base: string; size: number }[];
        expect(pools).toHaveLength(1);
        const [base, prefix] = (pools[0]?.base ?? "").split("/");
        const networks = 2 ** ((pools[0]?.size ?? 0) - Number(prefix));
        expect(networks).toBeGreaterThanOrEqual(containersByMemory(64, 256, 0));
        expect(base?.startsWith("10.")).toBe(false);
    });

    it("drops dockerd's -H fd:// so daemon.json's hosts apply (dockerd refuses both)", () => {
        const dropIn = fileAt(files, DOCKER_TLS_PATHS.dropIn).content;
        expect(dropIn).toMatch(/^\[Service\]\nExecStart=\nExecStart=\/usr\/bin\/dockerd --containerd=\S+$/m);
        expect(dropIn).not.toContain("-H");
    });

    it("refuses TLS material that is not PEM, without echoing it", () => {
        expect(() => renderAgentHost({ ...spec, tls: { ...spec.tls, serverKeyPem: "hunter2" } })).toThrow(
            /^docker TLS server key is not a PEM block of the expected kind$/,
        );
    });
});

describe("agent host scripts", () => {
    it.each(files.filter((f) => f.kind === "shell").map((f) => f.path))("%s passes shellcheck", (path) => {
        const r = runTool("shellcheck", ["--severity=style", "--shell=bash", join(root, path)]);
        expect(r.output).toBe("");
        expect(r.status).toBe(0);
    });

    it("refuses new connections from agent containers to private and link-local ranges (real iptables, private namespace)", () => {
        requireTool("iptables");
        const script = join(root, "/opt/phase-stacks/bin/block-metadata-service.sh");
        const r = runTool("unshare", [
            "--map-root-user",
            "--net",
            "bash",
            "-c",
            `bash ${script} && bash ${script} && iptables -w -S DOCKER-USER`,
        ]);
        expect(r.status, r.output).toBe(0);
        const isolation = r.output.split("\n").filter((l) => l.includes("--ctstate NEW"));
        // Each range from each kind of container bridge, once, however often the script runs.
        expect(isolation).toHaveLength(CONTAINER_DENIED_RANGES.length * 2);
        for (const range of CONTAINER_DENIED_RANGES) {
            for (const bridge of ["docker0", "br-+"]) {
                expect(isolation).toContain(
                    `-A DOCKER-USER -d ${range} -i ${bridge} -m conntrack --ctstate NEW -j REJECT --reject-with icmp-port-unreachable`,
                );
            }
        }
    });

    it("blocks containers from the metadata service before dockerd starts", () => {
        const unit = fileAt(files, "/etc/systemd/system/phase-stacks-metadata-block.service").content;
        expect(unit).toMatch(/^Before=docker\.service$/m);
        expect(fileAt(files, "/opt/phase-stacks/bin/block-metadata-service.sh").content).toContain(
            'DOCKER-USER -d "$metadata" -j REJECT',
        );
    });
});
