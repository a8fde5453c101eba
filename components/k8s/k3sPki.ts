import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import * as tls from "@pulumi/tls";
import { K3S_CAS, type CaMaterial, type K3sCaRole, type K3sPkiMaterial } from "../../core/k8s/pki";
import { secureJoinToken } from "../../core/k8s/joinToken";

export interface K3sPkiArgs {
    /** Shown in every certificate's subject: the stack, so two clusters' CAs never look alike. */
    readonly organization: string;
}

/** The root outlives the CAs it signs; k3s never renews a CA (`k3s certificate rotate-ca` replaces them). */
const ROOT_VALIDITY_HOURS = 20 * 365 * 24;
const CA_VALIDITY_HOURS = 10 * 365 * 24;
/** The admin certificate cannot be revoked (k3s has no CRL): one year, renewed by replacing it. */
const ADMIN_VALIDITY_HOURS = 365 * 24;
const CA_USES = ["cert_signing", "crl_signing", "digital_signature", "key_encipherment"];
/** Join-token passwords: alphanumeric, since k3s splits a token on ':'. */
const TOKEN_PASSWORD = { length: 48, special: false } as const;

/**
 * Everything a k3s cluster's trust rests on, made before any server exists: a root, the five CAs k3s
 * requires as its intermediates, the service-account key, the secure server and agent join tokens, and an
 * admin client certificate in `system:masters` signed by the client CA. Every key and token is a secret.
 */
export class K3sPki extends pulumi.ComponentResource {
    /** The root certificate: the kubeconfig's trust anchor and the join tokens' CA hash. */
    public readonly rootCertPem: pulumi.Output<string>;
    /** The TLS directory's contents (secret). */
    public readonly material: pulumi.Output<K3sPkiMaterial>;
    /** `K10<root hash>::server:<password>`: servers join with it, and it encrypts k3s's bootstrap data. */
    public readonly serverToken: pulumi.Output<string>;
    /** `K10<root hash>::node:<password>`: agents join with it, so a leaked node token cannot add a server. */
    public readonly agentToken: pulumi.Output<string>;
    public readonly adminCertPem: pulumi.Output<string>;
    public readonly adminKeyPem: pulumi.Output<string>;

    constructor(name: string, args: K3sPkiArgs, opts?: pulumi.ComponentResourceOptions) {
        super("phase-stacks:k8s:K3sPki", name, {}, opts);
        // The cluster's identity: a replaced root, CA, service key or token password orphans every node (they
        // trust the old CA and token) and every service-account token, so none may go by accident. The admin
        // certificate is not: it is rotated by replacing it.
        const identity = { parent: this, protect: true };
        const key = (n: string, o: pulumi.CustomResourceOptions = identity) =>
            new tls.PrivateKey(`${name}-${n}-key`, { algorithm: "ECDSA", ecdsaCurve: "P256" }, o);
        const subject = (commonName: string) => ({ commonName, organization: args.organization });

        const rootKey = key("root");
        const root = new tls.SelfSignedCert(
            `${name}-root-cert`,
            {
                privateKeyPem: rootKey.privateKeyPem,
                subject: subject("k3s-root-ca"),
                isCaCertificate: true,
                setSubjectKeyId: true,
                validityPeriodHours: ROOT_VALIDITY_HOURS,
                allowedUses: CA_USES,
            },
            identity,
        );
        const signed = (
            n: string,
            caKey: tls.PrivateKey,
            caCert: tls.SelfSignedCert | tls.LocallySignedCert,
            cert: {
                subject: { commonName: string; organization: string };
                isCa: boolean;
                uses: string[];
                hours: number;
            },
            o: pulumi.CustomResourceOptions = identity,
        ): CaMaterialOutput => {
            const k = key(n, o);
            const csr = new tls.CertRequest(
                `${name}-${n}-csr`,
                { privateKeyPem: k.privateKeyPem, subject: cert.subject },
                o,
            );
            const c = new tls.LocallySignedCert(
                `${name}-${n}-cert`,
                {
                    certRequestPem: csr.certRequestPem,
                    caPrivateKeyPem: caKey.privateKeyPem,
                    caCertPem: caCert.certPem,
                    isCaCertificate: cert.isCa,
                    setSubjectKeyId: cert.isCa,
                    validityPeriodHours: cert.hours,
                    allowedUses: cert.uses,
                },
                o,
            );
            return { key: k, cert: c };
        };

        const cas = Object.fromEntries(
            K3S_CAS.map((ca) => [
                ca.role,
                signed(ca.role, rootKey, root, {
                    subject: subject(ca.commonName),
                    isCa: true,
                    uses: CA_USES,
                    hours: CA_VALIDITY_HOURS,
                }),
            ]),
        ) as Record<K3sCaRole, CaMaterialOutput>;
        const clientCa = cas["client-ca"];
        // The API server maps the certificate's organization to the group: system:masters is cluster-admin.
        const admin = signed(
            "admin",
            clientCa.key,
            clientCa.cert,
            {
                subject: { commonName: "phase-stacks-admin", organization: "system:masters" },
                isCa: false,
                uses: ["digital_signature", "key_encipherment", "client_auth"],
                hours: ADMIN_VALIDITY_HOURS,
            },
            { parent: this },
        );
        const serviceKey = new tls.PrivateKey(
            `${name}-service-key`,
            { algorithm: "RSA", rsaBits: 2048 },
            identity,
        );
        const serverPassword = new random.RandomPassword(`${name}-server-token`, TOKEN_PASSWORD, identity);
        const agentPassword = new random.RandomPassword(`${name}-agent-token`, TOKEN_PASSWORD, identity);

        this.rootCertPem = root.certPem;
        this.serverToken = pulumi.secret(
            pulumi
                .all([root.certPem, serverPassword.result])
                .apply(([r, p]) => secureJoinToken(r, "server", p)),
        );
        this.agentToken = pulumi.secret(
            pulumi.all([root.certPem, agentPassword.result]).apply(([r, p]) => secureJoinToken(r, "node", p)),
        );
        this.adminCertPem = admin.cert.certPem;
        this.adminKeyPem = pulumi.secret(admin.key.privateKeyPem);
        const caMaterial = pulumi.all(
            Object.fromEntries(
                K3S_CAS.map(({ role }) => [
                    role,
                    pulumi
                        .all([cas[role].cert.certPem, cas[role].key.privateKeyPem])
                        .apply(([certPem, keyPem]): CaMaterial => ({ certPem, keyPem })),
                ]),
            ) as Record<K3sCaRole, pulumi.Output<CaMaterial>>,
        );
        this.material = pulumi.secret(
            pulumi
                .all([root.certPem, caMaterial, serviceKey.privateKeyPem])
                .apply(([rootCertPem, c, serviceKeyPem]): K3sPkiMaterial => ({
                    rootCertPem,
                    cas: c as Record<K3sCaRole, CaMaterial>,
                    serviceKeyPem,
                })),
        );
        this.registerOutputs({ rootCertPem: this.rootCertPem, adminCertPem: this.adminCertPem });
    }
}

interface CaMaterialOutput {
    readonly key: tls.PrivateKey;
    readonly cert: tls.LocallySignedCert;
}
