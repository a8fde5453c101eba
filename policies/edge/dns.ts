/** Prowler's Cloudflare DNS checks: web records go through the proxy, and no record publishes a private address. */
import { z } from "zod";
import { isNonPublic, parseCidr } from "../network/cidr";
import { resourcePolicy } from "../lib/policy";
import { str } from "../lib/read";
import { DNS_RECORD_TYPES } from "../lib/typeTokens";

const PROWLER_DNS = {
    name: "Prowler",
    version: "5",
    reference:
        "https://github.com/prowler-cloud/prowler/tree/master/prowler/providers/cloudflare/services/dns",
} as const;

const WEB_TYPES = ["A", "AAAA", "CNAME"];

const content = (props: Record<string, unknown>) => str(props["content"]) ?? str(props["value"]) ?? "";

/**
 * Hosts whose protocol Cloudflare's proxy does not carry (it proxies HTTP(S); mail needs the origin's address,
 * https://developers.cloudflare.com/dns/manage-dns-records/reference/proxied-dns-records/), matched on the
 * record name's first label. Extend it with `unproxiedNames`.
 */
const MAIL_HOST_LABELS: readonly string[] = [
    "mail",
    "smtp",
    "imap",
    "pop",
    "pop3",
    "mx",
    "autodiscover",
    "autoconfig",
];

/** `*` in a configured name matches any run of characters (`*.mail.example.com`, `mx*`). */
function matches(pattern: string, name: string): boolean {
    const re = new RegExp(
        `^${pattern
            .split("*")
            .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
            .join(".*")}$`,
        "i",
    );
    return re.test(name);
}

/**
 * Names that stay DNS-only by nature: RFC 8552 underscore labels carry DKIM (`sel._domainkey`), DMARC, ACME
 * challenges and domain-verification CNAMEs, which must resolve to their target and are never web hosts.
 */
function dnsOnlyByNature(name: string): boolean {
    const labels = name.toLowerCase().split(".");
    return labels.some((l) => l.startsWith("_")) || MAIL_HOST_LABELS.includes(labels[0] ?? "");
}

export const recordsProxied = resourcePolicy({
    name: "cloudflare-records-proxied",
    description:
        "A, AAAA and CNAME records are proxied through Cloudflare, hiding the origin address behind the WAF and TLS settings.",
    concern: "edge",
    level: "mandatory",
    severity: "medium",
    framework: { ...PROWLER_DNS, id: "dns_record_proxied" },
    remediation:
        "Set proxied: true (and ttl: 1, automatic); reach non-web services over the private network, not through public DNS.",
    config: z.strictObject({
        unproxiedNames: z
            .array(z.string())
            .default([])
            .describe(
                "Record names (with * wildcards) allowed to stay DNS-only, beyond underscore names (DKIM, DMARC, ACME, verification) and mail hosts.",
            ),
    }),
    appliesTo: (type) => DNS_RECORD_TYPES.includes(type),
    judge: (r, config) => {
        const type = (str(r.props["type"]) ?? "").toUpperCase();
        const name = str(r.props["name"]) ?? r.name;
        if (
            !WEB_TYPES.includes(type) ||
            r.props["proxied"] === true ||
            dnsOnlyByNature(name) ||
            config.unproxiedNames.some((p) => matches(p, name))
        )
            return [];
        return [
            {
                field: "proxied",
                problem: `is not true for ${type} record "${name}", which exposes the origin address`,
                fix: "set proxied: true",
            },
        ];
    },
});

export const noPrivateAddresses = resourcePolicy({
    name: "cloudflare-no-private-addresses",
    description:
        "No A or AAAA record publishes a private, loopback, link-local, CGNAT or unique-local address.",
    concern: "edge",
    level: "mandatory",
    severity: "high",
    framework: { ...PROWLER_DNS, id: "dns_record_no_internal_ip" },
    remediation:
        "Publish only public addresses; use private DNS (or /etc/hosts from cloud-init) for internal names.",
    config: z.strictObject({}),
    appliesTo: (type) => DNS_RECORD_TYPES.includes(type),
    judge: (r) => {
        const type = (str(r.props["type"]) ?? "").toUpperCase();
        if (type !== "A" && type !== "AAAA") return [];
        const address = content(r.props);
        const c = parseCidr(address);
        return c && isNonPublic(c)
            ? [
                  {
                      field: "content",
                      problem: `is ${address}, an address that is not public, which leaks the internal network layout`,
                      fix: "publish the public address or drop the record",
                  },
              ]
            : [];
    },
});
