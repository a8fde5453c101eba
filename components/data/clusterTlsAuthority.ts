import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import type { ClusterTlsMaterial } from "../../core/render/data/clusterTls";

export interface ClusterTlsAuthorityArgs {
    /** Shown in the certificates' subject, e.g. the stack and region. */
    readonly organization: string;
    /** Each member's name and the addresses peers dial it at (its private IP). */
    readonly members: readonly { readonly name: string; readonly ip: string }[];
}

const CA_VALIDITY_HOURS = 10 * 365 * 24;
/** Five years: a member gets a new certificate only when its host is rebuilt (stateful user data is ignored). */
const LEAF_VALIDITY_HOURS = 5 * 365 * 24;

/**
 * The TLS material of one data tier's consensus layer: a CA, and per member (database node or etcd witness) one
 * certificate for its private address, used as server and client by etcd's peers and clients and by Patroni's
 * REST API. The keys stay secrets; each reaches only its own host's 0600 file.
 */
export class ClusterTlsAuthority extends pulumi.ComponentResource {
    /** Member name → its TLS files' contents. */
    public readonly material: Readonly<Record<string, pulumi.Output<ClusterTlsMaterial>>>;
    /** The CA certificate alone: what a client checking a member's certificate needs. */
    public readonly caCertPem: pulumi.Output<string>;

    constructor(name: string, args: ClusterTlsAuthorityArgs, opts?: pulumi.ComponentResourceOptions) {
        super("phase-stacks:data:ClusterTlsAuthority", name, {}, opts);
        const key = (n: string) =>
            new tls.PrivateKey(n, { algorithm: "ECDSA", ecdsaCurve: "P256" }, { parent: this });
        const caKey = key(`${name}-ca-key`);
        const ca = new tls.SelfSignedCert(
            `${name}-ca-cert`,
            {
                privateKeyPem: caKey.privateKeyPem,
                subject: { commonName: "phase-stacks data tier CA", organization: args.organization },
                isCaCertificate: true,
                validityPeriodHours: CA_VALIDITY_HOURS,
                allowedUses: ["cert_signing", "crl_signing", "digital_signature"],
            },
            { parent: this },
        );
        this.material = Object.fromEntries(
            args.members.map((m) => {
                const k = key(`${name}-${m.name}-key`);
                const csr = new tls.CertRequest(
                    `${name}-${m.name}-csr`,
                    {
                        privateKeyPem: k.privateKeyPem,
                        subject: { commonName: m.name, organization: args.organization },
                        // Loopback too: patronictl and etcdctl on the host itself.
                        ipAddresses: [m.ip, "127.0.0.1"],
                    },
                    { parent: this },
                );
                const cert = new tls.LocallySignedCert(
                    `${name}-${m.name}-cert`,
                    {
                        certRequestPem: csr.certRequestPem,
                        caPrivateKeyPem: caKey.privateKeyPem,
                        caCertPem: ca.certPem,
                        validityPeriodHours: LEAF_VALIDITY_HOURS,
                        allowedUses: ["digital_signature", "key_agreement", "server_auth", "client_auth"],
                    },
                    { parent: this },
                );
                return [
                    m.name,
                    pulumi.secret(
                        pulumi
                            .all([ca.certPem, cert.certPem, k.privateKeyPem])
                            .apply(([caCertPem, certPem, keyPem]) => ({ caCertPem, certPem, keyPem })),
                    ),
                ];
            }),
        );
        this.caCertPem = ca.certPem;
        this.registerOutputs({ caCertPem: this.caCertPem });
    }
}
