/**
 * Provider-like outputs for the offline plan. Ids are numeric strings for hcloud (its inputs take numbers),
 * addresses come from the documentation ranges (RFC 5737, RFC 3849), and every generated secret is a
 * placeholder, so nothing the plan writes can leak a credential. Ids and addresses are derived from each
 * resource's type and name, not from the order resources register in: adding or moving one resource leaves
 * every other resource's id and address, and so the plan snapshots, as they were.
 */
import { createHash } from "node:crypto";
import type * as pulumi from "@pulumi/pulumi";
import { SERVER_TYPES } from "../../core/catalog/hetzner";
import { secretPlaceholder } from "./stackFile";

type State = Record<string, unknown>;

/** A number in [0, size) from the sha256 of `key`. */
function hashed(key: string, size: number): number {
    const digest = createHash("sha256").update(key).digest("hex");
    return Number(BigInt(`0x${digest.slice(0, 16)}`) % BigInt(size));
}

/** `start`, or the first number after it (wrapping at `size`) that `taken` lacks; then marks it taken. */
function free(start: number, size: number, taken: Set<number>): number {
    let n = start;
    for (let i = 0; taken.has(n) && i < size; i++) n = (n + 1) % size;
    taken.add(n);
    return n;
}

/**
 * Base64 characters in a real PEM body of each kind (PKCS#8 keys; certificates signed by an ECDSA P-256 CA with a
 * few SANs; Cloudflare's RSA-2048 Origin CA certificates): a PEM of the real size, so that the plan's checks on
 * sizes (the 32 KiB userData cap) judge what `pulumi up` will send.
 */
const PEM_BODY_CHARS = {
    "private key RSA": 1624,
    "private key ECDSA": 184,
    "private key ED25519": 64,
    certificate: 600,
    "origin certificate": 1500,
    "certificate request": 600,
    "public key": 120,
} as const;

/** `chars` base64 characters from sha256 of `name`: as incompressible as a real key or certificate, and no secret. */
function filler(name: string, chars: number): string {
    let out = "";
    for (let i = 0; out.length < chars; i++)
        out += createHash("sha256").update(`${name}:${i}`).digest("base64").replace(/=+$/, "");
    return (out.slice(0, chars).match(/.{1,64}/g) ?? []).join("\n");
}

/** A PEM of the real size whose first line names the resource (and marks a secret as a placeholder). */
function pem(label: string, name: string, size: keyof typeof PEM_BODY_CHARS, secret = false): string {
    const first = secret ? secretPlaceholder(name) : name;
    return `-----BEGIN ${label}-----\n${first}\n${filler(name, PEM_BODY_CHARS[size])}\n-----END ${label}-----\n`;
}

/**
 * A password as the provider makes it: without special characters it is alphanumeric of the asked length, so
 * checks on its shape (a k3s join token splits on ':') judge a real value; otherwise the placeholder.
 */
function password(name: string, inputs: State): string {
    const length = typeof inputs["length"] === "number" ? inputs["length"] : 16;
    if (inputs["special"] !== false) return secretPlaceholder(name);
    return filler(`password:${name}`, length * 2)
        .replace(/[^A-Za-z0-9]/g, "")
        .slice(0, length);
}

function keyAlgorithm(inputs: State): "RSA" | "ECDSA" | "ED25519" {
    const a = inputs["algorithm"];
    return a === "ECDSA" || a === "ED25519" ? a : "RSA";
}

export class PlanMocks implements pulumi.runtime.Mocks {
    /** Ids and, per resource type, address host numbers given out: a hash clash moves on to a free one. */
    private readonly ids = new Set<number>();
    private readonly hosts = new Map<string, Set<number>>();

    /** Eight digits, like real Hetzner ids: detectors must not mistake them for secrets. */
    private hcloudId(type: string, name: string): string {
        const size = 90_000_000;
        return String(10_000_000 + free(hashed(`${type}::${name}`, size), size, this.ids));
    }

