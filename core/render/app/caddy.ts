/**
 * Caddy JSON config, shared by the app host (HTTPS with the Cloudflare Origin CA certificate) and the dev stack
 * (plain HTTP on localhost). Certificates come from files, so automatic HTTPS (ACME) is off on every server.
 */
import { CLOUDFLARE_ORIGIN_PULL_CA_PEM } from "../../catalog/originPull";
import type { Workload } from "../../workload/services";
import { CONTAINER_PATHS } from "../base/paths";
import { endpointsOf, hostPort, type HostPlacement } from "../../topology/placement";

/** The proxy container's command: Caddy reads the JSON config, not a Caddyfile. */
export const CADDY_COMMAND: readonly string[] = ["caddy", "run", "--config", CONTAINER_PATHS.caddyConfig];
/** Admin API, reachable only inside the proxy container (its healthcheck uses it). */
export const CADDY_ADMIN_LISTEN = "127.0.0.1:2019";

export interface CaddySite {
    readonly hosts: readonly string[];
    /** `host:port` of every copy of the upstream service. */
    readonly upstreams: readonly string[];
    /** Active health check path; an upstream failing it stops getting traffic. */
    readonly healthPath?: string;
    /** Path patterns of content-hashed assets, safe to cache for a year. */
    readonly immutablePaths?: readonly string[];
}

/**
 * Authenticated Origin Pulls: only clients with a certificate from `caPem` (Cloudflare's origin-pull CA) are
 * served, except `open` (the load balancers' health check, which has no client certificate).
 */
export interface OriginPull {
    readonly caPem: string;
    /** Health checks served without a client certificate: the API's hostnames and the paths. */
    readonly open: { readonly hosts: readonly string[]; readonly paths: readonly string[] };
}

/** The path Cloudflare's write pools check: 200 only in the region whose Postgres is the primary. */
export const WRITABLE_HEALTH_PATH = "/healthz/writable";

/**
 * The writable check: the region's database nodes' role health endpoints (`host:port`, answering `/primary`);
 * Caddy forwards to the one that passes, so the answer is 200 only while this region holds the primary.
 */
export interface WritableCheck {
    readonly hosts: readonly string[];
    readonly roleHealth: readonly string[];
}

/** HTTPS on 443 with certificate files and a redirect on 80, or plain HTTP on one port. */
export type CaddyListener =
    | {
          readonly scheme: "https";
          readonly certFile: string;
          readonly keyFile: string;
          readonly originPull?: OriginPull;
      }
    | { readonly scheme: "http"; readonly port: number };

export interface CaddyOptions {
    readonly sites: readonly CaddySite[];
    readonly listener: CaddyListener;
    readonly writable?: WritableCheck;
}

const ORIGIN_CERT_TAG = "origin";

function securityHeaders(https: boolean): Record<string, string[]> {
    return {
        ...(https ? { "Strict-Transport-Security": ["max-age=31536000; includeSubDomains"] } : {}),
        "X-Content-Type-Options": ["nosniff"],
        "X-Frame-Options": ["SAMEORIGIN"],
        "Referrer-Policy": ["strict-origin-when-cross-origin"],
    };
}

function siteRoute(site: CaddySite, https: boolean): object {
    if (site.hosts.length === 0 || site.upstreams.length === 0)
        throw new Error(`a Caddy site needs hosts and upstreams (got ${JSON.stringify(site)})`);
    const routes: object[] = [
        // Deferred so the headers also replace what the upstream sent (and drop its Server header).
        {
            handle: [
                {
                    handler: "headers",
                    response: { set: securityHeaders(https), delete: ["Server"], deferred: true },
                },
            ],
        },
    ];
    if (site.immutablePaths && site.immutablePaths.length > 0) {
        routes.push({
            match: [{ path: site.immutablePaths }],
            handle: [
                {
                    handler: "headers",
                    response: {
                        set: { "Cache-Control": ["public, max-age=31536000, immutable"] },
                        deferred: true,
                    },
                },
            ],
        });
    }
    routes.push({
        handle: [{ handler: "encode", encodings: { zstd: {}, gzip: {} }, prefer: ["zstd", "gzip"] }],
    });
    routes.push({
        handle: [
            {
                handler: "reverse_proxy",
                upstreams: site.upstreams.map((dial) => ({ dial })),
                ...(site.healthPath
                    ? { health_checks: { active: { uri: site.healthPath, interval: "15s", timeout: "5s" } } }
                    : {}),
            },
        ],
    });
    return { match: [{ host: site.hosts }], handle: [{ handler: "subroute", routes }], terminal: true };
}

const NOT_FOUND = { handle: [{ handler: "static_response", status_code: 404 }] };

/**
 * Active checks on `/primary` mark every node but the primary unhealthy; with none healthy (a standby region,
 * or a failover under way) Caddy answers 503 itself, so the write pool fails over without a DNS edit.
 */
function writableRoute(w: WritableCheck): object {
    return {
        match: [{ host: [...w.hosts], path: [WRITABLE_HEALTH_PATH] }],
        handle: [
            { handler: "rewrite", uri: "/primary" },
            {
                handler: "reverse_proxy",
                upstreams: w.roleHealth.map((dial) => ({ dial })),
                load_balancing: { selection_policy: { policy: "first" } },
                health_checks: {
                    active: { uri: "/primary", interval: "5s", timeout: "3s" },
                },
            },
        ],
        terminal: true,
    };
}

