/**
 * The ingress controller and the app's Ingress: schema-valid objects, a restricted Traefik pod, one LoadBalancer
 * Service in the ingress namespace with the hcloud annotations, least-privilege RBAC without wildcards, routes that
 * are the VM phases' Caddy routes and name Services that appWorkloadObjects builds, the origin-pull gate in the
 * file provider's config, and errors that name the key.
 */
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { Agents } from "../../../core/capacity/config";
import { DEFAULT_SYSTEM_RESERVE_MB } from "../../../core/capacity/plan";
import { CLOUDFLARE_ORIGIN_PULL_CA_PEM } from "../../../core/catalog/originPull";
import { Kubernetes } from "../../../core/config/kubernetes";
import { clusterPlan, type PoolPlan } from "../../../core/k8s/clusterPlan";
import {
    APP_INGRESS,
    ASSETS_INGRESS,
    DYNAMIC_CHECKSUM_ANNOTATION,
    DYNAMIC_CONFIG_KEY,
    INGRESS_CLASS,
    ingressObjects,
    ORIGIN_PULL_CA_KEY,
    originTlsSecretObject,
    TRAEFIK_CONTROLLER,
    TRAEFIK_DYNAMIC_CONFIG,
    TRAEFIK_IMAGE,
    TRAEFIK_NAME,
    TRAEFIK_PORTS,
    traefikArgs,
    type IngressInput,
} from "../../../core/k8s/ingress";
import type { KubeObject } from "../../../core/k8s/objects";
import { appWorkloadObjects, type AppWorkloadInput } from "../../../core/k8s/workloads";
import { renderOriginCaddyConfig } from "../../../core/render/app/caddy";
import { ALL_LOCAL } from "../../../core/topology/placement";
import { ImageRef } from "../../../core/workload/services";
import { evaluatePolicies, type PolicyResource } from "../../../policies/evaluate";
import { loadBalancerServiceIngressOnly } from "../../../policies/network/services";
import { runPolicy } from "../../../policies/lib/run";
import { podSpecViolations } from "../../../policies/sandbox/pss/judge";
import type { PodSpec } from "../../../policies/sandbox/pss/types";
import { IMMUTABLE_ASSET_PREFIXES } from "../../../core/render/app/caddy";
import { kubeSchemaProblems } from "../../helpers/kubeSchemas";
import { WORKLOAD } from "../../render/fixtures";

type Json = Record<string, unknown>;
const copy = <T>(o: T): T => structuredClone<T>(o);

const INPUT: IngressInput = {
    namespace: "ingress",
    appNamespace: "app",
    workload: WORKLOAD,
    zone: "example.com",
    hostnames: { app: "app.example.com", api: "api.example.com" },
    tlsSecretName: "origin-tls",
    loadBalancer: { name: "phase5-ingress", location: "fsn1" },
    internalCidrs: ["10.0.0.0/16", "10.42.0.0/16"],
};
const APP: AppWorkloadInput = {
    namespace: "app",
    workload: WORKLOAD,
    hostnames: INPUT.hostnames,
    secretName: "app-credentials",
    maxReplicas: { api: 6, frontend: 4, worker: 8, crawler: 3 },
    postgres: { host: "app-db-pooler-rw", port: 5432, database: "app", user: "app" },
    redis: { host: "redis-master.data.svc", port: 6379 },
    meilisearch: { host: "meilisearch.search.svc", port: 7700 },
};

function only(objects: readonly KubeObject[], kind: string, name?: string): Json {
    const found = objects.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
    if (found.length !== 1) throw new Error(`expected one ${kind} ${name ?? ""}, found ${found.length}`);
    return found[0] as Json;
}