    /** 1-250: the last byte of a documentation-range address, distinct among one type's resources. */
    private host(type: string, name: string): number {
        const taken = this.hosts.get(type) ?? new Set<number>();
        this.hosts.set(type, taken);
        return free(hashed(`${type}::${name}::address`, 250), 250, taken) + 1;
    }

    private outputs(type: string, name: string, id: string, inputs: State): State {
        const n = this.host(type, name);
        switch (type) {
            case "hcloud:index/server:Server":
                return { ipv4Address: `203.0.113.${n}`, ipv6Address: `2001:db8::${n}`, status: "running" };
            case "hcloud:index/primaryIp:PrimaryIp":
                return { ipAddress: `192.0.2.${n}` };
            case "hcloud:index/loadBalancer:LoadBalancer":
                return { ipv4: `198.51.100.${n}`, ipv6: `2001:db8:1::${n}` };
            case "hcloud:index/volume:Volume":
                return { linuxDevice: `/dev/disk/by-id/scsi-0HC_Volume_${id}` };
            case "random:index/randomPassword:RandomPassword":
                return { result: password(name, inputs) };
            case "tls:index/privateKey:PrivateKey":
                return {
                    privateKeyPem: pem("PRIVATE KEY", name, `private key ${keyAlgorithm(inputs)}`, true),
                    publicKeyPem: pem("PUBLIC KEY", name, "public key"),
                };
            case "tls:index/certRequest:CertRequest":
                return { certRequestPem: pem("CERTIFICATE REQUEST", name, "certificate request") };
            case "tls:index/selfSignedCert:SelfSignedCert":
            case "tls:index/locallySignedCert:LocallySignedCert":
                return { certPem: pem("CERTIFICATE", name, "certificate") };
            case "cloudflare:index/originCaCertificate:OriginCaCertificate":
                return {
                    certificate: pem("CERTIFICATE", name, "origin certificate"),
                    expiresOn: "2041-11-23T00:00:00Z",
                };
            // The provider's await for a LoadBalancer Service ends when the CCM has written the address of the
            // Hetzner load balancer it made: drawn from the load balancers' addresses, so none is given twice.
            case "kubernetes:core/v1:Service": {
                if ((inputs["spec"] as State | undefined)?.["type"] !== "LoadBalancer") return {};
                const lb = this.host("hcloud:index/loadBalancer:LoadBalancer", `service:${name}`);
                return {
                    status: {
                        loadBalancer: { ingress: [{ ip: `198.51.100.${lb}` }, { ip: `2001:db8:1::${lb}` }] },
                    },
                };
            }
            case "docker:index/remoteImage:RemoteImage":
                return {
                    imageId: `sha256:${"0".repeat(64)}`,
                    repoDigest: `${name}@sha256:${"0".repeat(64)}`,
                };
            default:
                return {};
        }
    }

    newResource(args: pulumi.runtime.MockResourceArgs): pulumi.runtime.MockResourceResult {
        const id = args.type.startsWith("hcloud:") ? this.hcloudId(args.type, args.name) : `${args.name}-id`;
        const inputs = args.inputs as State;
        return { id, state: { ...inputs, ...this.outputs(args.type, args.name, id, inputs) } };
    }

    call(args: pulumi.runtime.MockCallArgs): pulumi.runtime.MockCallResult {
        if (args.token === "hcloud:index/getServerType:getServerType") {
            const name = String((args.inputs as State)["name"]);
            const type = (SERVER_TYPES as Record<string, { locations: readonly string[] } | undefined>)[name];
            const locations = (type?.locations ?? []).map((l, i) => ({
                id: i + 1,
                name: l,
                available: true,
                recommended: true,
                isDeprecated: false,
                deprecationAnnounced: "",
                unavailableAfter: "",
            }));
            return { name, locations };
        }
        throw new Error(`the offline plan has no mock for ${args.token}: add one to tools/plan/mocks.ts`);
    }
}
