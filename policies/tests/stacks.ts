/** Whole compliant stacks, shaped like what the program registers, to prove the pack passes them end to end. */
import type { PolicyResource } from "../evaluate";
import { TENANT_LABEL } from "../lib/labels";
import { T } from "../lib/typeTokens";
import { res } from "./table";
import { tenantGuards } from "./tables/caps";
import { compliantContainer } from "./tables/docker";
import { zoneSettings } from "./tables/edge";
import { phase1Firewall } from "./tables/network";
import { deployment } from "./tables/pods";

const urn = (stack: string, type: string, name: string) =>
    `urn:pulumi:${stack}::phase-stacks::${type}::${name}`;

function withUrns(stack: string, resources: PolicyResource[]): PolicyResource[] {
    return resources.map((r) => ({ ...r, urn: urn(stack, r.type, r.name) }));
}

const labels = (role: string, extra: Record<string, string> = {}) => ({
    "managed-by": "phase-stacks",
    stack: "phase1",
    role,
    ...extra,
});
const USER_DATA =
    '#cloud-config\nwrite_files:\n  - path: /etc/phase-stacks/secrets/postgres-password\n    permissions: "0600"\n    content: "[secret]"\nruncmd:\n  - systemctl enable --now docker\n';

/** Phase 1: the all-in-one app server (runs Postgres, so stateful), one agent host, the edge firewall, Cloudflare. */
export function phase1Stack(): PolicyResource[] {
    return withUrns("phase1", [
        res(
            T.hcloudServer,
            "app",
            {
                serverType: "cx33",
                image: "ubuntu-24.04",
                location: "fsn1",
                labels: labels("app", { stateful: "true" }),
                backups: true,
                deleteProtection: true,
                rebuildProtection: true,
                firewallIds: [1001],
                userData: USER_DATA,
            },
            { protect: true, ignoreChanges: ["userData", "sshKeys"] },
        ),
        res(T.hcloudServer, "agents-1", {
            serverType: "cx43",
            image: "ubuntu-24.04",
            location: "fsn1",
            labels: labels("agents"),
            firewallIds: [1001],
            userData: "#cloud-config\nruncmd:\n  - iptables -I DOCKER-USER -d 169.254.169.254 -j DROP\n",
        }),
        phase1Firewall(),
        res(T.cfDnsRecord, "www", {
            zoneId: "z1",
            name: "example.com",
            type: "A",
            content: "203.0.113.10",
            ttl: 1,
            proxied: true,
        }),
        ...zoneSettings(),
    ]);
}

/** dev: every service as a local Docker container, state in protected named volumes. */
export function devStack(): PolicyResource[] {
    return withUrns("dev", [
        compliantContainer(),
        res(T.dockerVolume, "pgdata", { name: "pgdata" }, { protect: true }),
    ]);
}

/** Phase 5: a tenant namespace with its guards and a restricted agent workload. */
export function phase5Tenant(): PolicyResource[] {
    const [ns, ...guards] = tenantGuards();
    if (!ns) throw new Error("tenantGuards returned nothing");
    const namespace = {
        ...ns,
        props: {
            metadata: {
                name: "tenant-a",
                labels: { [TENANT_LABEL]: "a", "pod-security.kubernetes.io/enforce": "restricted" },
            },
        },
        opts: { protect: true },
    };
    return withUrns("phase5", [namespace, ...guards, deployment("agent", { "phase-stacks/tier": "free" })]);
}
