import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";

export interface DockerTlsAuthorityArgs {
    /** Shown in the certificates' subject, e.g. the stack name. */
    readonly organization: string;
}

const CA_VALIDITY_HOURS = 10 * 365 * 24;
/** Leaf certificates live five years: a host gets new ones only when it is rebuilt (its user data is ignored). */
const LEAF_VALIDITY_HOURS = 5 * 365 * 24;

function key(name: string, parent: pulumi.Resource): tls.PrivateKey {
    return new tls.PrivateKey(name, { algorithm: "ECDSA", ecdsaCurve: "P256" }, { parent });
}

/**
 * The mutual-TLS material of the agent hosts' Docker API (CIS Docker 2.7): a CA, one client certificate for the
 * application's pool manager, and a server certificate per host for its addresses. Keys never leave Pulumi state
 * except as secrets: the client key is a secret output, a server key goes only into its host's 0600 file.
 */
export class DockerTlsAuthority extends pulumi.ComponentResource {
    public readonly caCertPem: pulumi.Output<string>;
    public readonly clientCertPem: pulumi.Output<string>;
    public readonly clientKeyPem: pulumi.Output<string>;
    private readonly caKeyPem: pulumi.Output<string>;
    private readonly organization: string;

    constructor(name: string, args: DockerTlsAuthorityArgs, opts?: pulumi.ComponentResourceOptions) {
        super("phase-stacks:agents:DockerTlsAuthority", name, {}, opts);
        this.organization = args.organization;
        const caKey = key(`${name}-ca-key`, this);
        const ca = new tls.SelfSignedCert(
            `${name}-ca-cert`,
            {
                privateKeyPem: caKey.privateKeyPem,
                subject: { commonName: "phase-stacks agent Docker CA", organization: args.organization },
                isCaCertificate: true,
                validityPeriodHours: CA_VALIDITY_HOURS,
                allowedUses: ["cert_signing", "crl_signing", "digital_signature"],
            },
            { parent: this },
        );
        this.caKeyPem = pulumi.secret(caKey.privateKeyPem);
        this.caCertPem = ca.certPem;
        const client = this.sign(`${name}-client`, this, {
            commonName: "phase-stacks agent pool manager",
            allowedUses: ["digital_signature", "key_agreement", "client_auth"],
        });
        this.clientCertPem = client.certPem;
        this.clientKeyPem = client.keyPem;
        this.registerOutputs({ caCertPem: this.caCertPem, clientCertPem: this.clientCertPem });
    }

    /** A server certificate for one Docker host, valid for the addresses clients dial. */
    public serverCertificate(
        name: string,
        ipAddresses: pulumi.Input<pulumi.Input<string>[]>,
        parent: pulumi.Resource,
    ): { certPem: pulumi.Output<string>; keyPem: pulumi.Output<string> } {
        return this.sign(name, parent, {
            commonName: name,
            ipAddresses,
            allowedUses: ["digital_signature", "key_agreement", "server_auth"],
        });
    }

    private sign(
        name: string,
        parent: pulumi.Resource,
        o: {
            commonName: string;
            ipAddresses?: pulumi.Input<pulumi.Input<string>[]>;
            allowedUses: string[];
        },
    ): { certPem: pulumi.Output<string>; keyPem: pulumi.Output<string> } {
        const k = key(`${name}-key`, parent);
        const csr = new tls.CertRequest(
            `${name}-csr`,
            {
                privateKeyPem: k.privateKeyPem,
                subject: { commonName: o.commonName, organization: this.organization },
                ipAddresses: o.ipAddresses,
            },
            { parent },
        );
        const cert = new tls.LocallySignedCert(
            `${name}-cert`,
            {
                certRequestPem: csr.certRequestPem,
                caPrivateKeyPem: this.caKeyPem,
                caCertPem: this.caCertPem,
                validityPeriodHours: LEAF_VALIDITY_HOURS,
                allowedUses: o.allowedUses,
            },
            { parent },
        );
        return { certPem: cert.certPem, keyPem: pulumi.secret(k.privateKeyPem) };
    }
}