interface Container {
    image: string;
    args: string[];
    ports: { name: string; containerPort: number }[];
    volumeMounts: { name: string; mountPath: string }[];
    readinessProbe: { httpGet: { path: string; port: string } };
}
interface Template {
    metadata: { labels: Record<string, string>; annotations: Record<string, string> };
    spec: Json & {
        containers: Container[];
        volumes: { name: string; configMap?: { name: string; items: { key: string; path: string }[] } }[];
    };
}
const deployment = (objects: readonly KubeObject[]) =>
    only(objects, "Deployment", TRAEFIK_NAME) as unknown as {
        metadata: { namespace: string };
        spec: { replicas: number; selector: { matchLabels: Record<string, string> }; template: Template };
    };
const container = (objects: readonly KubeObject[]) => {
    const c = deployment(objects).spec.template.spec.containers[0];
    if (!c) throw new Error("no container");
    return c;
};
const selects = (sel: Record<string, string>, labels: Record<string, string>) =>
    Object.entries(sel).every(([k, v]) => labels[k] === v);
/** The value of `--flag=value` in Traefik's args. */
const arg = (args: readonly string[], flag: string) =>
    args.find((a) => a.startsWith(`--${flag}=`))?.slice(flag.length + 3);

interface LbService {
    metadata: { namespace: string; annotations: Record<string, string> };
    spec: {
        type: string;
        selector: Record<string, string>;
        ports: { name: string; port: number; targetPort: string }[];
    };
}

