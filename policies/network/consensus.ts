/**
 * The data tier's control plane stays on the private network: Patroni's REST API (switchover, restart, the
 * failsafe calls between members) and etcd's client and peer ports (the leader key) are never reachable from
 * a public address. hcloud Firewalls filter only the public interfaces, so any inbound rule covering these
 * ports from a public source exposes them.
 */
import { z } from "zod";
import { resourcePolicy } from "../lib/policy";
import { T } from "../lib/typeTokens";
import { isNonPublic, parseCidr } from "./cidr";
import { rulesOpening } from "./firewall";
import { ConfigPortSpec, configPortRanges, formatPorts } from "./ports";

/** Patroni's REST API, etcd's client and peer ports. */
const CONSENSUS_PORTS: (number | string)[] = [8008, "2379-2380"];

export const consensusPortsPrivate = resourcePolicy({
    name: "hcloud-firewall-consensus-ports-private",
    description:
        "No inbound hcloud Firewall rule opens Patroni's REST API (8008) or etcd (2379-2380) to any source beyond the private network ranges: whoever reaches them can switch the primary over or rewrite the leader key.",
    concern: "network",
    level: "mandatory",
    severity: "critical",
    framework: {
        name: "autobase",
        version: "2",
        id: "per-cluster firewall: 8008 and 2379/2380 from the network CIDR only",
        reference:
            "https://github.com/vitabaks/autobase/blob/master/automation/roles/cloud_resources/tasks/hetzner.yml",
    },
    remediation:
        "Drop the rule: Patroni and etcd listen on the private address and the members reach each other over the private network.",
    config: z.strictObject({
        ports: z
            .array(ConfigPortSpec)
            .default(CONSENSUS_PORTS)
            .describe("Ports (or ranges) of the consensus layer that only the private network may reach."),
    }),
    appliesTo: (type) => type === T.hcloudFirewall,
    judge: (r, config) => {
        return rulesOpening(r.props, configPortRanges(config.ports)).flatMap(({ rule, ports, hit }) => {
            // An unreadable source counts as public: the pack fails closed.
            const publicSources = rule.sources.filter((s) => {
                const c = parseCidr(s);
                return c === undefined || !isNonPublic(c);
            });
            if (!publicSources.length) return [];
            return [
                {
                    field: `rules[${rule.index}]`,
                    problem: `opens ${rule.protocol} ${formatPorts(ports)} (covering ${hit.map(formatPorts).join(", ")}, Patroni's REST API or etcd) to ${publicSources.join(", ")}`,
                    fix: "remove the rule; the members reach 8008 and 2379-2380 over the private network",
                },
            ];
        });
    },
});
