/**
 * Inbound rules of an `hcloud:index/firewall:Firewall`, judged the way Checkov's AbsSecurityGroupUnrestrictedIngress
 * judges security groups: a rule exposes a port when its range covers the port (a missing port, "any", or an unknown
 * protocol covers all), and a source is the world when it is 0.0.0.0/0, ::/0 (in any spelling) or any prefix wider
 * than one IANA-to-RIR allocation (shorter than /8 for IPv4, /12 for IPv6), since such a block spans continents.
 * Unreadable sources count as the world: the pack fails closed.
 */
import { records, str, strings, type Json } from "../lib/read";
import { parseCidr } from "./cidr";
import { ALL_PORTS, overlaps, parsePortSpec, type PortRange } from "./ports";

export interface InboundRule {
    readonly index: number;
    readonly protocol: string;
    /** Ports the rule opens; undefined for protocols without ports (icmp, gre, esp). */
    readonly ports: PortRange | undefined;
    readonly sources: readonly string[];
}

const PORTLESS = new Set(["icmp", "gre", "esp"]);

export function inboundRules(props: Json): InboundRule[] {
    return records(props["rules"]).flatMap((r, index) => {
        if (str(r["direction"]) !== "in") return [];
        const protocol = (str(r["protocol"]) ?? "").toLowerCase();
        const portText = r["port"];
        const ports = PORTLESS.has(protocol)
            ? undefined
            : typeof portText === "string" || typeof portText === "number"
              ? (parsePortSpec(portText) ?? ALL_PORTS)
              : ALL_PORTS;
        return [{ index, protocol: protocol || "any protocol", ports, sources: strings(r["sourceIps"]) }];
    });
}

/** The inbound rules that open one of the `guarded` ranges, each with its ports and the guarded ranges it covers. */
export function rulesOpening(
    props: Json,
    guarded: readonly PortRange[],
): { rule: InboundRule; ports: PortRange; hit: PortRange[] }[] {
    return inboundRules(props).flatMap((rule) => {
        const ports = rule.ports;
        if (!ports) return [];
        const hit = guarded.filter((p) => overlaps(p, ports));
        return hit.length > 0 ? [{ rule, ports, hit }] : [];
    });
}

export interface WorldThresholds {
    /** IPv4 prefixes shorter than this are the world. */
    readonly worldPrefixV4: number;
    readonly worldPrefixV6: number;
}

const WORLD_WORDS = new Set(["any", "*", "all", "internet", "0.0.0.0"]);

export function isWorld(source: string, t: WorldThresholds): boolean {
    if (WORLD_WORDS.has(source.trim().toLowerCase())) return true;
    const c = parseCidr(source);
    if (!c) return true;
    return c.prefix < (c.family === 4 ? t.worldPrefixV4 : t.worldPrefixV6);
}