describe("ingressObjects", () => {
    const objects = ingressObjects(INPUT);

    it("builds schema-valid objects: the controller in the ingress namespace, the routes in the app's", () => {
        expect(objects.flatMap(kubeSchemaProblems)).toEqual([]);
        for (const o of objects) {
            if (["Role", "RoleBinding"].includes(o.kind)) continue;
            const expected =
                o.kind === "Ingress"
                    ? "app"
                    : ["ClusterRole", "ClusterRoleBinding", "IngressClass"].includes(o.kind)
                      ? undefined
                      : "ingress";
            expect(o.metadata.namespace, `${o.kind} ${o.metadata.name}`).toBe(expected);
        }
        for (const kind of ["Role", "RoleBinding"])
            expect(
                objects
                    .filter((o) => o.kind === kind)
                    .map((o) => o.metadata.namespace)
                    .sort(),
            ).toEqual(["app", "ingress"]);
    });

    it("fails the schema check when an object is broken", () => {
        const ing = copy(only(objects, "Ingress", APP_INGRESS));
        (ing["spec"] as Json)["rules"] = [{ host: "x", http: { paths: [{ path: "/" }] } }];
        expect(kubeSchemaProblems(ing as unknown as KubeObject)).not.toEqual([]);
    });

    it("pins a Traefik v3 image", () => {
        expect(ImageRef.safeParse(TRAEFIK_IMAGE).success).toBe(true);
        expect(TRAEFIK_IMAGE).toMatch(/^docker\.io\/traefik:v3\.\d+\.\d+$/);
        expect(container(objects).image).toBe(TRAEFIK_IMAGE);
    });

    it("runs at least two restricted Traefik pods on the system pool, on unprivileged ports", () => {
        const d = deployment(objects);
        expect(d.spec.replicas).toBeGreaterThanOrEqual(2);
        expect(
            podSpecViolations(d.spec.template.spec as PodSpec, "restricted", d.spec.template.metadata),
        ).toEqual([]);
        const c = container(objects);
        for (const p of c.ports) expect(p.containerPort).toBeGreaterThanOrEqual(1024);
        expect(Object.fromEntries(c.ports.map((p) => [p.name, p.containerPort]))).toEqual(TRAEFIK_PORTS);
        for (const name of Object.keys(TRAEFIK_PORTS) as (keyof typeof TRAEFIK_PORTS)[])
            expect(arg(c.args, `entryPoints.${name}.address`)).toBe(`:${TRAEFIK_PORTS[name]}/tcp`);
        expect(c.readinessProbe.httpGet).toMatchObject({ path: "/ping", port: "traefik" });

        const plan = clusterPlan(
            Kubernetes.parse({
                version: "v1.33.13+k3s2",
                controlPlane: { type: "cx33", count: 3 },
                nodePools: [
                    { name: "system", role: "system", type: "cx23", min: 2, max: 2 },
                    { name: "app", role: "app", type: "cx33", min: 2, max: 5 },
                ],
            }),
            Agents.parse({ image: "ghcr.io/acme/agent:1.4.2", tiers: { free: { activeUsers: 100 } } }),
            "10.0.1.0/24",
            DEFAULT_SYSTEM_RESERVE_MB,
        );
        const spec = d.spec.template.spec;
        const fits = (pool: PoolPlan) =>
            selects((spec["nodeSelector"] ?? {}) as Record<string, string>, pool.labels) &&
            pool.taints.every((t) =>
                ((spec["tolerations"] ?? []) as Json[]).some(
                    (o) => o["key"] === t.key && o["value"] === t.value && o["effect"] === t.effect,
                ),
            );
        expect(plan.pools.filter(fits).map((p) => p.kind)).toEqual(["system"]);
    });

    it("fails restricted once a safeguard is removed", () => {
        const spec = copy(deployment(objects).spec.template.spec) as unknown as PodSpec & Json;
        delete (spec["securityContext"] as Json)["seccompProfile"];
        expect(podSpecViolations(spec, "restricted").map((v) => v.check)).toContain(
            "seccompProfile_restricted",
        );
    });

    it("has exactly one LoadBalancer Service, in the ingress namespace, with the hcloud annotations", () => {
        const all = [...objects, ...appWorkloadObjects(APP)];
        const lbs = all.filter((o) => o.kind === "Service" && (o["spec"] as Json)["type"] === "LoadBalancer");
        expect(lbs).toHaveLength(1);
        const lb = lbs[0] as unknown as LbService;
        expect(lb.metadata.namespace).toBe(INPUT.namespace);
        expect(lb.metadata.annotations).toMatchObject({
            "load-balancer.hetzner.cloud/location": "fsn1",
            "load-balancer.hetzner.cloud/use-private-ip": "true",
            "load-balancer.hetzner.cloud/type": "lb11",
            "load-balancer.hetzner.cloud/name": "phase5-ingress",
            // The status lists public addresses only: the edge's records are made from it.
            "load-balancer.hetzner.cloud/disable-private-ingress": "true",
        });
        // Prefix paths match path elements, so /assets never catches /assets-manifest.json.
        expect(traefikArgs(INPUT)).toContain("--providers.kubernetesIngress.strictPrefixMatching=true");
        const typed = ingressObjects({ ...INPUT, loadBalancer: { ...INPUT.loadBalancer, type: "lb21" } });
        expect(
            (only(typed, "Service") as unknown as LbService).metadata.annotations[
                "load-balancer.hetzner.cloud/type"
            ],
        ).toBe("lb21");
        // The pack's PHS-NET-3 agrees, and would fire in another namespace.
        const rs = all.map(asResource);
        expect(runPolicy(loadBalancerServiceIngressOnly, rs)).toEqual([]);
        const moved = copy(lb) as unknown as KubeObject & { metadata: { namespace: string } };
        moved.metadata.namespace = "app";
        expect(runPolicy(loadBalancerServiceIngressOnly, [asResource(moved)])).not.toEqual([]);
    });

    it("publishes 80 and 443 onto Traefik's web and websecure ports, and selects Traefik's pods", () => {
        const lb = only(objects, "Service") as unknown as LbService;
        expect(lb.spec.ports.map((p) => [p.port, p.targetPort])).toEqual([
            [80, "web"],
            [443, "websecure"],
        ]);
        const c = container(objects);
        for (const p of lb.spec.ports) expect(c.ports.some((cp) => cp.name === p.targetPort)).toBe(true);
        const pod = deployment(objects).spec.template.metadata.labels;
        expect(selects(lb.spec.selector, pod)).toBe(true);
        const pdb = only(objects, "PodDisruptionBudget")["spec"] as {
            selector: { matchLabels: Record<string, string> };
            maxUnavailable: number;
        };
        expect(selects(pdb.selector.matchLabels, pod)).toBe(true);
        expect(pdb.maxUnavailable).toBe(1);
        expect(selects(deployment(objects).spec.selector.matchLabels, pod)).toBe(true);
    });

    it("is consistent about the PROXY protocol: off on the load balancer, not accepted by Traefik", () => {
        const lb = only(objects, "Service") as unknown as LbService;
        expect(lb.metadata.annotations["load-balancer.hetzner.cloud/uses-proxyprotocol"]).toBe("false");
        expect(container(objects).args.filter((a) => /proxyProtocol/i.test(a))).toEqual([]);
        expect(arg(container(objects).args, "entryPoints.websecure.forwardedHeaders.trustedIPs")).toBe(
            INPUT.internalCidrs.join(","),
        );
    });

    it("grants least privilege: exact rules, no wildcard, namespaced reads only where Traefik watches", () => {
        type Rule = { apiGroups: string[]; resources: string[]; verbs: string[] };
        const roles = objects.filter((o) => o.kind === "Role");
        const flat = (rules: Rule[]) =>
            rules
                .flatMap((r) =>
                    r.apiGroups.flatMap((g) =>
                        r.resources.flatMap((res) => r.verbs.map((v) => `${g}/${res}:${v}`)),
                    ),
                )
                .sort();
        const clusterRules = only(objects, "ClusterRole")["rules"] as Rule[];
        expect(roles).toHaveLength(2);
        for (const r of [...clusterRules, ...roles.flatMap((x) => x["rules"] as Rule[])])
            for (const v of [...r.apiGroups, ...r.resources, ...r.verbs]) expect(v).not.toContain("*");
        expect(flat(clusterRules)).toEqual(
            [
                "/nodes:get",
                "/nodes:list",
                "/nodes:watch",
                "networking.k8s.io/ingressclasses:get",
                "networking.k8s.io/ingressclasses:list",
                "networking.k8s.io/ingressclasses:watch",
            ].sort(),
        );
        for (const role of roles)
            expect(flat(role["rules"] as Rule[]), role.metadata.namespace).toEqual(
                [
                    "/secrets:get",
                    "/secrets:list",
                    "/secrets:watch",
                    "/services:get",
                    "/services:list",
                    "/services:watch",
                    "discovery.k8s.io/endpointslices:list",
                    "discovery.k8s.io/endpointslices:watch",
                    "networking.k8s.io/ingresses:get",
                    "networking.k8s.io/ingresses:list",
                    "networking.k8s.io/ingresses:watch",
                    "networking.k8s.io/ingresses/status:update",
                ].sort(),
            );
        const watched = arg(container(objects).args, "providers.kubernetesIngress.namespaces")?.split(",");
        expect(watched?.sort()).toEqual(["app", "ingress"]);
        expect(roles.map((r) => r.metadata.namespace).sort()).toEqual(watched);
        // The Service it publishes into the Ingresses' status is in a watched namespace.
        const published = arg(
            container(objects).args,
            "providers.kubernetesIngress.ingressEndpoint.publishedService",
        );
        const lb = only(objects, "Service") as unknown as KubeObject;
        expect(published).toBe(`${lb.metadata.namespace}/${lb.metadata.name}`);
        expect(watched).toContain(lb.metadata.namespace);
        const bindings = [
            only(objects, "ClusterRoleBinding"),
            ...objects.filter((o) => o.kind === "RoleBinding"),
        ] as unknown as { kind: string; roleRef: Json; subjects: Json[] }[];
        expect(bindings).toHaveLength(3);
        for (const b of bindings) {
            expect(b.roleRef).toMatchObject({ kind: b.kind.replace("Binding", ""), name: TRAEFIK_NAME });
            expect(b.subjects).toEqual([
                { kind: "ServiceAccount", name: TRAEFIK_NAME, namespace: "ingress" },
            ]);
        }
        expect(deployment(objects).spec.template.spec["serviceAccountName"]).toBe(TRAEFIK_NAME);
        expect(only(objects, "ServiceAccount").metadata).toMatchObject({
            name: TRAEFIK_NAME,
            namespace: "ingress",
        });
    });

    it("uses the kubernetesIngress provider for routing, claimed by the IngressClass", () => {
        const args = container(objects).args;
        const providers = [
            ...new Set(args.filter((a) => a.startsWith("--providers.")).map((a) => a.split(/[.=]/)[1])),
        ];
        expect(providers.sort()).toEqual(["file", "kubernetesIngress"]);
        expect(args.filter((a) => /kubernetesCRD|kubernetesGateway/i.test(a))).toEqual([]);
        expect(only(objects, "IngressClass")["spec"]).toEqual({ controller: TRAEFIK_CONTROLLER });
        expect(arg(args, "providers.kubernetesIngress.ingressClass")).toBe(INGRESS_CLASS);
        for (const ing of objects.filter((o) => o.kind === "Ingress"))
            expect((ing["spec"] as Json)["ingressClassName"]).toBe(INGRESS_CLASS);
    });
});

