import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import type { ReplicationTlsMaterial } from "../../core/render/data/crossRegion";
import { REPLICATION_USER } from "../../core/render/data/dataLayout";

export interface ReplicationTlsNode {
    /** The database node's name (unique across regions). */
    readonly name: string;
    /** Its private IPv4: the region's own replicas verify the server's certificate against it. */
    readonly privateIp: pulumi.Input<string>;
    /** Its public IPv4 (an `hcloud.PrimaryIp`'s address): the other regions verify against it. */
    readonly publicIp: pulumi.Input<string>;
}

export interface ReplicationTlsAuthorityArgs {
    /** Shown in the certificates' subject: the stack, so two stacks' CAs never look alike. */
    readonly organization: string;
    /** Every region's database nodes. */
    readonly nodes: readonly ReplicationTlsNode[];
}

const CA_VALIDITY_HOURS = 10 * 365 * 24;
/** Five years: a node gets new certificates only when its host is rebuilt (stateful user data is ignored). */
const LEAF_VALIDITY_HOURS = 5 * 365 * 24;
/** PostgreSQL serves it and libpq shows it: server and client use in one certificate. */
const NODE_USES = ["digital_signature", "key_agreement", "server_auth", "client_auth"];

/**
 * The replication CA of a multi-region stack and, per database node, the certificates PostgreSQL and libpq
 * verify across the internet (core/render/data/crossRegion.ts): a server certificate naming the node's private
 * and public IPs, and two client certificates whose CN is the role they log in as (pg_hba's
 * `clientcert=verify-full` compares the CN with the user): the replication role's and pg_rewind's. One CA for
 * every region, so any region's node can verify any other's. Keys stay secrets; each reaches only its own host.
 */
export class ReplicationTlsAuthority extends pulumi.ComponentResource {
    /** Node name → its replication TLS files' contents (secret). */
    public readonly material: Readonly<Record<string, pulumi.Output<ReplicationTlsMaterial>>>;
    /** The CA certificate alone (public). */
    public readonly caCertPem: pulumi.Output<string>;

    constructor(name: string, args: ReplicationTlsAuthorityArgs, opts?: pulumi.ComponentResourceOptions) {
        super("phase-stacks:data:ReplicationTlsAuthority", name, {}, opts);
        const names = args.nodes.map((n) => n.name);
        if (new Set(names).size !== names.length)
            throw new Error(
                `ReplicationTlsAuthority ${name}: node names must be unique (${names.join(", ")})`,
            );
        const key = (n: string) =>
            new tls.PrivateKey(
                `${name}-${n}-key`,
                { algorithm: "ECDSA", ecdsaCurve: "P256" },
                { parent: this },
            );
        const caKey = key("ca");
        const ca = new tls.SelfSignedCert(
            `${name}-ca-cert`,
            {
                privateKeyPem: caKey.privateKeyPem,
                subject: { commonName: "phase-stacks replication CA", organization: args.organization },
                isCaCertificate: true,
                setSubjectKeyId: true,
                validityPeriodHours: CA_VALIDITY_HOURS,
                allowedUses: ["cert_signing", "crl_signing", "digital_signature"],
            },
            { parent: this },
        );
        const leaf = (
            n: string,
            commonName: string,
            allowedUses: string[],
            ipAddresses?: pulumi.Input<string>[],
        ) => {
            const k = key(n);
            const csr = new tls.CertRequest(
                `${name}-${n}-csr`,
                {
                    privateKeyPem: k.privateKeyPem,
                    subject: { commonName, organization: args.organization },
                    ...(ipAddresses ? { ipAddresses } : {}),
                },
                { parent: this },
            );
            const cert = new tls.LocallySignedCert(
                `${name}-${n}-cert`,
                {
                    certRequestPem: csr.certRequestPem,
                    caPrivateKeyPem: caKey.privateKeyPem,
                    caCertPem: ca.certPem,
                    validityPeriodHours: LEAF_VALIDITY_HOURS,
                    allowedUses,
                },
                { parent: this },
            );
            return { certPem: cert.certPem, keyPem: k.privateKeyPem };
        };
        this.material = Object.fromEntries(
            args.nodes.map((node) => {
                const cert = leaf(`${node.name}-node`, REPLICATION_USER, NODE_USES, [
                    node.privateIp,
                    node.publicIp,
                ]);
                const material = pulumi
                    .all([ca.certPem, cert.certPem, cert.keyPem])
                    .apply(([caCertPem, certPem, keyPem]): ReplicationTlsMaterial => ({
                        caCertPem,
                        certPem,
                        keyPem,
                    }));
                return [node.name, pulumi.secret(material)];
            }),
        );
        this.caCertPem = ca.certPem;
        this.registerOutputs({ caCertPem: this.caCertPem });
    }
}
