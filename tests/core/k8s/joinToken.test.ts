import { createHash, generateKeyPairSync } from "node:crypto";
import { describe, expect, it } from "vitest";
import { certificateDerSha256, secureJoinToken } from "../../../core/k8s/joinToken";
import { renderKubeconfig } from "../../../core/k8s/kubeconfig";
import { caBundle } from "../../../core/k8s/pki";

// Any DER will do for the digest: the PEM body is base64 of it.
const der = Buffer.from(
    generateKeyPairSync("ec", { namedCurve: "prime256v1" }).publicKey.export({ type: "spki", format: "der" }),
);
const pem = (d: Buffer) =>
    `-----BEGIN CERTIFICATE-----\n${d.toString("base64").replace(/(.{64})/g, "$1\n")}\n-----END CERTIFICATE-----\n`;

describe("secure join token", () => {
    it("hashes the DER under the PEM armour, whatever its line breaks", () => {
        const expected = createHash("sha256").update(der).digest("hex");
        expect(certificateDerSha256(pem(der))).toBe(expected);
        expect(secureJoinToken(pem(der), "server", "abc123")).toBe(`K10${expected}::server:abc123`);
        expect(secureJoinToken(pem(der), "node", "abc123")).toBe(`K10${expected}::node:abc123`);
    });

    it("refuses a bundle or no certificate: the token must name exactly the root", () => {
        expect(() => certificateDerSha256(caBundle(pem(der), pem(der)))).toThrow(
            /exactly one PEM certificate, found 2/,
        );
        expect(() =>
            certificateDerSha256("-----BEGIN PUBLIC KEY-----\nAA==\n-----END PUBLIC KEY-----\n"),
        ).toThrow(/found 0/);
    });
});

describe("kubeconfig", () => {
    const base = { name: "k3s-p5", caPem: "ca", clientCertPem: "cert", clientKeyPem: "key" };

    it("refuses a server that is not an https origin", () => {
        expect(() => renderKubeconfig({ ...base, server: "http://198.51.100.7:6443" })).toThrow(
            /https:\/\/ origin/,
        );
        expect(() => renderKubeconfig({ ...base, server: "https://198.51.100.7:6443/" })).toThrow(
            /https:\/\/ origin/,
        );
        expect(renderKubeconfig({ ...base, server: "https://198.51.100.7:6443" })).toContain(
            "server: https://198.51.100.7:6443",
        );
    });
});