interface Ingress {
    metadata: { name: string; namespace: string; annotations: Record<string, string> };
    spec: {
        tls: { hosts: string[]; secretName: string }[];
        rules: {
            host: string;
            http: {
                paths: {
                    path: string;
                    pathType: string;
                    backend: { service: { name: string; port: { number: number } } };
                }[];
            };
        }[];
    };
}

/** Caddy's site routes: per host the upstreams it dials, and the paths it marks immutable with their header. */
function caddyRoutes() {
    const caddy = JSON.parse(renderOriginCaddyConfig(INPUT.hostnames, WORKLOAD, ALL_LOCAL)) as {
        apps: { http: { servers: { https: { routes: Json[] } } } };
    };
    type Handler = {
        handler: string;
        upstreams?: { dial: string }[];
        response?: { set?: Record<string, string[]> };
    };
    const dials: Record<string, string[]> = {};
    const immutable: Record<string, { paths: string[]; cacheControl: string[] | undefined }> = {};
    for (const route of caddy.apps.http.servers.https.routes) {
        const match = (
            route["match"] as { host?: string[]; path?: string[]; expression?: string }[] | undefined
        )?.[0];
        const sub = (
            route["handle"] as {
                handler: string;
                routes?: { match?: { path?: string[] }[]; handle: Handler[] }[];
            }[]
        )[0];
        if (!match?.host || match.path || match.expression || sub?.handler !== "subroute") continue;
        for (const h of match.host) {
            dials[h] = (sub.routes ?? []).flatMap((r) =>
                r.handle.flatMap((x) => x.upstreams?.map((u) => u.dial) ?? []),
            );
            const cached = (sub.routes ?? []).find((r) => r.match?.[0]?.path);
            if (cached)
                immutable[h] = {
                    paths: cached.match?.[0]?.path ?? [],
                    cacheControl: cached.handle[0]?.response?.set?.["Cache-Control"],
                };
        }
    }
    return { dials, immutable };
}

