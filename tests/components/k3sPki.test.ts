/**
 * The cluster PKI and admin kubeconfig under mocks that issue real keys and certificates: openssl judges the
 * chains, CA constraints and key usages; the join tokens' hash is checked against the DER digest openssl
 * computes; kubectl reads the kubeconfig the program builds.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ClusterAccess } from "../../components/k8s/clusterAccess";
import { K3sPki } from "../../components/k8s/k3sPki";
import { K3S_CAS, k3sTlsFiles, type K3sPkiMaterial } from "../../core/k8s/pki";
import { recordRegistrations, type RecordedResource } from "../../tools/plan/recorder";
import { RealTlsMocks } from "../helpers/realTlsMocks";
import { requireTool, runTool } from "../helpers/tools";

const API_HOST = "198.51.100.7";
const CLUSTER_ID = "k3s-unit";

interface Resolved {
    /** Which of the outputs below are secrets. */
    secret: Record<string, boolean>;
    material: K3sPkiMaterial;
    serverToken: string;
    agentToken: string;
    adminCertPem: string;
    kubeconfig: string;
}

let got: Resolved;
let recorded: RecordedResource[];
let dir: string;
const value = <T>(o: pulumi.Output<T>) => new Promise<T>((resolve) => o.apply(resolve));
const file = (name: string, content: string) => {
    const p = join(dir, name);
    writeFileSync(p, content);
    return p;
};
const openssl = (...args: string[]) => runTool("openssl", args);

