/**
 * The offline plan's mocks, except that `@pulumi/tls` and `@pulumi/random` return real material: keys from
 * node:crypto, certificates and requests from `openssl` built from the same inputs the tls provider reads
 * (subject, CA flag, allowed uses, subject key id, validity). Tests then judge the certificates with openssl
 * and kubectl instead of trusting the program's arguments. The plan keeps its placeholders (deterministic
 * snapshots); only tests that check real material use these.
 */
import { execFileSync } from "node:child_process";
import { generateKeyPairSync, randomInt } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type * as pulumi from "@pulumi/pulumi";
import { PlanMocks } from "../../tools/plan/mocks";
import { requireTool } from "./tools";

type Inputs = Record<string, unknown>;

/** terraform-provider-tls's allowed uses, as openssl extension values. */
const KEY_USAGE: Readonly<Record<string, string>> = {
    cert_signing: "keyCertSign",
    crl_signing: "cRLSign",
    digital_signature: "digitalSignature",
    key_encipherment: "keyEncipherment",
    key_agreement: "keyAgreement",
};
const EXT_KEY_USAGE: Readonly<Record<string, string>> = {
    client_auth: "clientAuth",
    server_auth: "serverAuth",
};

/** Mocks receive secret inputs in their wire form ({ <sig>: <secret sig>, value }); the provider sees plain values. */
function unwrapSecrets(v: unknown): unknown {
    if (Array.isArray(v)) return v.map(unwrapSecrets);
    if (v && typeof v === "object") {
        const o = v as Record<string, unknown>;
        if (SECRET_SIG in o) return unwrapSecrets(o["value"]);
        return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, unwrapSecrets(x)]));
    }
    return v;
}
const SECRET_SIG = "4dabf18193072939515e22adb298388d";

function str(inputs: Inputs, key: string): string {
    const v = inputs[key];
    if (typeof v !== "string") throw new Error(`tls mock: input '${key}' is not a string`);
    return v;
}

/** An openssl config whose `dn` is the subject and whose `ext` holds exactly the requested extensions. */
function opensslConfig(inputs: Inputs, signedByCa: boolean): string {
    const subject = (inputs["subject"] ?? {}) as { commonName?: string; organization?: string };
    const uses = (inputs["allowedUses"] ?? []) as string[];
    const unknown = uses.filter((u) => !(u in KEY_USAGE) && !(u in EXT_KEY_USAGE));
    if (unknown.length > 0)
        throw new Error(`tls mock: no openssl mapping for allowed uses ${unknown.join(", ")}`);
    const ku = uses.flatMap((u) => KEY_USAGE[u] ?? []);
    const eku = uses.flatMap((u) => EXT_KEY_USAGE[u] ?? []);
    const ext = [
        `basicConstraints = critical, CA:${inputs["isCaCertificate"] === true ? "TRUE" : "FALSE"}`,
        ...(ku.length ? [`keyUsage = critical, ${ku.join(", ")}`] : []),
        ...(eku.length ? [`extendedKeyUsage = ${eku.join(", ")}`] : []),
        ...(inputs["setSubjectKeyId"] === true ? ["subjectKeyIdentifier = hash"] : []),
        ...(signedByCa ? ["authorityKeyIdentifier = keyid"] : []),
    ];
    return [
        "[req]",
        "distinguished_name = dn",
        "prompt = no",
        "[dn]",
        ...(subject.commonName ? [`CN = ${subject.commonName}`] : []),
        ...(subject.organization ? [`O = ${subject.organization}`] : []),
        "[ext]",
        ...ext,
        "",
    ].join("\n");
}

export class RealTlsMocks extends PlanMocks {
    private readonly openssl = requireTool("openssl");

    private run(files: Record<string, string>, args: (dir: string) => string[], out: string): string {
        const dir = mkdtempSync(join(tmpdir(), "tls-mock-"));
        try {
            for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
            execFileSync(this.openssl, args(dir), { stdio: ["ignore", "ignore", "pipe"] });
            return readFileSync(join(dir, out), "utf8");
        } finally {
            rmSync(dir, { recursive: true, force: true });
        }
    }

    private material(type: string, inputs: Inputs): Inputs | undefined {
        const days = () => String(Math.ceil(Number(inputs["validityPeriodHours"] ?? 24) / 24));
        switch (type) {
            case "tls:index/privateKey:PrivateKey": {
                const rsa = inputs["algorithm"] === "RSA";
                const pair = rsa
                    ? generateKeyPairSync("rsa", { modulusLength: Number(inputs["rsaBits"] ?? 2048) })
                    : generateKeyPairSync("ec", { namedCurve: "prime256v1" });
                return {
                    privateKeyPem: pair.privateKey.export({ type: rsa ? "pkcs1" : "sec1", format: "pem" }),
                    publicKeyPem: pair.publicKey.export({ type: "spki", format: "pem" }),
                };
            }
            case "tls:index/selfSignedCert:SelfSignedCert":
                return {
                    certPem: this.run(
                        { "key.pem": str(inputs, "privateKeyPem"), "req.cnf": opensslConfig(inputs, false) },
                        (d) => [
                            ...[
                                "req",
                                "-x509",
                                "-new",
                                "-key",
                                join(d, "key.pem"),
                                "-config",
                                join(d, "req.cnf"),
                            ],
                            ...["-extensions", "ext", "-days", days(), "-out", join(d, "cert.pem")],
                        ],
                        "cert.pem",
                    ),
                };
            case "tls:index/certRequest:CertRequest":
                return {
                    certRequestPem: this.run(
                        { "key.pem": str(inputs, "privateKeyPem"), "req.cnf": opensslConfig(inputs, false) },
                        (d) => [
                            "req",
                            "-new",
                            "-key",
                            join(d, "key.pem"),
                            "-config",
                            join(d, "req.cnf"),
                            "-out",
                            join(d, "csr.pem"),
                        ],
                        "csr.pem",
                    ),
                };
            case "tls:index/locallySignedCert:LocallySignedCert":
                return {
                    certPem: this.run(
                        {
                            "csr.pem": str(inputs, "certRequestPem"),
                            "ca.pem": str(inputs, "caCertPem"),
                            "ca.key": str(inputs, "caPrivateKeyPem"),
                            "ext.cnf": opensslConfig(inputs, true),
                        },
                        (d) => [
                            ...["x509", "-req", "-in", join(d, "csr.pem"), "-CA", join(d, "ca.pem")],
                            ...["-CAkey", join(d, "ca.key"), "-set_serial", String(randomInt(1, 2 ** 47))],
                            ...["-extfile", join(d, "ext.cnf"), "-extensions", "ext", "-days", days()],
                            ...["-out", join(d, "cert.pem")],
                        ],
                        "cert.pem",
                    ),
                };
            case "random:index/randomPassword:RandomPassword": {
                const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
                const n = Number(inputs["length"] ?? 32);
                return {
                    result: Array.from({ length: n }, () => alphabet[randomInt(alphabet.length)]).join(""),
                };
            }
            default:
                return undefined;
        }
    }

    override newResource(args: pulumi.runtime.MockResourceArgs): pulumi.runtime.MockResourceResult {
        const base = super.newResource(args);
        const real = this.material(args.type, unwrapSecrets(args.inputs) as Inputs);
        return real ? { id: base.id, state: { ...(args.inputs as Inputs), ...real } } : base;
    }
}
