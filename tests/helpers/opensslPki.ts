/**
 * Certificates for tests, issued by the real openssl into one directory: ECDSA P-256 keys (fast handshakes),
 * CAs with CA constraints and signing usages, and leaves with the extensions a test asks for. Files are
 * `<name>.key` and `<name>.crt`.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runTool } from "./tools";

/** CA constraints and usages, as k3s's and the program's CAs carry them. */
export const CA_EXTENSIONS =
    "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign,digitalSignature\n";
export const SERVER_EXTENSIONS = "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n";
export const CLIENT_EXTENSIONS = "extendedKeyUsage=clientAuth\n";

export class OpensslPki {
    constructor(readonly dir: string) {}

    path(file: string): string {
        return join(this.dir, file);
    }

    read(file: string): string {
        return readFileSync(this.path(file), "utf8");
    }

    private openssl(...args: string[]): void {
        const r = runTool("openssl", args, { cwd: this.dir });
        if (r.status !== 0) throw new Error(`openssl ${args.join(" ")} failed:\n${r.output}`);
    }

    private key(name: string): void {
        this.openssl(
            "genpkey",
            "-algorithm",
            "EC",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-out",
            `${name}.key`,
        );
    }

    /** A key, a request for `commonName` and the extensions file the signing step reads. */
    private request(name: string, commonName: string, extensions: string): void {
        this.key(name);
        this.openssl(
            "req",
            "-new",
            "-key",
            `${name}.key`,
            "-subj",
            `/CN=${commonName}`,
            "-out",
            `${name}.csr`,
        );
        writeFileSync(this.path(`${name}.ext`), extensions);
    }

    /** An RSA 2048 key with no certificate (k3s's service-account key). */
    rsaKey(name: string): void {
        this.openssl(
            "genpkey",
            "-algorithm",
            "RSA",
            "-pkeyopt",
            "rsa_keygen_bits:2048",
            "-out",
            `${name}.key`,
        );
    }

    /** A self-signed certificate: a root CA with CA_EXTENSIONS, or a leaf with the extensions given. */
    selfSigned(name: string, commonName: string, extensions: string = CA_EXTENSIONS): void {
        this.request(name, commonName, extensions);
        this.openssl(
            "x509",
            "-req",
            "-in",
            `${name}.csr`,
            "-signkey",
            `${name}.key`,
            "-days",
            "2",
            "-extfile",
            `${name}.ext`,
            "-out",
            `${name}.crt`,
        );
    }

    /** A certificate `signer` (a name in this directory, or the paths of another CA's files) issues. */
    issue(
        name: string,
        commonName: string,
        signer: string | { readonly crt: string; readonly key: string },
        extensions: string,
    ): void {
        this.request(name, commonName, extensions);
        const ca = typeof signer === "string" ? { crt: `${signer}.crt`, key: `${signer}.key` } : signer;
        this.openssl(
            "x509",
            "-req",
            "-in",
            `${name}.csr`,
            "-CA",
            ca.crt,
            "-CAkey",
            ca.key,
            "-CAcreateserial",
            "-days",
            "2",
            "-extfile",
            `${name}.ext`,
            "-out",
            `${name}.crt`,
        );
    }
}
