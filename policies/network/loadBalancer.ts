/**
 * Hetzner firewalls do not filter a load balancer's public side, so a public load balancer that forwards web
 * ports hands the origin to anyone who finds its address, around Cloudflare's WAF and DDoS protection. With
 * proxied records that is allowed only when the origin proves the caller is Cloudflare: Authenticated Origin
 * Pulls (the zone's `tls_client_auth` setting, or the AuthenticatedOriginPullsSettings resource) and an origin
 * that requires Cloudflare's client certificate.
 */
import { z } from "zod";
import { stackPolicy, type Judged } from "../lib/policy";
import { DNS_RECORD_TYPES, T } from "../lib/typeTokens";

const WEB_PORTS: readonly number[] = [80, 443];
const WEB_PROTOCOLS: readonly string[] = ["http", "https"];

function enforcesOriginPulls(resources: readonly Judged[]): boolean {
    return resources.some(
        (r) =>
            (r.type === T.cfZoneSetting &&
                r.props["settingId"] === "tls_client_auth" &&
                r.props["value"] === "on") ||
            (r.type === T.cfOriginPulls && r.props["enabled"] === true),
    );
}

function servesWeb(service: Judged): boolean {
    const port = service.props["listenPort"];
    const protocol = service.props["protocol"];
    return (
        (typeof port === "number" && WEB_PORTS.includes(port)) ||
        (typeof protocol === "string" && WEB_PROTOCOLS.includes(protocol))
    );
}

export const loadBalancerNoCloudflareBypass = stackPolicy({
    name: "hcloud-load-balancer-no-cloudflare-bypass",
    description:
        "With proxied records, a load balancer service forwarding web ports needs Authenticated Origin Pulls, since no firewall filters a load balancer's public side.",
    concern: "network",
    level: "mandatory",
    severity: "high",
    framework: {
        name: "Cloudflare",
        version: "2026-11",
        id: "Authenticated Origin Pulls",
        reference: "https://developers.cloudflare.com/ssl/origin-configuration/authenticated-origin-pull/",
    },
    remediation:
        "Turn on Authenticated Origin Pulls (cloudflare.ZoneSetting tls_client_auth = on) and have the origin require Cloudflare's origin-pull certificate, or keep the load balancer private behind a tunnel.",
    config: z.strictObject({}),
    judge: (resources) => {
        const proxied = resources.some(
            (r) => DNS_RECORD_TYPES.includes(r.type) && r.props["proxied"] === true,
        );
        if (!proxied || enforcesOriginPulls(resources)) return [];
        return resources
            .filter((r) => r.type === T.hcloudLoadBalancerService && servesWeb(r))
            .map((service) => ({
                subject: { type: service.type, name: service.name, urn: service.urn },
                field: `listenPort ${String(service.props["listenPort"] ?? service.props["protocol"])}`,
                problem:
                    "forwards web traffic from the load balancer's public address, which no firewall filters, while records are proxied and the zone does not enforce Authenticated Origin Pulls",
                fix: "set the zone's tls_client_auth to on and require Cloudflare's origin-pull certificate at the origin",
            }));
    },
});
