/**
 * Tables for the network policies: world-open admin ports, the plain Docker API, Cloudflare-only web, firewall
 * coverage, LoadBalancer Services outside the ingress namespaces.
 */
import { CLOUDFLARE_RANGES } from "../../../core/catalog/cloudflare";
import { TENANT_LABEL } from "../../lib/labels";
import { T } from "../../lib/typeTokens";
import { serversFirewalled } from "../../network/coverage";
import { noPlainDockerApi, noWorldSensitivePorts } from "../../network/ingress";
import { loadBalancerNoCloudflareBypass } from "../../network/loadBalancer";
import { webOnlyFromCloudflare } from "../../network/origin";
import { loadBalancerServiceIngressOnly } from "../../network/services";
import { dig, nth, propsOf, res, type Change, type PolicyTable } from "../table";

export const ADMIN = ["203.0.113.0/24", "2001:db8:10::/48"];
export const WORLD = ["0.0.0.0/0", "::/0"];

/** The phase-1 firewall: SSH from admin CIDRs, 80/443 from Cloudflare, ping from anywhere, nothing else inbound. */
export function phase1Firewall() {
    return res(T.hcloudFirewall, "edge", {
        rules: [
            {
                direction: "in",
                protocol: "tcp",
                port: "22",
                sourceIps: ADMIN,
                description: "ssh from admins",
            },
            { direction: "in", protocol: "tcp", port: "80", sourceIps: [...CLOUDFLARE_RANGES] },
            { direction: "in", protocol: "tcp", port: "443", sourceIps: [...CLOUDFLARE_RANGES] },
            { direction: "in", protocol: "icmp", sourceIps: WORLD },
            { direction: "out", protocol: "tcp", port: "any", destinationIps: WORLD },
        ],
    });
}

export const rule =
    (r: Record<string, unknown>): Change =>
    (p) => {
        (p["rules"] as unknown[]).push({ direction: "in", ...r });
    };
export const tcp = (port: string | undefined, sourceIps: string[]): Change =>
    rule({ protocol: "tcp", ...(port === undefined ? {} : { port }), sourceIps });

/** Phase 3's public entry: an HTTPS service on the load balancer, proxied records, origin pulls enforced. */
function publicLoadBalancer() {
    return [
        res(T.cfZoneSetting, "edge-tls-client-auth", {
            zoneId: "z1",
            settingId: "tls_client_auth",
            value: "on",
        }),
        res(T.hcloudLoadBalancerService, "web-service-443", {
            loadBalancerId: "31415926",
            protocol: "tcp",
            listenPort: 443,
            destinationPort: 443,
        }),
        res(T.cfDnsRecord, "www", {
            zoneId: "z1",
            name: "www",
            type: "A",
            content: "203.0.113.10",
            ttl: 1,
            proxied: true,
        }),
    ];
}

const TENANT_NS_URN = "urn:pulumi:phase5::phase-stacks::kubernetes:core/v1:Namespace::tenant-a";

/** Phase 5's public entry: the ingress controller's LoadBalancer Service, next to a tenant namespace. */
function ingressService() {
    return [
        res(T.k8sService, "ingress-controller", {
            metadata: { name: "ingress-nginx-controller", namespace: "ingress" },
            spec: { type: "LoadBalancer", selector: { app: "ingress" }, ports: [{ port: 443 }] },
        }),
        {
            ...res(T.k8sNamespace, "tenant-a", {
                metadata: { name: "tenant-a", labels: { [TENANT_LABEL]: "a" } },
            }),
            urn: TENANT_NS_URN,
        },
    ];
}

const inNamespace =
    (namespace: string | undefined): Change =>
    (p) => {
        if (namespace === undefined) delete dig(p, "metadata")["namespace"];
        else dig(p, "metadata")["namespace"] = namespace;
    };