describe("the app's Ingresses", () => {
    const objects = ingressObjects(INPUT);
    const ingresses = objects.filter((o) => o.kind === "Ingress") as unknown as Ingress[];
    const main = only(objects, "Ingress", APP_INGRESS) as unknown as Ingress;
    const assets = only(objects, "Ingress", ASSETS_INGRESS) as unknown as Ingress;
    const backendsOf = (ings: readonly Ingress[]) =>
        ings.flatMap((i) =>
            i.spec.rules.flatMap((r) => r.http.paths.map((p) => ({ host: r.host, ...p.backend.service }))),
        );

    it("name Services and ports that appWorkloadObjects builds, in their own namespace", () => {
        const services = appWorkloadObjects(APP).filter((o) => o.kind === "Service");
        const backends = backendsOf(ingresses);
        expect(backends.length).toBe(2 + IMMUTABLE_ASSET_PREFIXES.length);
        for (const b of backends) {
            const svc = services.find((s) => s.metadata.name === b.name) as unknown as
                { spec: { ports: { port: number }[] } } | undefined;
            expect(svc, b.name).toBeDefined();
            expect(svc?.spec.ports.map((p) => p.port)).toContain(b.port.number);
        }
        // An Ingress reaches Services of its own namespace only.
        for (const i of ingresses)
            for (const s of services) expect(s.metadata.namespace).toBe(i.metadata.namespace);
    });

    it("route each hostname where the VM phases' Caddy does", () => {
        const { dials } = caddyRoutes();
        const fromIngress: Record<string, string[]> = {};
        for (const b of backendsOf(ingresses)) {
            const target = `${b.name}:${b.port.number}`;
            fromIngress[b.host] = [...new Set([...(fromIngress[b.host] ?? []), target])];
        }
        expect(Object.keys(dials).sort()).toEqual([INPUT.hostnames.api, INPUT.hostnames.app].sort());
        expect(fromIngress).toEqual(dials);
        for (const r of main.spec.rules)
            expect(r.http.paths.map((p) => [p.path, p.pathType])).toEqual([["/", "Prefix"]]);
    });

    it("mark the frontend's hashed assets immutable, on Caddy's paths with Caddy's header", () => {
        const { immutable } = caddyRoutes();
        const caddy = immutable[INPUT.hostnames.app];
        expect(caddy).toBeDefined();
        expect(Object.keys(immutable)).toEqual([INPUT.hostnames.app]);
        const paths = assets.spec.rules.flatMap((r) => r.http.paths);
        expect(assets.spec.rules.map((r) => r.host)).toEqual([INPUT.hostnames.app]);
        expect(paths.map((p) => `${p.path}/*`)).toEqual(caddy?.paths);
        for (const p of paths) expect(p.pathType).toBe("Prefix");
        const dynamic = parse(
            (only(objects, "ConfigMap", TRAEFIK_DYNAMIC_CONFIG) as { data: Record<string, string> }).data[
                DYNAMIC_CONFIG_KEY
            ] ?? "",
        ) as {
            http: {
                middlewares: Record<string, { headers?: { customResponseHeaders?: Record<string, string> } }>;
            };
        };
        const used = assets.metadata.annotations["traefik.ingress.kubernetes.io/router.middlewares"];
        expect(used).toBe("immutable-cache@file");
        expect(
            dynamic.http.middlewares["immutable-cache"]?.headers?.customResponseHeaders?.["Cache-Control"],
        ).toBe(caddy?.cacheControl?.[0]);
    });

    it("serve their hostnames with the Origin CA certificate Secret, on websecure only", () => {
        expect(main.spec.tls).toEqual([
            { hosts: [INPUT.hostnames.app, INPUT.hostnames.api], secretName: "origin-tls" },
        ]);
        for (const i of ingresses) {
            expect(i.metadata.annotations["traefik.ingress.kubernetes.io/router.entrypoints"]).toBe(
                "websecure",
            );
            for (const t of i.spec.tls) expect(t.secretName).toBe(INPUT.tlsSecretName);
            for (const r of i.spec.rules) expect(i.spec.tls.flatMap((t) => t.hosts)).toContain(r.host);
        }
        const secret = originTlsSecretObject(
            INPUT,
            "-----BEGIN CERTIFICATE-----\nMII\n-----END CERTIFICATE-----\n",
            "-----BEGIN PRIVATE KEY-----\nMII\n-----END PRIVATE KEY-----\n",
        );
        expect(kubeSchemaProblems(secret)).toEqual([]);
        expect(secret).toMatchObject({
            type: "kubernetes.io/tls",
            metadata: { name: "origin-tls", namespace: "app" },
        });
        expect(Object.keys(secret["stringData"] as Json).sort()).toEqual(["tls.crt", "tls.key"]);
        expect(() => originTlsSecretObject(INPUT, "nope", "nope")).toThrow(/ingress: certPem/);
    });
});

