/**
 * When any DNS record is proxied through Cloudflare, the origin must accept 80/443 only from Cloudflare's edge:
 * otherwise anyone can bypass the WAF, TLS settings and DDoS protection by connecting to the origin's address.
 */
import { z } from "zod";
import { CLOUDFLARE_RANGES } from "../../core/catalog/cloudflare";
import { stackPolicy } from "../lib/policy";
import { DNS_RECORD_TYPES, T } from "../lib/typeTokens";
import { isNonPublic, parseCidr, containedInAny } from "./cidr";
import { inboundRules } from "./firewall";
import { formatPorts, overlaps } from "./ports";

const WEB_PORTS = [80, 443];

function outsideCloudflare(source: string): boolean {
    const c = parseCidr(source);
    return c === undefined || !(containedInAny(CLOUDFLARE_RANGES, c) || isNonPublic(c));
}

export const webOnlyFromCloudflare = stackPolicy({
    name: "hcloud-firewall-web-only-from-cloudflare",
    description:
        "When the stack's DNS records are proxied, inbound 80/443 (tcp or udp) is open only to Cloudflare's published ranges.",
    concern: "network",
    level: "mandatory",
    severity: "high",
    framework: {
        name: "Cloudflare",
        version: "2026-11",
        id: "origin IP allow-list",
        reference: "https://developers.cloudflare.com/fundamentals/concepts/cloudflare-ip-addresses/",
    },
    remediation:
        "Set sourceIps of the 80/443 rules to exactly CLOUDFLARE_RANGES (core/catalog/cloudflare.ts).",
    config: z.strictObject({}),
    judge: (resources) => {
        const proxied = resources.some(
            (r) => DNS_RECORD_TYPES.includes(r.type) && r.props["proxied"] === true,
        );
        if (!proxied) return [];
        return resources
            .filter((r) => r.type === T.hcloudFirewall)
            .flatMap((fw) =>
                inboundRules(fw.props).flatMap((rule) => {
                    const web = WEB_PORTS.filter(
                        (p) => rule.ports && overlaps(rule.ports, { from: p, to: p }),
                    );
                    const outside = rule.sources.filter(outsideCloudflare);
                    if (!web.length || !outside.length || !rule.ports) return [];
                    return [
                        {
                            subject: { type: fw.type, name: fw.name, urn: fw.urn },
                            field: `rules[${rule.index}]`,
                            problem: `opens ${rule.protocol} ${formatPorts(rule.ports)} (web port ${web.join(", ")}) to ${outside.join(", ")}, outside Cloudflare's ranges, while records are proxied`,
                            fix: "allow only Cloudflare's ranges on 80/443",
                        },
                    ];
                }),
            );
    },
});
