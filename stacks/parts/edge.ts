/**
 * The Cloudflare side every cloud phase shares: the hostnames it publishes, the Origin CA certificate the
 * origin serves, and the proxied edge in front of it. Resource names stay "origin" and "edge" in every phase.
 * The DNS records, the certificate and the origin's Caddy routes all take the one `Hostnames` value built
 * here, so they cannot name different hosts.
 */
import type * as pulumi from "@pulumi/pulumi";
import { CloudflareEdge } from "../../components/edge/cloudflareEdge";
import { OriginCertificate } from "../../components/edge/originCertificate";
import type { CloudStackConfig } from "../../core/config/schema";

export interface Hostnames {
    readonly app: string;
    readonly api: string;
    /** Phase 4: the API on the hostname whose load balancer follows the writable database. */
    readonly write?: string;
}

export function edgeHostnames(c: CloudStackConfig): Hostnames {
    const at = (label: string) => `${label}.${c.edge.zone}`;
    return {
        app: at(c.edge.appHost),
        api: at(c.edge.apiHost),
        ...(c.phase === "phase4" ? { write: at(c.loadBalancing.writeHost) } : {}),
    };
}

export const hostnameList = (h: Hostnames): string[] => [h.app, h.api, ...(h.write ? [h.write] : [])];

export function originCertificate(c: CloudStackConfig, hostnames: Hostnames): OriginCertificate {
    return new OriginCertificate("origin", {
        hostnames: hostnameList(hostnames),
        validityDays: c.edge.originCertValidityDays,
    });
}

/** Publishes the hostnames, proxied, in front of the server or load balancer that takes the traffic. */
export function publishEdge(
    c: CloudStackConfig,
    hostnames: Hostnames,
    entry: { readonly ipv4: pulumi.Input<string>; readonly ipv6: pulumi.Input<string> },
): CloudflareEdge {
    return new CloudflareEdge("edge", {
        zoneId: c.edge.zoneId,
        hostnames: hostnameList(hostnames),
        origin: entry,
        minTlsVersion: c.edge.minTlsVersion,
        hstsMaxAgeSeconds: c.edge.hstsMaxAgeSeconds,
    });
}

export const siteUrls = (h: Hostnames): string[] => hostnameList(h).map((host) => `https://${host}`);
