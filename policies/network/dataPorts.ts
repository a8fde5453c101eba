/**
 * The data tier's ports (Postgres, PgBouncer, Redis, Sentinel) are reached over the private network; from phase 4
 * the standby regions also stream from the primary region over the public internet, so a public source is
 * acceptable only as one exact peer address: a /32 (IPv4) or /128 (IPv6). A world source, any wider public range
 * (a /24 lets a whole hosting neighbourhood try passwords) or an unreadable source is a violation. hcloud Firewalls
 * filter only the public interfaces, so private sources are not judged, as in ./consensus.ts.
 *
 * `hcloud-firewall-no-world-admin-ports` (./ingress.ts) already refuses world sources on 5432 and 6379 by
 * default; this policy judges every public source on all four ports on its own, so disabling or re-configuring
 * that one does not open a data port (a world source on 5432 is reported by both, as etcd's is by that policy
 * and ./consensus.ts).
 */
import { z } from "zod";
import { DEFAULT_PORTS } from "../../core/config/ports";
import { PGBOUNCER_PORT } from "../../core/render/data/pgbouncer";
import { SENTINEL_PORT } from "../../core/render/data/sentinel";
import { PACK_FRAMEWORK, resourcePolicy } from "../lib/policy";
import { T } from "../lib/typeTokens";
import { isNonPublic, parseCidr, unmapped } from "./cidr";
import { isWorld, rulesOpening, type WorldThresholds } from "./firewall";
import { ConfigPortSpec, configPortRanges, formatPorts, type PortRange } from "./ports";

const PORT_NAMES: ReadonlyMap<number, string> = new Map([
    [DEFAULT_PORTS.postgres, "Postgres"],
    [PGBOUNCER_PORT, "PgBouncer"],
    [DEFAULT_PORTS.redis, "Redis"],
    [SENTINEL_PORT, "Sentinel"],
]);

const DATA_PORTS: number[] = [...PORT_NAMES.keys()];

/** The world as `hcloud-firewall-no-world-admin-ports` judges it at its defaults; here it only words the message. */
const WORLD: WorldThresholds = { worldPrefixV4: 8, worldPrefixV6: 12 };

/** Why a source is not acceptable on a data port, or undefined when it is private or one exact address. */
function refusal(source: string): string | undefined {
    const parsed = parseCidr(source);
    if (!parsed) return `${source} (unreadable, counted as the world)`;
    const c = unmapped(parsed);
    if (isNonPublic(c)) return undefined;
    const hostBits = c.family === 4 ? 32 : 128;
    if (c.prefix === hostBits) return undefined;
    if (isWorld(source, WORLD)) return `${source} (the world)`;
    return `${source} (a public /${c.prefix}, wider than one host)`;
}

const portLabel = (p: PortRange) => {
    const name = p.from === p.to ? PORT_NAMES.get(p.from) : undefined;
    return name ? `${formatPorts(p)} ${name}` : formatPorts(p);
};

export const dataPortsExactPeers = resourcePolicy({
    name: "hcloud-firewall-data-ports-exact-peers",
    description:
        "No inbound hcloud Firewall rule opens Postgres (5432), PgBouncer (6432), Redis (6379) or Sentinel (26379) to a public source other than one exact peer address (/32 or /128): the world, a wider range and an unreadable source are refused.",
    concern: "network",
    level: "mandatory",
    severity: "critical",
    framework: { ...PACK_FRAMEWORK, id: "PHS-NET-2" },
    remediation:
        "List only the peer regions' database servers' public addresses, each as a /32 (IPv4) or /128 (IPv6), and reach the data tier from everything else over the private network.",
    config: z.strictObject({
        ports: z
            .array(ConfigPortSpec)
            .default(DATA_PORTS)
            .describe(
                "Data-tier ports (Postgres, PgBouncer, Redis, Sentinel) that public sources may reach only as one exact address; add the Redis port here when the workload sets another.",
            ),
    }),
    appliesTo: (type) => type === T.hcloudFirewall,
    judge: (r, config) => {
        return rulesOpening(r.props, configPortRanges(config.ports)).flatMap(({ rule, ports, hit }) => {
            const refused = rule.sources.map(refusal).filter((s): s is string => s !== undefined);
            if (!refused.length) return [];
            return [
                {
                    field: `rules[${rule.index}]`,
                    problem: `opens ${rule.protocol} ${formatPorts(ports)} (covering ${hit.map(portLabel).join(", ")}) to ${refused.join(", ")}; a data port takes public sources only as one peer address`,
                    fix: "replace the source with the peer regions' database addresses, each as a /32 or /128, or drop the rule and use the private network",
                },
            ];
        });
    },
});