beforeAll(async () => {
    requireTool("openssl");
    requireTool("kubectl");
    dir = mkdtempSync(join(tmpdir(), "k3s-pki-"));
    // A preview: the readiness gate must not ask a real address for /readyz.
    await pulumi.runtime.setMocks(new RealTlsMocks(), "phase-stacks", "unit", true);
    recorded = recordRegistrations();
    await pulumi.runtime.runInPulumiStack(async () => {
        const pki = new K3sPki("k3s", { organization: "phase-stacks unit" });
        const access = new ClusterAccess("k3s", {
            pki,
            apiHost: API_HOST,
            clusterIdentifier: CLUSTER_ID,
            servers: [],
        });
        const outputs = {
            material: pki.material,
            serverToken: pki.serverToken,
            agentToken: pki.agentToken,
            adminKeyPem: pki.adminKeyPem,
            kubeconfig: access.kubeconfig,
            rootCertPem: pki.rootCertPem,
        };
        const secret: Record<string, boolean> = {};
        for (const [k, o] of Object.entries(outputs))
            secret[k] = await pulumi.isSecret(o as pulumi.Output<unknown>);
        got = {
            secret,
            material: await value(pki.material),
            serverToken: await value(pki.serverToken),
            agentToken: await value(pki.agentToken),
            adminCertPem: await value(pki.adminCertPem),
            kubeconfig: await value(access.kubeconfig),
        };
        return {};
    });
    await pulumi.runtime.disconnect();
}, 60_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("K3sPki", () => {
    it("every CA k3s requires chains to the root and carries CA constraints and signing usages", () => {
        const root = file("root.pem", got.material.rootCertPem);
        for (const { role } of K3S_CAS) {
            const ca = file(`${role}.pem`, got.material.cas[role].certPem);
            expect(openssl("verify", "-CAfile", root, ca).output).toContain(`${ca}: OK`);
            const ext = openssl("x509", "-in", ca, "-noout", "-ext", "basicConstraints,keyUsage").output;
            expect(ext).toMatch(/Basic Constraints: critical\s+CA:TRUE/);
            expect(ext).toMatch(
                /Key Usage: critical\s+Digital Signature, Key Encipherment, Certificate Sign, CRL Sign/,
            );
        }
        expect(openssl("x509", "-in", root, "-noout", "-ext", "basicConstraints").output).toMatch(/CA:TRUE/);
    });

    it("the admin certificate is a client certificate in system:masters that only the client CA issued", () => {
        const root = file("root.pem", got.material.rootCertPem);
        const admin = file("admin.pem", got.adminCertPem);
        const viaClientCa = file("client-ca.pem", got.material.cas["client-ca"].certPem);
        const viaServerCa = file("server-ca.pem", got.material.cas["server-ca"].certPem);
        const ok = openssl(
            "verify",
            "-CAfile",
            root,
            "-untrusted",
            viaClientCa,
            "-purpose",
            "sslclient",
            admin,
        );
        expect(ok.status, ok.output).toBe(0);
        expect(openssl("verify", "-CAfile", root, "-untrusted", viaServerCa, admin).status).not.toBe(0);
        const text = openssl(
            "x509",
            "-in",
            admin,
            "-noout",
            "-subject",
            "-ext",
            "basicConstraints,extendedKeyUsage",
        );
        expect(text.output).toMatch(/subject=CN ?= ?phase-stacks-admin, O ?= ?system:masters/);
        expect(text.output).toMatch(/CA:FALSE/);
        expect(text.output).toMatch(/Extended Key Usage:\s+TLS Web Client Authentication/);
    });

    it("the join tokens carry the root's DER sha256 as openssl computes it, with separate passwords", () => {
        const der = runTool("sh", [
            "-c",
            `openssl x509 -in ${file("root.pem", got.material.rootCertPem)} -outform DER | openssl dgst -sha256 -r`,
        ]);
        const digest = der.output.split(" ")[0];
        expect(digest).toMatch(/^[0-9a-f]{64}$/);
        const server = /^K10([0-9a-f]{64})::server:([A-Za-z0-9]{48})$/.exec(got.serverToken);
        const agent = /^K10([0-9a-f]{64})::node:([A-Za-z0-9]{48})$/.exec(got.agentToken);
        expect(server?.[1]).toBe(digest);
        expect(agent?.[1]).toBe(digest);
        expect(server?.[2]).not.toBe(agent?.[2]);
    });

    it("the TLS directory holds each CA as a bundle ending in the root, its key, and an RSA service key", () => {
        const files = k3sTlsFiles(got.material);
        expect(files.map((f) => f.path.replace("/var/lib/rancher/k3s/server/tls/", ""))).toEqual([
            ...["server-ca.crt", "server-ca.key", "client-ca.crt", "client-ca.key"],
            ...["request-header-ca.crt", "request-header-ca.key", "etcd/peer-ca.crt", "etcd/peer-ca.key"],
            ...["etcd/server-ca.crt", "etcd/server-ca.key", "service.key"],
        ]);
        for (const f of files.filter((x) => x.path.endsWith(".crt"))) {
            expect(f.content.match(/BEGIN CERTIFICATE/g)).toHaveLength(2);
            expect(f.content.trimEnd().endsWith(got.material.rootCertPem.trimEnd())).toBe(true);
        }
        const serviceKey = file("service.key", files.at(-1)!.content);
        expect(openssl("pkey", "-in", serviceKey, "-noout", "-text").output).toMatch(
            /Private-Key: \(2048 bit/,
        );
        // Each CA key matches its certificate.
        for (const { role } of K3S_CAS) {
            const fromKey = openssl(
                "pkey",
                "-in",
                file(`${role}.key`, got.material.cas[role].keyPem),
                "-pubout",
            );
            const fromCert = openssl(
                "x509",
                "-in",
                file(`${role}.crt`, got.material.cas[role].certPem),
                "-noout",
                "-pubkey",
            );
            expect(fromKey.output).toMatch(/BEGIN PUBLIC KEY/);
            expect(fromKey.output).toBe(fromCert.output);
        }
    });
});

describe("ClusterAccess", () => {
    const kubectl = (jsonpath: string) => {
        const r = runTool("kubectl", ["config", "view", "--raw", "-o", `jsonpath=${jsonpath}`], {
            env: { ...process.env, KUBECONFIG: file("kubeconfig", got.kubeconfig) },
        });
        expect(r.status, r.output).toBe(0);
        return r.output;
    };
    const decoded = (jsonpath: string) => Buffer.from(kubectl(jsonpath), "base64").toString("utf8");

    it("kubectl reads the API load balancer as the server, the server CA bundle and the admin user", () => {
        expect(kubectl("{.current-context}")).toBe(CLUSTER_ID);
        expect(kubectl("{.clusters[0].cluster.server}")).toBe(`https://${API_HOST}:6443`);
        const ca = decoded("{.clusters[0].cluster.certificate-authority-data}");
        expect(ca).toContain(got.material.cas["server-ca"].certPem.trim());
        expect(ca).toContain(got.material.rootCertPem.trim());
        expect(decoded("{.users[0].user.client-certificate-data}")).toBe(got.adminCertPem);
        // The admin key belongs to the admin certificate.
        const key = file("admin.key", decoded("{.users[0].user.client-key-data}"));
        const cert = file("admin.pem", got.adminCertPem);
        expect(openssl("pkey", "-in", key, "-pubout").output).toBe(
            openssl("x509", "-in", cert, "-noout", "-pubkey").output,
        );
    });

    it("the Kubernetes provider takes the kubeconfig and a fixed cluster identifier", () => {
        const provider = recorded.find((r) => r.type === "pulumi:providers:kubernetes");
        expect(provider?.name).toBe("k3s-provider");
        expect(provider?.props["clusterIdentifier"]).toBe(CLUSTER_ID);
        expect(provider?.parent).toContain("phase-stacks:k8s:ClusterAccess::k3s");
    });

    it("every key, token and the kubeconfig are secrets; the root certificate is not", () => {
        expect(got.secret).toEqual({
            material: true,
            serverToken: true,
            agentToken: true,
            adminKeyPem: true,
            kubeconfig: true,
            rootCertPem: false,
        });
    });

    it("the PKI's resources are the root, five CAs and the admin (key, request, certificate), the service key and two passwords", () => {
        const children = recorded.filter((r) => r.custom && r.type !== "pulumi:providers:kubernetes");
        expect(children.length).toBe(2 + 3 * (K3S_CAS.length + 1) + 1 + 2);
        for (const r of children) expect(r.parent).toMatch(/phase-stacks:k8s:K3sPki::k3s$/);
    });
});
