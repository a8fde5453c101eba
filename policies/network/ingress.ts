/** Inbound firewall rules: no admin or data port open to the world, and the plain-text Docker API open to nobody. */
import { z } from "zod";
import { resourcePolicy } from "../lib/policy";
import { T } from "../lib/typeTokens";
import { inboundRules, isWorld, rulesOpening } from "./firewall";
import { ConfigPortSpec, configPortRanges, formatPorts, overlaps, type PortRange } from "./ports";

const CHECKOV = {
    name: "Checkov",
    version: "3",
    reference:
        "https://github.com/bridgecrewio/checkov/blob/main/checkov/terraform/checks/resource/aws/AbsSecurityGroupUnrestrictedIngress.py",
} as const;

/** SSH, Docker API (plain and TLS), Postgres, Redis, k3s API, Meilisearch, kubelet, etcd. */
const SENSITIVE_PORTS: (number | string)[] = [22, 2375, 2376, 5432, 6379, 6443, 7700, 10250, "2379-2380"];

export const noWorldSensitivePorts = resourcePolicy({
    name: "hcloud-firewall-no-world-admin-ports",
    description:
        'No inbound hcloud Firewall rule opens an admin or data port (SSH, Docker API, Postgres, Redis, k3s, Meilisearch, kubelet, etcd) to the world, counting port ranges, "any", tcp and udp, 0.0.0.0/0 and ::/0.',
    concern: "network",
    level: "mandatory",
    severity: "critical",
    framework: { ...CHECKOV, id: "CKV_AWS_24/CKV_AWS_277 (hcloud analogue)" },
    remediation:
        "Restrict sourceIps to the admin CIDRs (SSH) or drop the rule and use the private network (databases, k3s, kubelet, etcd).",
    config: z.strictObject({
        ports: z
            .array(ConfigPortSpec)
            .default(SENSITIVE_PORTS)
            .describe("Ports (or ranges) that must never be open to the world."),
        worldPrefixV4: z
            .number()
            .int()
            .min(0)
            .max(32)
            .default(8)
            .describe("IPv4 sources with a prefix shorter than this count as the world."),
        worldPrefixV6: z
            .number()
            .int()
            .min(0)
            .max(128)
            .default(12)
            .describe("IPv6 sources with a prefix shorter than this count as the world."),
    }),
    appliesTo: (type) => type === T.hcloudFirewall,
    judge: (r, config) => {
        return rulesOpening(r.props, configPortRanges(config.ports)).flatMap(({ rule, ports, hit }) => {
            const world = rule.sources.filter((s) => isWorld(s, config));
            if (!world.length) return [];
            return [
                {
                    field: `rules[${rule.index}]`,
                    problem: `opens ${rule.protocol} ${formatPorts(ports)} (covering ${hit.map(formatPorts).join(", ")}) to ${world.join(", ")}`,
                    fix: "limit sourceIps to admin CIDRs or reach the service over the private network",
                },
            ];
        });
    },
});

export const noPlainDockerApi = resourcePolicy({
    name: "hcloud-firewall-no-plain-docker-api",
    description:
        "No inbound hcloud Firewall rule opens 2375, the unauthenticated plain-text Docker API, from any source.",
    concern: "network",
    level: "mandatory",
    severity: "critical",
    framework: {
        name: "CIS Docker Benchmark",
        version: "1.6.0",
        id: "2.7",
        reference:
            "https://github.com/docker/docker-bench-security/blob/master/tests/2_docker_daemon_configuration.sh",
    },
    remediation: "Serve the Docker API with mutual TLS on 2376 only, open to the Pulumi runner's addresses.",
    config: z.strictObject({}),
    appliesTo: (type) => type === T.hcloudFirewall,
    judge: (r) =>
        inboundRules(r.props)
            .filter(
                (rule) =>
                    rule.ports && rule.protocol !== "udp" && overlaps(rule.ports, { from: 2375, to: 2375 }),
            )
            .map((rule) => ({
                field: `rules[${rule.index}]`,
                problem: `opens ${rule.protocol} ${formatPorts(rule.ports as PortRange)}, which includes 2375 (the Docker API without TLS), to ${rule.sources.join(", ") || "no listed source"}`,
                fix: "remove 2375 from the rule; use 2376 with mTLS",
            })),
});