describe("the origin-pull gate", () => {
    const objects = ingressObjects(INPUT);
    const cm = only(objects, "ConfigMap", TRAEFIK_DYNAMIC_CONFIG) as { data: Record<string, string> };
    const dynamic = parse(cm.data[DYNAMIC_CONFIG_KEY] ?? "") as {
        http: { middlewares: Record<string, Json>; routers?: unknown; services?: unknown };
        tls: {
            options: {
                default: { minVersion: string; clientAuth: { caFiles: string[]; clientAuthType: string } };
            };
        };
    };
    /** Where the container sees a ConfigMap key. */
    const pathOf = (key: string) => {
        const { spec } = deployment(objects).spec.template;
        const volume = spec.volumes.find(
            (v) =>
                v.configMap?.name === TRAEFIK_DYNAMIC_CONFIG && v.configMap.items.some((i) => i.key === key),
        );
        const item = volume?.configMap?.items.find((i) => i.key === key);
        const mount = container(objects).volumeMounts.find((m) => m.name === volume?.name);
        return mount && item ? `${mount.mountPath}/${item.path}` : undefined;
    };

    it("requires Cloudflare's origin-pull client certificate on every TLS connection", () => {
        const def = dynamic.tls.options.default;
        expect(def.clientAuth.clientAuthType).toBe("RequireAndVerifyClientCert");
        expect(def.minVersion).toBe("VersionTLS12");
        expect(def.clientAuth.caFiles).toEqual([pathOf(ORIGIN_PULL_CA_KEY)]);
        expect(cm.data[ORIGIN_PULL_CA_KEY]).toBe(CLOUDFLARE_ORIGIN_PULL_CA_PEM);
    });

    it("is read by the file provider from where the ConfigMap is mounted, and routes nothing itself", () => {
        const dir = arg(container(objects).args, "providers.file.directory");
        expect(pathOf(DYNAMIC_CONFIG_KEY)).toBe(`${dir}/${DYNAMIC_CONFIG_KEY}`);
        // The CA file sits outside the provider's directory, so the provider never tries to parse it.
        expect(pathOf(ORIGIN_PULL_CA_KEY)?.startsWith(`${dir}/`)).toBe(false);
        expect(dynamic.http.routers).toBeUndefined();
        expect(dynamic.http.services).toBeUndefined();
    });

    it("defines every middleware the entry points use, with Caddy's security headers", () => {
        const used = arg(container(objects).args, "entryPoints.websecure.http.middlewares")?.split(",") ?? [];
        expect(used.length).toBeGreaterThan(0);
        for (const m of used) {
            expect(m.endsWith("@file")).toBe(true);
            expect(dynamic.http.middlewares).toHaveProperty(m.replace(/@file$/, ""));
        }
        expect(dynamic.http.middlewares["security-headers"]).toMatchObject({
            headers: {
                stsSeconds: 31536000,
                contentTypeNosniff: true,
                customFrameOptionsValue: "SAMEORIGIN",
            },
        });
        const args = container(objects).args;
        expect(arg(args, "entryPoints.web.http.redirections.entryPoint.to")).toBe(":443");
        expect(arg(args, "entryPoints.web.http.redirections.entryPoint.scheme")).toBe("https");
    });

    it("rolls the pods when the config or the CA changes", () => {
        const sum = (o: KubeObject[]) =>
            deployment(o).spec.template.metadata.annotations[DYNAMIC_CHECKSUM_ANNOTATION];
        expect(sum(objects)).toMatch(/^[0-9a-f]{64}$/);
        expect(sum(ingressObjects({ ...INPUT, originPullCaPem: "other" }))).not.toBe(sum(objects));
        expect(sum(ingressObjects(INPUT))).toBe(sum(objects));
    });
});

