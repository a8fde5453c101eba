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

function pem(label: string, name: string): string {
    return `-----BEGIN ${label}-----\n${secretPlaceholder(name)}\n-----END ${label}-----\n`;
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

    private outputs(type: string, name: string, id: string): State {
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
                return { result: secretPlaceholder(name) };
            case "tls:index/privateKey:PrivateKey":
                return {
                    privateKeyPem: pem("PRIVATE KEY", name),
                    publicKeyPem: `-----BEGIN PUBLIC KEY-----\n${name}\n-----END PUBLIC KEY-----\n`,
                };
            case "tls:index/certRequest:CertRequest":
                return {
                    certRequestPem: `-----BEGIN CERTIFICATE REQUEST-----\n${name}\n-----END CERTIFICATE REQUEST-----\n`,
                };
            case "tls:index/selfSignedCert:SelfSignedCert":
            case "tls:index/locallySignedCert:LocallySignedCert":
                return { certPem: `-----BEGIN CERTIFICATE-----\n${name}\n-----END CERTIFICATE-----\n` };
            case "cloudflare:index/originCaCertificate:OriginCaCertificate":
                return {
                    certificate: `-----BEGIN CERTIFICATE-----\n${name}\n-----END CERTIFICATE-----\n`,
                    expiresOn: "2041-11-23T00:00:00Z",
                };
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
        return { id, state: { ...inputs, ...this.outputs(args.type, args.name, id) } };
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
