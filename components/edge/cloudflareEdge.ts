import * as cloudflare from "@pulumi/cloudflare";
import * as pulumi from "@pulumi/pulumi";

export interface CloudflareEdgeArgs {
    readonly zoneId: string;
    /** Fully qualified hostnames the zone serves, proxied through Cloudflare. */
    readonly hostnames: readonly string[];
    /**
     * The one origin the hostnames' proxied A/AAAA records point at. Phase 4 has none: its load balancers
     * answer for the hostnames, so the zone gets no records for them.
     */
    readonly origin?: { readonly ipv4: pulumi.Input<string>; readonly ipv6: pulumi.Input<string> };
    readonly minTlsVersion: "1.2" | "1.3";
    readonly hstsMaxAgeSeconds: number;
}

/** File types the cache rule keeps at the edge: hashed build assets, fonts and images. */
const STATIC_EXTENSIONS = [
    "css",
    "js",
    "mjs",
    "woff2",
    "woff",
    "ttf",
    "png",
    "jpg",
    "jpeg",
    "gif",
    "svg",
    "webp",
    "avif",
    "ico",
];

/**
 * The zone's edge: proxied A/AAAA records for each hostname (with one origin), TLS settings that keep traffic
 * encrypted to the origin (SSL strict, TLS >= 1.2, always HTTPS, HSTS, Authenticated Origin Pulls) and a cache
 * rule for static assets.
 */
export class CloudflareEdge extends pulumi.ComponentResource {
    public readonly hostnames: string[];

    constructor(name: string, args: CloudflareEdgeArgs, opts?: pulumi.ComponentResourceOptions) {
        super("phase-stacks:edge:CloudflareEdge", name, {}, opts);
        const zoneId = args.zoneId;
        if (args.origin) this.publishRecords(name, zoneId, args.hostnames, args.origin);
        const settings: Record<string, unknown> = {
            ssl: "strict",
            min_tls_version: args.minTlsVersion,
            always_use_https: "on",
            // snake_case, as the API returns it: camelCase keys diff on every refresh (pulumi-cloudflare #1579).
            security_header: {
                strict_transport_security: {
                    enabled: true,
                    max_age: args.hstsMaxAgeSeconds,
                    include_subdomains: true,
                    nosniff: true,
                    preload: false,
                },
            },
            // Authenticated Origin Pulls: the edge presents Cloudflare's origin-pull client certificate, which
            // the origin's Caddy requires; a client reaching the origin around the edge has none.
            tls_client_auth: "on",
        };
        for (const [settingId, value] of Object.entries(settings)) {
            new cloudflare.ZoneSetting(
                `${name}-${settingId.replace(/_/g, "-")}`,
                { zoneId, settingId, value },
                { parent: this },
            );
        }
        const hostList = args.hostnames.map((h) => `"${h}"`).join(" ");
        new cloudflare.Ruleset(
            `${name}-cache-rules`,
            {
                zoneId,
                kind: "zone",
                phase: "http_request_cache_settings",
                name: "phase-stacks cache rules",
                rules: [
                    {
                        ref: "static_assets",
                        description: "Cache static assets at the edge",
                        expression: `(http.host in {${hostList}} and http.request.uri.path.extension in {${STATIC_EXTENSIONS.map((e) => `"${e}"`).join(" ")}})`,
                        action: "set_cache_settings",
                        actionParameters: {
                            cache: true,
                            edgeTtl: { mode: "override_origin", default: 86_400 },
                            browserTtl: { mode: "respect_origin" },
                        },
                    },
                ],
            },
            { parent: this },
        );
        this.hostnames = [...args.hostnames];
        this.registerOutputs({ hostnames: this.hostnames });
    }

    private publishRecords(
        name: string,
        zoneId: string,
        hostnames: readonly string[],
        origin: NonNullable<CloudflareEdgeArgs["origin"]>,
    ): void {
        for (const host of hostnames) {
            const label = host.split(".")[0];
            for (const [type, content] of [
                ["A", origin.ipv4],
                ["AAAA", origin.ipv6],
            ] as const) {
                new cloudflare.DnsRecord(
                    `${name}-${label}-${type.toLowerCase()}`,
                    {
                        zoneId,
                        name: host,
                        type,
                        content,
                        proxied: true,
                        ttl: 1,
                        comment: "managed by phase-stacks",
                    },
                    { parent: this },
                );
            }
        }
    }
}
