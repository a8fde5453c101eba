/**
 * The agent daemon's TLS trio, checked by a real TLS stack: certificates shaped like the ones DockerTlsAuthority
 * issues (ECDSA P-256 CA, a server certificate for the node's IP with serverAuth, a client one with clientAuth) are
 * placed by the renderer, and `openssl s_server` reads them from the paths daemon.json names and, like dockerd with
 * `tlsverify`, requires a client certificate signed by that CA. Loopback only, three handshakes.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { writeFileSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderAgentHost } from "../../../core/render/machines/agentHost";
import { DOCKER_TLS_PATHS } from "../../../core/render/agents/dockerTls";
import { requireTool, runTool } from "../../helpers/tools";
import { fileAt, removeDir, tempDir, writeTree } from "../fixtures";

const dir = tempDir("docker-tls");
const root = join(dir, "host");
const file = (name: string) => join(dir, name);
let server: ChildProcess | undefined;
let port = 0;

function openssl(args: string[]): void {
    const r = runTool("openssl", args);
    if (r.status !== 0) throw new Error(`openssl ${args[0] ?? ""} failed: ${r.output}`);
}

/** A key and certificate signed by the test CA, with the given extensions. */
function leaf(name: string, extensions: string): void {
    openssl(
        [
            "req",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-subj",
            `/CN=${name}`,
        ].concat(["-keyout", file(`${name}.key`), "-out", file(`${name}.csr`)]),
    );
    writeFileSync(file(`${name}.ext`), extensions);
    openssl(
        ["x509", "-req", "-in", file(`${name}.csr`), "-CA", file("ca.pem"), "-CAkey", file("ca.key")].concat([
            "-CAcreateserial",
            "-days",
            "2",
            "-extfile",
            file(`${name}.ext`),
            "-out",
            file(`${name}.pem`),
        ]),
    );
}

function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const s = createServer();
        s.once("error", reject);
        s.listen(0, "127.0.0.1", () => {
            const address = s.address();
            s.close(() => resolve(typeof address === "object" && address ? address.port : 0));
        });
    });
}

beforeAll(async () => {
    const bin = requireTool("openssl");
    openssl(
        ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2"]
            .concat([
                "-subj",
                "/CN=phase-stacks agent Docker CA",
                "-keyout",
                file("ca.key"),
                "-out",
                file("ca.pem"),
            ])
            .concat([
                "-addext",
                "basicConstraints=critical,CA:TRUE",
                "-addext",
                "keyUsage=critical,keyCertSign,cRLSign",
            ]),
    );
    leaf(
        "server",
        "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\nkeyUsage=digitalSignature,keyAgreement\n",
    );
    leaf("client", "extendedKeyUsage=clientAuth\nkeyUsage=digitalSignature,keyAgreement\n");
    const { files } = renderAgentHost({
        pool: {
            tier: "free",
            image: "ghcr.io/example/agent:1.0.0",
            maxContainers: 50,
            nodeMemoryMb: 16384,
            systemReserveMb: 1024,
            intervalSeconds: 15,
        },
        tls: {
            caCertPem: readFileSync(file("ca.pem"), "utf8"),
            serverCertPem: readFileSync(file("server.pem"), "utf8"),
            serverKeyPem: readFileSync(file("server.key"), "utf8"),
        },
        metricsIp: "10.0.1.150",
    });
    writeTree(root, files);
    // The paths dockerd would use, as daemon.json names them.
    const daemon = JSON.parse(fileAt(files, DOCKER_TLS_PATHS.daemon).content) as Record<string, string>;
    const at = (key: string) => join(root, daemon[key] ?? "missing");
    port = await freePort();
    server = spawn(
        bin,
        ["s_server", "-accept", `127.0.0.1:${port}`, "-tls1_2", "-quiet"]
            .concat(["-CAfile", at("tlscacert"), "-cert", at("tlscert"), "-key", at("tlskey")])
            .concat(["-Verify", "1", "-verify_return_error"]),
        { stdio: "ignore" },
    );
    // s_server is up once the port accepts connections.
    for (let i = 0; i < 50; i++) {
        const probe = runTool("openssl", ["s_client", "-connect", `127.0.0.1:${port}`, "-brief"], {
            input: "",
        });
        if (!/connect:errno|Connection refused/.test(probe.output)) break;
        await new Promise((r) => setTimeout(r, 100));
    }
});

afterAll(() => {
    server?.kill();
    removeDir(dir);
});

function handshake(extra: string[]) {
    return runTool(
        "openssl",
        ["s_client", "-connect", `127.0.0.1:${port}`, "-tls1_2", "-verify_return_error"].concat([
            "-CAfile",
            file("ca.pem"),
            "-verify_ip",
            "127.0.0.1",
            ...extra,
        ]),
        { input: "" },
    );
}

describe("agent Docker API TLS (openssl as dockerd's stand-in)", () => {
    it("accepts a pool manager holding a client certificate from the CA, and proves the node's IP", () => {
        const r = handshake(["-cert", file("client.pem"), "-key", file("client.key")]);
        expect(r.output).toMatch(/Verify return code: 0 \(ok\)/);
        expect(r.status, r.output).toBe(0);
    });

    it("refuses a client without a certificate", () => {
        const r = handshake([]);
        expect(r.status).not.toBe(0);
        expect(r.output).toMatch(/alert handshake failure|certificate required/i);
        expect(r.output).not.toMatch(/Connection refused/);
    });
});
