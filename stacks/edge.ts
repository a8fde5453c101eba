/**
 * The Cloudflare side every cloud phase shares: the hostnames it publishes, the Origin CA certificate the
 * origin serves, and the proxied edge in front of it. Resource names stay "origin" and "edge" in every phase.
 */
import type * as pulumi from "@pulumi/pulumi";
import { CloudflareEdge } from "../components/edge/cloudflareEdge";
import { OriginCertificate } from "../components/edge/originCertificate";
import type { CloudStackConfig } from "./config";

export interface Hostnames {
    readonly app: string;
    readonly api: string;
}

export function edgeHostnames(c: CloudStackConfig): Hostnames {
    return { app: `${c.edge.appHost}.${c.edge.zone}`, api: `${c.edge.apiHost}.${c.edge.zone}` };
}

export function originCertificate(c: CloudStackConfig, hostnames: Hostnames): OriginCertificate {
    return new OriginCertificate("origin", {
        hostnames: [hostnames.app, hostnames.api],
        validityDays: c.edge.originCertValidityDays,
    });
}

/** Publishes the hostnames, proxied, in front of the server that takes the traffic. */
export function publishEdge(
    c: CloudStackConfig,
    hostnames: Hostnames,
    entry: { readonly ipv4: pulumi.Input<string>; readonly ipv6: pulumi.Input<string> },
): CloudflareEdge {
    return new CloudflareEdge("edge", {
        zoneId: c.edge.zoneId,
        hostnames: [hostnames.app, hostnames.api],
        originIpv4: entry.ipv4,
        originIpv6: entry.ipv6,
        minTlsVersion: c.edge.minTlsVersion,
        hstsMaxAgeSeconds: c.edge.hstsMaxAgeSeconds,
    });
}
