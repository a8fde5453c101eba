import { afterAll, describe, expect, it } from "vitest";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { buildCaddyConfig, renderCaddyConfig, type CaddyOptions } from "../../../core/render/app/caddy";
import { runTool } from "../../helpers/tools";
import { originCert, removeDir, tempDir } from "../fixtures";

interface Route {
    match?: { host?: string[]; path?: string[] }[];
    handle: Handler[];
}
interface Handler {
    handler: string;
    routes?: Route[];
    upstreams?: { dial: string }[];
    health_checks?: { active: { uri: string } };
    status_code?: number;
    headers?: Record<string, string[]>;
    response?: { set?: Record<string, string[]>; delete?: string[]; deferred?: boolean };
}
interface Server {
    listen: string[];
    routes: Route[];
    automatic_https?: { disable: boolean };
    tls_connection_policies?: { certificate_selection: { any_tag: string[] } }[];
}
interface CaddyConfig {
    apps: {
        http: { servers: Record<string, Server> };
        tls?: { certificates: { load_files: { certificate: string; key: string; tags: string[] }[] } };
    };
}

const https: CaddyOptions = {
    listener: {
        scheme: "https",
        certFile: "/etc/caddy/tls/origin-cert.pem",
        keyFile: "/etc/caddy/tls/origin-key.pem",
    },
    sites: [
        {
            hosts: ["app.example.com"],
            upstreams: ["frontend:3000"],
            healthPath: "/",
            immutablePaths: ["/_app/immutable/*"],
        },
        { hosts: ["api.example.com"], upstreams: ["api-1:8000", "api-2:8000"], healthPath: "/health" },
    ],
};
const plain: CaddyOptions = {
    listener: { scheme: "http", port: 8080 },
    sites: [{ hosts: ["localhost"], upstreams: ["frontend:3000"] }],
};

/** Every handler of a site's subroute, for the site whose route matches `host`. */
function siteHandlers(server: Server, host: string): Handler[] {
    const route = server.routes.find((r) => r.match?.some((m) => m.host?.includes(host)));
    if (!route) throw new Error(`no route for ${host}`);
    return route.handle.flatMap((h) => h.routes ?? []).flatMap((r) => r.handle);
}

const dirs: string[] = [];
afterAll(() => dirs.forEach(removeDir));

function caddyValidate(config: unknown): { status: number | null; output: string } {
    const dir = tempDir("caddy");
    dirs.push(dir);
    const file = join(dir, "caddy.json");
    writeFileSync(file, typeof config === "string" ? config : JSON.stringify(config));
    return runTool("caddy", ["validate", "--config", file]);
}

describe("Caddy config, HTTPS origin behind Cloudflare", () => {
    const c = buildCaddyConfig(https) as CaddyConfig;
    const servers = c.apps.http.servers;
    const tlsServer = Object.values(servers).find((s) => s.listen.includes(":443"))!;
    const redirectServer = Object.values(servers).find((s) => s.listen.includes(":80"))!;

    it("loads the origin certificate from files and never asks ACME for one", () => {
        const files = c.apps.tls!.certificates.load_files;
        expect(files.map((f) => [f.certificate, f.key])).toEqual([
            ["/etc/caddy/tls/origin-cert.pem", "/etc/caddy/tls/origin-key.pem"],
        ]);
        for (const s of Object.values(servers)) expect(s.automatic_https).toEqual({ disable: true });
        const tag = c.apps.tls!.certificates.load_files[0]!.tags[0]!;
        expect(tlsServer.tls_connection_policies![0]!.certificate_selection.any_tag).toEqual([tag]);
    });

    it("routes each hostname to its upstreams, with active health checks", () => {
        const app = siteHandlers(tlsServer, "app.example.com").find((h) => h.handler === "reverse_proxy")!;
        expect(app.upstreams).toEqual([{ dial: "frontend:3000" }]);
        expect(app.health_checks!.active.uri).toBe("/");
        const api = siteHandlers(tlsServer, "api.example.com").find((h) => h.handler === "reverse_proxy")!;
        expect(api.upstreams).toEqual([{ dial: "api-1:8000" }, { dial: "api-2:8000" }]);
        expect(api.health_checks!.active.uri).toBe("/health");
    });

    it("sets HSTS and the other security headers on every site, and long caching only on immutable assets", () => {
        for (const host of ["app.example.com", "api.example.com"]) {
            const set: Record<string, string[]> = Object.assign(
                {},
                ...siteHandlers(tlsServer, host)
                    .filter((h) => h.handler === "headers")
                    .map((h) => h.response!.set),
            ) as Record<string, string[]>;
            expect(set["Strict-Transport-Security"]?.[0], host).toMatch(/^max-age=\d{8,}/);
            expect(set["X-Content-Type-Options"], host).toEqual(["nosniff"]);
            expect(set["X-Frame-Options"], host).toBeDefined();
        }
        const appRoute = tlsServer.routes.find((r) => r.match?.[0]?.host?.includes("app.example.com"))!;
        const cacheRoute = appRoute.handle[0]!.routes!.find((r) => r.match?.[0]?.path)!;
        expect(cacheRoute.match![0]!.path).toEqual(["/_app/immutable/*"]);
        expect(cacheRoute.handle[0]!.response!.set!["Cache-Control"]![0]).toContain("immutable");
    });

    it("redirects plain HTTP to HTTPS", () => {
        const [h] = redirectServer.routes[0]!.handle;
        expect(h!.status_code).toBe(308);
        expect(h!.headers!.Location).toEqual(["https://{http.request.host}{http.request.uri}"]);
    });

    it("answers 404 for hosts it does not serve", () => {
        const last = tlsServer.routes[tlsServer.routes.length - 1]!;
        expect(last.match).toBeUndefined();
        expect(last.handle[0]).toMatchObject({ handler: "static_response", status_code: 404 });
    });

    it("passes `caddy validate` with real certificate files at the configured paths", () => {
        const cert = originCert();
        const config = buildCaddyConfig({
            ...https,
            listener: { scheme: "https", certFile: cert.certFile, keyFile: cert.keyFile },
        });
        const r = caddyValidate(config);
        expect(r.output).toContain("Valid configuration");
        expect(r.status).toBe(0);
    });

    it("is rejected by `caddy validate` when the key is missing (the check can fail)", () => {
        const cert = originCert();
        const r = caddyValidate(
            buildCaddyConfig({
                ...https,
                listener: { scheme: "https", certFile: cert.certFile, keyFile: `${cert.keyFile}.missing` },
            }),
        );
        expect(r.status).not.toBe(0);
    });
});

describe("Caddy config, plain HTTP (dev)", () => {
    const c = buildCaddyConfig(plain) as CaddyConfig;

    it("listens on one HTTP port without TLS or redirects", () => {
        expect(Object.values(c.apps.http.servers).map((s) => s.listen)).toEqual([[":8080"]]);
        expect(c.apps.tls).toBeUndefined();
        const headers = siteHandlers(Object.values(c.apps.http.servers)[0]!, "localhost").filter(
            (h) => h.handler === "headers",
        );
        for (const h of headers) expect(h.response!.set!["Strict-Transport-Security"]).toBeUndefined();
    });

    it("passes `caddy validate`", () => {
        const r = caddyValidate(renderCaddyConfig(plain));
        expect(r.status, r.output).toBe(0);
    });

    it("refuses a site without upstreams", () => {
        expect(() =>
            buildCaddyConfig({ ...plain, sites: [{ hosts: ["localhost"], upstreams: [] }] }),
        ).toThrow(/upstreams/);
    });
});