/** Caddy takes trusted CA certificates as base64 DER: the PEM body without its armour. */
function pemToDerBase64(pem: string): string {
    const body = /-----BEGIN CERTIFICATE-----([A-Za-z0-9+/=\s]+)-----END CERTIFICATE-----/.exec(pem);
    if (!body?.[1]) throw new Error("the origin-pull CA is not a PEM certificate");
    return body[1].replace(/\s+/g, "");
}

/**
 * The handshake verifies a client certificate when one is given (so the health check can connect without);
 * this first route then refuses every request that came without one, but the health check's.
 */
function originPullGate(pull: OriginPull): object {
    return {
        match: [
            {
                expression: "{http.request.tls.client.fingerprint} == null",
                not: [{ host: [...pull.open.hosts], path: [...pull.open.paths] }],
            },
        ],
        handle: [{ handler: "static_response", status_code: 403, close: true }],
        terminal: true,
    };
}

export function buildCaddyConfig(options: CaddyOptions): object {
    const { listener } = options;
    const https = listener.scheme === "https";
    const pull = listener.scheme === "https" ? listener.originPull : undefined;
    const siteRoutes = [
        ...(pull ? [originPullGate(pull)] : []),
        ...(options.writable ? [writableRoute(options.writable)] : []),
        ...options.sites.map((s) => siteRoute(s, https)),
        NOT_FOUND,
    ];
    const servers = https
        ? {
              https: {
                  listen: [":443"],
                  routes: siteRoutes,
                  tls_connection_policies: [
                      {
                          certificate_selection: { any_tag: [ORIGIN_CERT_TAG] },
                          protocol_min: "tls1.2",
                          ...(pull
                              ? {
                                    client_authentication: {
                                        trusted_ca_certs: [pemToDerBase64(pull.caPem)],
                                        mode: "verify_if_given",
                                    },
                                }
                              : {}),
                      },
                  ],
                  automatic_https: { disable: true },
                  logs: {},
              },
              http_redirect: {
                  listen: [":80"],
                  routes: [
                      {
                          handle: [
                              {
                                  handler: "static_response",
                                  status_code: 308,
                                  headers: { Location: ["https://{http.request.host}{http.request.uri}"] },
                              },
                          ],
                      },
                  ],
                  automatic_https: { disable: true },
              },
          }
        : {
              http: {
                  listen: [`:${listener.port}`],
                  routes: siteRoutes,
                  automatic_https: { disable: true },
                  logs: {},
              },
          };
    return {
        admin: { listen: CADDY_ADMIN_LISTEN, config: { persist: false } },
        apps: {
            http: { servers },
            ...(https
                ? {
                      tls: {
                          certificates: {
                              load_files: [
                                  {
                                      certificate: listener.certFile,
                                      key: listener.keyFile,
                                      tags: [ORIGIN_CERT_TAG],
                                  },
                              ],
                          },
                      },
                  }
                : {}),
        },
    };
}

export function renderCaddyConfig(options: CaddyOptions): string {
    return `${JSON.stringify(buildCaddyConfig(options), null, 2)}\n`;
}

/** Content-hashed build output of the frontend, safe to cache for a year. */
/** The frontend's content-hashed build output, served with a year's cache (phase 5's Ingress routes the same). */
export const IMMUTABLE_ASSET_PREFIXES = ["/_app/immutable", "/assets"] as const;
const IMMUTABLE_ASSET_PATHS = IMMUTABLE_ASSET_PREFIXES.map((p) => `${p}/*`);

/**
 * The origin proxy behind Cloudflare: HTTPS with the Origin CA certificate, the frontend and the API, served
 * only to Cloudflare (Authenticated Origin Pulls, CA `originPullCaPem`) but for the API's health path, which
 * the load balancers check without a client certificate.
 */
export function renderOriginCaddyConfig(
    /** `write`: phase 4's hostname for the API in the region holding the primary. */
    hostnames: { readonly app: string; readonly api: string; readonly write?: string },
    workload: Workload,
    placement: HostPlacement,
    options: {
        /** Phase 4: the region's database nodes' role health endpoints, for the write pools' check. */
        readonly writableFrom?: readonly string[];
        readonly originPullCaPem?: string;
    } = {},
): string {
    const { writableFrom, originPullCaPem = CLOUDFLARE_ORIGIN_PULL_CA_PEM } = options;
    const healthPath = workload.api.healthPath ?? "/";
    const apiHosts = [hostnames.api, ...(hostnames.write ? [hostnames.write] : [])];
    return renderCaddyConfig({
        ...(writableFrom ? { writable: { hosts: apiHosts, roleHealth: writableFrom } } : {}),
        listener: {
            scheme: "https",
            certFile: CONTAINER_PATHS.originCert,
            keyFile: CONTAINER_PATHS.originKey,
            originPull: {
                caPem: originPullCaPem,
                open: {
                    hosts: apiHosts,
                    paths: writableFrom ? [healthPath, WRITABLE_HEALTH_PATH] : [healthPath],
                },
            },
        },
        sites: [
            {
                hosts: [hostnames.app],
                upstreams: endpointsOf(placement, workload, "frontend").map(hostPort),
                healthPath: workload.frontend.healthPath,
                immutablePaths: IMMUTABLE_ASSET_PATHS,
            },
            {
                hosts: apiHosts,
                upstreams: endpointsOf(placement, workload, "api").map(hostPort),
                healthPath: workload.api.healthPath,
            },
        ],
    });
}