/** A Kubernetes object as the Pulumi provider registers it. */
function asResource(o: KubeObject): PolicyResource {
    const [group, version] = o.apiVersion.includes("/") ? o.apiVersion.split("/") : ["core", o.apiVersion];
    return {
        type: `kubernetes:${group}/${version}:${o.kind}`,
        name: `${o.metadata.namespace ?? ""}/${o.metadata.name}`,
        urn: `urn:pulumi:phase5::phase-stacks::kubernetes:${group}/${version}:${o.kind}::${o.metadata.namespace ?? ""}-${o.metadata.name}`,
        props: copy(o),
    };
}

describe("the pack over ingress and workloads", () => {
    it("reports no mandatory violation", () => {
        const rs = [...ingressObjects(INPUT), ...appWorkloadObjects(APP)].map(asResource);
        expect(
            evaluatePolicies(rs, { phase: "phase5" })
                .filter((v) => v.level === "mandatory")
                .map((v) => `${v.policy}: ${v.message}`),
        ).toEqual([]);
    });
});

describe("input validation", () => {
    const cases: [string, IngressInput, RegExp][] = [
        [
            "a bad namespace",
            { ...INPUT, namespace: "Ingress" },
            /ingress: namespace "Ingress" is not a namespace name/,
        ],
        ["the app namespace", { ...INPUT, namespace: "app" }, /ingress: namespace is the app namespace/],
        [
            "a host outside the zone",
            { ...INPUT, hostnames: { ...INPUT.hostnames, api: "api.other.org" } },
            /hostnames.api "api.other.org" is not a hostname inside the zone example.com/,
        ],
        [
            "one host for both",
            { ...INPUT, hostnames: { app: "x.example.com", api: "x.example.com" } },
            /hostnames.api equals hostnames.app/,
        ],
        [
            "a bad location",
            { ...INPUT, loadBalancer: { ...INPUT.loadBalancer, location: "mars1" } },
            /loadBalancer.location "mars1" is not a Hetzner location/,
        ],
        [
            "a bad LB type",
            { ...INPUT, loadBalancer: { ...INPUT.loadBalancer, type: "lb99" as "lb11" } },
            /loadBalancer.type "lb99"/,
        ],
        [
            "a bad LB name",
            { ...INPUT, loadBalancer: { ...INPUT.loadBalancer, name: "my lb" } },
            /loadBalancer.name "my lb"/,
        ],
        ["a bad CIDR", { ...INPUT, internalCidrs: ["10.0.0.0/33"] }, /internalCidrs has "10.0.0.0\/33"/],
        ["no CIDR", { ...INPUT, internalCidrs: [] }, /internalCidrs is empty/],
        ["one replica", { ...INPUT, replicas: 1 }, /ingress: replicas is 1; run at least 2/],
        ["a bad TLS Secret name", { ...INPUT, tlsSecretName: "Origin TLS" }, /tlsSecretName "Origin TLS"/],
        ["a bad zone", { ...INPUT, zone: "localhost" }, /zone "localhost" is not a domain/],
    ];
    it.each(cases)("rejects %s", (_, input, message) => {
        expect(() => ingressObjects(input)).toThrow(message);
    });

    it("accepts IPv6 ranges and more replicas", () => {
        const objects = ingressObjects({
            ...INPUT,
            internalCidrs: ["10.0.0.0/16", "fd00::/64"],
            replicas: 3,
        });
        expect(deployment(objects).spec.replicas).toBe(3);
        expect(
            arg(
                traefikArgs({ ...INPUT, internalCidrs: ["fd00::/64"] }),
                "entryPoints.websecure.forwardedHeaders.trustedIPs",
            ),
        ).toBe("fd00::/64");
    });
});
