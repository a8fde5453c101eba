/**
 * The replication CA under mocks that issue real keys and certificates: node:crypto's X509Certificate judges that
 * every node's certificates chain to the one CA, that the server certificate names the node's private and public
 * IPs (the public one an Output, as an hcloud.PrimaryIp gives it), and that the client certificates' CNs are the
 * roles pg_hba's clientcert=verify-full compares them with; openssl checks the purposes.
 */
import { execFileSync } from "node:child_process";
import { randomInt, X509Certificate, createPrivateKey, createPublicKey } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ReplicationTlsAuthority } from "../../components/data/replicationTlsAuthority";
import type { ReplicationTlsMaterial } from "../../core/render/data/crossRegion";
import { recordRegistrations, type RecordedResource } from "../../tools/plan/recorder";
import { RealTlsMocks } from "../helpers/realTlsMocks";
import { requireTool, runTool } from "../helpers/tools";

const NODES = [
    { name: "pg-eu-1", privateIp: "10.0.1.11", publicIp: "203.0.113.11" },
    { name: "pg-us-1", privateIp: "10.1.1.11", publicIp: "198.51.100.21" },
] as const;

const KEY_USAGE: Readonly<Record<string, string>> = {
    digital_signature: "digitalSignature",
    key_agreement: "keyAgreement",
    key_encipherment: "keyEncipherment",
};
const EXT_KEY_USAGE: Readonly<Record<string, string>> = {
    server_auth: "serverAuth",
    client_auth: "clientAuth",
};

/** Secret inputs arrive in their wire form ({ <sig>: <secret sig>, value }). */
function unwrap(v: unknown): unknown {
    if (Array.isArray(v)) return v.map(unwrap);
    if (v && typeof v === "object") {
        const o = v as Record<string, unknown>;
        if ("4dabf18193072939515e22adb298388d" in o) return unwrap(o["value"]);
        return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, unwrap(x)]));
    }
    return v;
}

/**
 * RealTlsMocks leaves a CertRequest's ipAddresses/dnsNames out of the request and signs without copying the
 * request's extensions, so its certificates carry no SANs. This adds them the way the tls provider does: in the
 * request, copied into the certificate.
 */
class SanTlsMocks extends RealTlsMocks {
    private readonly sans = new Map<string, string[]>();
    private readonly opensslBin = requireTool("openssl");

    private sign(files: Record<string, string>, args: (dir: string) => string[], out: string): string {
        const dir = mkdtempSync(join(tmpdir(), "san-mock-"));
        try {
            for (const [n, c] of Object.entries(files)) writeFileSync(join(dir, n), c);
            execFileSync(this.opensslBin, args(dir), { stdio: ["ignore", "ignore", "pipe"] });
            return readFileSync(join(dir, out), "utf8");
        } finally {
            rmSync(dir, { recursive: true, force: true });
        }
    }

    override newResource(args: pulumi.runtime.MockResourceArgs): pulumi.runtime.MockResourceResult {
        const base = super.newResource(args);
        const state = base.state as Record<string, unknown>;
        const inputs = unwrap(args.inputs) as Record<string, unknown>;
        if (args.type === "tls:index/certRequest:CertRequest") {
            const sans = [
                ...((inputs["ipAddresses"] as string[] | undefined) ?? []).map((ip) => `IP:${ip}`),
                ...((inputs["dnsNames"] as string[] | undefined) ?? []).map((d) => `DNS:${d}`),
            ];
            if (sans.length) this.sans.set(state["certRequestPem"] as string, sans);
            return base;
        }
        if (args.type !== "tls:index/locallySignedCert:LocallySignedCert") return base;
        const sans = this.sans.get(inputs["certRequestPem"] as string);
        if (!sans) return base;
        // Signed again with the extensions the mock writes (from allowedUses) plus the request's SANs.
        const uses = (inputs["allowedUses"] as string[] | undefined) ?? [];
        const ku = uses.flatMap((u) => KEY_USAGE[u] ?? []);
        const eku = uses.flatMap((u) => EXT_KEY_USAGE[u] ?? []);
        const cnf = [
            "[ext]",
            "basicConstraints = critical, CA:FALSE",
            ...(ku.length ? [`keyUsage = critical, ${ku.join(", ")}`] : []),
            ...(eku.length ? [`extendedKeyUsage = ${eku.join(", ")}`] : []),
            "authorityKeyIdentifier = keyid",
            `subjectAltName = ${sans.join(", ")}`,
            "",
        ].join("\n");
        const certPem = this.sign(
            {
                "csr.pem": inputs["certRequestPem"] as string,
                "ca.pem": inputs["caCertPem"] as string,
                "ca.key": inputs["caPrivateKeyPem"] as string,
                "ext.cnf": cnf,
            },
            (d) => [
                ...["x509", "-req", "-in", join(d, "csr.pem"), "-CA", join(d, "ca.pem")],
                ...["-CAkey", join(d, "ca.key"), "-set_serial", String(randomInt(1, 2 ** 47))],
                ...["-extfile", join(d, "ext.cnf"), "-extensions", "ext", "-days", "1"],
                ...["-out", join(d, "cert.pem")],
            ],
            "cert.pem",
        );
        return { id: base.id, state: { ...state, certPem } };
    }
}