export const NETWORK_TABLES: PolicyTable[] = [
    {
        policy: loadBalancerNoCloudflareBypass,
        baseline: publicLoadBalancer,
        broken: [
            {
                name: "origin pulls off",
                change: (p) => {
                    p["value"] = "off";
                },
                expect: "hcloud LoadBalancerService 'web-service-443': listenPort 443 forwards web traffic from the load balancer's public address",
            },
            {
                name: "no origin-pull setting at all, an http service",
                change: (p, all) => {
                    p["settingId"] = "ssl";
                    Object.assign(nth(all, 1).props, { protocol: "http", listenPort: 8080 });
                },
                expect: "listenPort 8080 forwards web traffic",
            },
        ],
        passing: [
            {
                name: "records not proxied",
                change: (p, all) => {
                    p["value"] = "off";
                    nth(all, 2).props["proxied"] = false;
                },
            },
            {
                name: "origin pulls through AuthenticatedOriginPullsSettings",
                change: (p, all) => {
                    p["settingId"] = "ssl";
                    all.push(res(T.cfOriginPulls, "aop", { zoneId: "z1", enabled: true }));
                },
            },
            {
                name: "an internal PgBouncer service",
                change: (p, all) => {
                    p["value"] = "off";
                    Object.assign(nth(all, 1).props, { listenPort: 6432, destinationPort: 6432 });
                },
            },
        ],
    },
    {
        policy: loadBalancerServiceIngressOnly,
        baseline: ingressService,
        broken: [
            {
                name: "a LoadBalancer Service in default",
                change: inNamespace("default"),
                expect: "kubernetes Service 'ingress-controller': spec.type is LoadBalancer in namespace \"default\", which is not an ingress namespace (ingress)",
            },
            {
                name: "a LoadBalancer Service without a namespace",
                change: inNamespace(undefined),
                expect: 'in namespace "default", which is not an ingress namespace',
            },
            {
                name: "a LoadBalancer Service in a tenant namespace",
                change: inNamespace("tenant-a"),
                expect: 'is LoadBalancer in tenant namespace "tenant-a"',
            },
            {
                name: "a tenant namespace even when configured as ingress",
                change: inNamespace("tenant-a"),
                config: { ingressNamespaces: ["ingress", "tenant-a"] },
                expect: 'tenant namespace "tenant-a"',
            },
            {
                name: "a Service labelled as a tenant's",
                change: (p) => (dig(p, "metadata")["labels"] = { [TENANT_LABEL]: "a" }),
                expect: 'tenant namespace "ingress"',
            },
            {
                name: "a Service depending on an auto-named tenant namespace",
                change: (p, all) => {
                    inNamespace("tenant-a-8f3c2d1")(p, all);
                    nth(all, 0).opts = { dependencies: [TENANT_NS_URN] };
                },
                expect: 'tenant namespace "tenant-a"',
            },
            {
                name: "ingress no longer configured",
                change: () => undefined,
                config: { ingressNamespaces: ["edge"] },
                expect: 'in namespace "ingress", which is not an ingress namespace (edge)',
            },
        ],
        passing: [
            {
                name: "a ClusterIP Service in default",
                change: (p) => Object.assign(dig(p, "spec"), { type: "ClusterIP" }),
            },
            {
                name: "a ClusterIP Service in a tenant namespace",
                change: (p, all) => {
                    inNamespace("tenant-a")(p, all);
                    dig(p, "spec")["type"] = "ClusterIP";
                },
            },
            {
                name: "a Service without a type (ClusterIP)",
                change: (p, all) => {
                    inNamespace("default")(p, all);
                    delete dig(p, "spec")["type"];
                },
            },
            {
                name: "a LoadBalancer Service in another configured ingress namespace",
                change: inNamespace("edge"),
                config: { ingressNamespaces: ["ingress", "edge"] },
            },
        ],
    },
    {
        policy: noWorldSensitivePorts,
        baseline: () => [phase1Firewall()],
        broken: [
            {
                name: "SSH from 0.0.0.0/0",
                change: tcp("22", ["0.0.0.0/0"]),
                expect: "rules[5] opens tcp 22 (covering 22) to 0.0.0.0/0",
            },
            {
                name: "SSH from ::/0",
                change: tcp("22", ["::/0"]),
                expect: "opens tcp 22 (covering 22) to ::/0",
            },
            {
                name: "SSH from the expanded all-zero IPv6 form",
                change: tcp("22", ["0000:0000:0000:0000:0000:0000:0000:0000/0"]),
                expect: "to 0000:0000:0000:0000:0000:0000:0000:0000/0",
            },
            {
                name: "a range covering Postgres, Redis and k3s",
                change: tcp("5000-7000", ["::/0"]),
                expect: "opens tcp 5000-7000 (covering 5432, 6379, 6443) to ::/0",
            },
            {
                name: 'port "any"',
                change: tcp("any", WORLD),
                expect: "opens tcp 1-65535 (covering 22, 2375, 2376, 5432, 6379, 6443, 7700, 10250, 2379-2380)",
            },
            {
                name: "no port on tcp (all ports)",
                change: tcp(undefined, ["0.0.0.0/0"]),
                expect: "opens tcp 1-65535",
            },
            {
                name: "udp Redis",
                change: rule({ protocol: "udp", port: "6379", sourceIps: ["0.0.0.0/0"] }),
                expect: "opens udp 6379 (covering 6379)",
            },
            {
                name: "etcd peer port inside a range",
                change: tcp("2380", WORLD),
                expect: "(covering 2379-2380)",
            },
            { name: "kubelet", change: tcp("10250", ["::/0"]), expect: "(covering 10250)" },
            { name: "Meilisearch", change: tcp("7700", ["0.0.0.0/0"]), expect: "(covering 7700)" },
            {
                name: "half the internet (0.0.0.0/1)",
                change: tcp("22", ["0.0.0.0/1", "128.0.0.0/1"]),
                expect: "to 0.0.0.0/1, 128.0.0.0/1",
            },
            { name: "a /7", change: tcp("5432", ["100.0.0.0/7"]), expect: "to 100.0.0.0/7" },
            { name: "global unicast IPv6", change: tcp("22", ["2000::/3"]), expect: "to 2000::/3" },
            { name: 'the word "any" as a source', change: tcp("22", ["any"]), expect: "to any" },
            {
                name: "an unreadable source (fails closed)",
                change: tcp("22", ["not-a-cidr"]),
                expect: "to not-a-cidr",
            },
            {
                name: "an unknown protocol",
                change: rule({ protocol: "sctp", port: "22", sourceIps: WORLD }),
                expect: "opens sctp 22",
            },
            {
                name: "a configured port",
                change: tcp("8080", WORLD),
                config: { ports: [8080] },
                expect: "(covering 8080)",
            },
        ],
        passing: [
            { name: "443 to the world (not an admin port)", change: tcp("443", WORLD) },
            { name: "SSH from a /8 private range", change: tcp("22", ["10.0.0.0/8"]) },
            {
                name: "outbound SSH anywhere",
                change: rule({ direction: "out", protocol: "tcp", port: "22", destinationIps: WORLD }),
            },
            { name: "ICMP from the world", change: rule({ protocol: "icmp", sourceIps: ["0.0.0.0/0"] }) },
            { name: "a range next to the admin ports", change: tcp("8000-8999", WORLD) },
            {
                name: "a /0 considered narrow by config",
                change: tcp("22", ["0.0.0.0/0"]),
                config: { worldPrefixV4: 0 },
            },
        ],
    },
    {
        policy: noPlainDockerApi,
        baseline: () => [phase1Firewall()],
        broken: [
            {
                name: "2375 from an admin CIDR",
                change: tcp("2375", ADMIN),
                expect: "rules[5] opens tcp 2375, which includes 2375 (the Docker API without TLS), to 203.0.113.0/24",
            },
            {
                name: "a range covering 2375 from the private network",
                change: tcp("2000-3000", ["10.0.0.0/16"]),
                expect: "opens tcp 2000-3000, which includes 2375",
            },
            {
                name: "any port from admins",
                change: tcp("any", ADMIN),
                expect: "opens tcp 1-65535, which includes 2375",
            },
        ],
        passing: [
            { name: "2376 (TLS) from the runner", change: tcp("2376", ["198.51.100.7/32"]) },
            { name: "udp 2375", change: rule({ protocol: "udp", port: "2375", sourceIps: ADMIN }) },
        ],
    },
    {
        policy: webOnlyFromCloudflare,
        baseline: () => [
            phase1Firewall(),
            res(T.cfDnsRecord, "www", {
                zoneId: "z1",
                name: "www",
                type: "A",
                content: "203.0.113.10",
                ttl: 1,
                proxied: true,
            }),
        ],
        broken: [
            {
                name: "443 from the world",
                change: tcp("443", WORLD),
                expect: "hcloud Firewall 'edge': rules[5] opens tcp 443 (web port 443) to 0.0.0.0/0, ::/0, outside Cloudflare's ranges",
            },
            {
                name: "80 from an admin CIDR",
                change: tcp("80", ["203.0.113.0/24"]),
                expect: "(web port 80) to 203.0.113.0/24",
            },
            {
                name: "any port from the world",
                change: tcp("any", ["0.0.0.0/0"]),
                expect: "(web port 80, 443)",
            },
            {
                name: "udp 443 (HTTP/3) from the world",
                change: rule({ protocol: "udp", port: "443", sourceIps: ["::/0"] }),
                expect: "opens udp 443",
            },
            {
                name: "a range wider than Cloudflare's",
                change: tcp("443", ["104.16.0.0/12"]),
                expect: "to 104.16.0.0/12",
            },
            {
                name: "a proxied legacy Record",
                change: (_, all) =>
                    all.splice(
                        1,
                        1,
                        res(T.cfRecordLegacy, "www", {
                            zoneId: "z1",
                            name: "www",
                            type: "A",
                            value: "203.0.113.10",
                            proxied: true,
                        }),
                        res(T.hcloudFirewall, "open", {
                            rules: [{ direction: "in", protocol: "tcp", port: "443", sourceIps: WORLD }],
                        }),
                    ),
                expect: "hcloud Firewall 'open'",
            },
        ],
        passing: [
            {
                name: "no proxied records",
                change: (p, all) => {
                    propsOf(all, 1)["proxied"] = false;
                    tcp("443", WORLD)(p, all);
                },
            },
            { name: "a subrange of a Cloudflare range", change: tcp("443", ["104.16.0.0/16"]) },
            { name: "the private network", change: tcp("443", ["10.0.0.0/16"]) },
        ],
    },
    {
        policy: serversFirewalled,
        baseline: () => [
            res(T.hcloudServer, "app", { serverType: "cx33", labels: { role: "app" }, firewallIds: [1001] }),
            phase1Firewall(),
        ],
        broken: [
            {
                name: "no firewall",
                change: (p) => delete p["firewallIds"],
                expect: "hcloud Server 'app': firewallIds is empty and no Firewall selects this server",
            },
            {
                name: "a selector that matches other servers",
                change: (p, all) => {
                    delete p["firewallIds"];
                    propsOf(all, 1)["applyTos"] = [{ labelSelector: "role=db" }];
                },
                expect: "no Firewall selects this server",
            },
            {
                name: "a public IPv6 only server",
                change: (p) => {
                    delete p["firewallIds"];
                    p["publicNets"] = [{ ipv4Enabled: false, ipv6Enabled: true }];
                },
                expect: "firewallIds is empty",
            },
        ],
        passing: [
            {
                name: "a firewall label selector",
                change: (p, all) => {
                    delete p["firewallIds"];
                    propsOf(all, 1)["applyTos"] = [{ labelSelector: "role=app,stack!=dev" }];
                },
            },
            {
                name: "a set-based selector",
                change: (p, all) => {
                    delete p["firewallIds"];
                    propsOf(all, 1)["applyTos"] = [{ labelSelector: "role in (app, db)" }];
                },
            },
            {
                name: "a FirewallAttachment selector",
                change: (p, all) => {
                    delete p["firewallIds"];
                    all.push(
                        res(T.hcloudFirewallAttachment, "attach", {
                            firewallId: 1001,
                            labelSelectors: ["role"],
                        }),
                    );
                },
            },
            {
                name: "a firewall that references the server",
                change: (p, all) => {
                    delete p["firewallIds"];
                    nth(all, 1).opts = {
                        dependencies: ["urn:pulumi:phase1::phase-stacks::hcloud:index/server:Server::app"],
                    };
                },
            },
            {
                name: "a private-only server",
                change: (p) => {
                    delete p["firewallIds"];
                    p["publicNets"] = [{ ipv4Enabled: false, ipv6Enabled: false }];
                },
            },
        ],
    },
];