let material: Record<string, ReplicationTlsMaterial>;
let secret: Record<string, boolean>;
let caCertPem: string;
let recorded: RecordedResource[];
let dir: string;
const value = <T>(o: pulumi.Output<T>) => new Promise<T>((resolve) => o.apply(resolve));

beforeAll(async () => {
    requireTool("openssl");
    dir = mkdtempSync(join(tmpdir(), "repl-tls-"));
    await pulumi.runtime.setMocks(new SanTlsMocks(), "phase-stacks", "unit", false);
    recorded = recordRegistrations();
    await pulumi.runtime.runInPulumiStack(async () => {
        const authority = new ReplicationTlsAuthority("repl", {
            organization: "phase-stacks unit",
            nodes: NODES.map((n) => ({
                ...n,
                // Public IPs arrive as outputs of hcloud.PrimaryIp.
                publicIp: pulumi.output(new Promise<string>((r) => setTimeout(() => r(n.publicIp), 10))),
            })),
        });
        material = {};
        secret = {};
        for (const n of NODES) {
            const m = authority.material[n.name] as pulumi.Output<ReplicationTlsMaterial>;
            secret[n.name] = await pulumi.isSecret(m);
            material[n.name] = await value(m);
        }
        caCertPem = await value(authority.caCertPem);
        return {};
    });
    await pulumi.runtime.disconnect();
}, 60_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("ReplicationTlsAuthority", () => {
    it("issues every node's certificates from one CA, as secrets", () => {
        const ca = new X509Certificate(caCertPem);
        expect(ca.ca).toBe(true);
        expect(ca.subject).toMatch(/CN=phase-stacks replication CA/);
        for (const n of NODES) {
            expect(secret[n.name], n.name).toBe(true);
            const m = material[n.name] as ReplicationTlsMaterial;
            expect(m.caCertPem).toBe(caCertPem);
            for (const [certPem, keyPem] of [[m.certPem, m.keyPem]] as const) {
                const cert = new X509Certificate(certPem);
                expect(cert.verify(ca.publicKey), n.name).toBe(true);
                expect(cert.checkIssued(ca)).toBe(true);
                expect(cert.ca).toBe(false);
                // Each certificate with its own key.
                expect(cert.checkPrivateKey(createPrivateKey(keyPem))).toBe(true);
                expect(cert.publicKey.export({ type: "spki", format: "pem" })).toBe(
                    createPublicKey(keyPem).export({ type: "spki", format: "pem" }),
                );
            }
        }
        const keys = NODES.flatMap((n) => {
            const m = material[n.name] as ReplicationTlsMaterial;
            return [m.keyPem];
        });
        expect(new Set(keys).size).toBe(keys.length);
        // Another CA's certificate does not chain to this one.
        const made = runTool("openssl", [
            ...["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-noenc"],
            ...["-keyout", join(dir, "other.key"), "-out", join(dir, "other.pem")],
            ...["-subj", "/CN=replicator", "-days", "1"],
        ]);
        expect(made.status, made.output).toBe(0);
        const foreign = new X509Certificate(readFileSync(join(dir, "other.pem")));
        expect(foreign.verify(ca.publicKey)).toBe(false);
    });

    it("a node's one certificate names its private and public IPs, serves TLS and logs in as the replication role", () => {
        for (const n of NODES) {
            const m = material[n.name] as ReplicationTlsMaterial;
            const cert = new X509Certificate(m.certPem);
            expect(cert.subjectAltName).toBe(`IP Address:${n.privateIp}, IP Address:${n.publicIp}`);
            expect(cert.checkIP(n.publicIp)).toBe(n.publicIp);
            expect(cert.checkIP(n.privateIp)).toBe(n.privateIp);
            expect(cert.checkIP("192.0.2.1")).toBeUndefined();
            // clientcert=verify-full compares the CN with the user it logs in as.
            expect(cert.subject).toMatch(/^CN=replicator$/m);
            expect(cert.keyUsage).toEqual(["1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"]);
            const ca = join(dir, "ca.pem");
            writeFileSync(ca, caCertPem);
            const check = (pem: string, purpose: string) => {
                const f = join(dir, `${n.name}-${purpose}.pem`);
                writeFileSync(f, pem);
                return runTool("openssl", ["verify", "-CAfile", ca, "-purpose", purpose, f]);
            };
            expect(check(m.certPem, "sslserver").status).toBe(0);
            expect(check(m.certPem, "sslclient").status).toBe(0);
        }
    });

    it("registers its children under itself with the names the design gives them", () => {
        const component = recorded.find((r) => r.type === "phase-stacks:data:ReplicationTlsAuthority");
        expect(component?.name).toBe("repl");
        const children = recorded.filter((r) => r.parent === component?.urn);
        expect(children.length).toBe(2 + NODES.length * 3);
        expect(children.every((c) => c.name.startsWith("repl-"))).toBe(true);
        const csr = recorded.find((r) => r.name === "repl-pg-us-1-node-csr");
        expect(csr?.props["ipAddresses"]).toEqual(["10.1.1.11", "198.51.100.21"]);
    });
});
