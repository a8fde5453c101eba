/**
 * Phase 5's ingress: Traefik v3 in its own namespace behind one Hetzner load balancer (a Service of type
 * LoadBalancer the hcloud CCM turns into one), and the Ingresses that route the app's hostnames the way the VM
 * phases' Caddy does (render/app/caddy.ts: the app host to the frontend, the API host to the api, TLS with the
 * Cloudflare Origin CA certificate, security headers, compression). Pure: plain data in, plain objects out.
 *
 * Choices:
 * - Image: Traefik v3.7.13, the newest v3 release found (github.com/traefik/traefik/releases, and
 *   docker-library/official-images#22206 "Bump Traefik to v3.7.13", 2026-09-04).
 * - Routing comes from the kubernetesIngress provider only (no CRDs): the Ingresses below, the IngressClass
 *   `traefik`. The provider watches the app namespace (the routes) and its own (the LoadBalancer Service it
 *   publishes into each Ingress's status: Pulumi waits for that address before it calls an Ingress ready, and the
 *   provider refuses to read a Service outside its watched namespaces).
 * - Only Cloudflare in front: a Hetzner firewall cannot filter a load balancer's public side, so the gate is
 *   Traefik's. As on the VM phases it is Authenticated Origin Pulls: the default TLS option requires a client
 *   certificate signed by Cloudflare's origin-pull CA (catalog/originPull.ts), so a connection that is not
 *   Cloudflare's never completes the handshake. TLS options are dynamic configuration, which the Ingress provider
 *   cannot carry, so Traefik's file provider reads them (with the headers and compression middlewares) from one
 *   ConfigMap: no CRD, and no other routing source (the file defines no routers or services).
 *   An IP allow-list of Cloudflare's ranges (an ipAllowList middleware) is not used: without the PROXY protocol
 *   the peer Traefik sees is the load balancer's private address or a node's (kube-proxy SNAT), never
 *   Cloudflare's. So the load balancer does not speak the PROXY protocol (uses-proxyprotocol "false") and Traefik
 *   accepts none; X-Forwarded-For is trusted from the cluster's internal ranges (`internalCidrs`) only, which is
 *   safe because on websecure only requests that passed the origin-pull handshake (Cloudflare's) get that far.
 * - Plain HTTP on :80 answers only with a redirect to https, as Caddy's http_redirect does.
 * - The frontend's content-hashed assets get Caddy's year-long immutable Cache-Control through a second Ingress
 *   for those paths with a headers middleware (Prefix paths: Caddy's `/assets/*` patterns without the star).
 * - RBAC: a ClusterRole for the cluster-scoped reads (ingressclasses; nodes, which the provider's client also
 *   watches since v3.1, see traefik-helm-chart templates/rbac/clusterrole.yaml) and a Role in each watched
 *   namespace for the rest (services, endpointslices, secrets, ingresses, ingresses/status), so Traefik reads no
 *   Secret outside them. It can read the app namespace's Secrets (an informer's list cannot be narrowed by name),
 *   the app's credentials among them. The `extensions` group (removed in Kubernetes 1.22) and pods/get (OpenTelemetry only) are
 *   left out of upstream's list.
 * - Placement: the system pool (tolerating its taint), as a cluster add-on; the load balancer targets that pool's
 *   nodes only (node-selector), which keeps it within lb11's 25 targets however far the agent pools grow.
 * - Ports 8000/8443 (unprivileged: no capability needed), published by the Service as 80/443.
 */
import { createHash } from "node:crypto";
import { LOAD_BALANCER_TYPES, LOCATIONS, type LoadBalancerTypeName } from "../catalog/hetzner";
import { CLOUDFLARE_ORIGIN_PULL_CA_PEM } from "../catalog/originPull";
import type { ResolvedWorkload } from "../config/ports";
import { IMMUTABLE_ASSET_PREFIXES } from "../render/app/caddy";
import { toYaml } from "../render/base/yaml";
import { POOL_KIND_LABEL } from "./clusterPlan";
import type { KubeObject } from "./objects";
import { appServiceName } from "./workloads";
import { DNS_LABEL, isDnsLabel } from "./names";

export const TRAEFIK_IMAGE = "docker.io/traefik:v3.7.13";
export const TRAEFIK_NAME = "traefik";
export const INGRESS_CLASS = "traefik";
/** The controller value Traefik's Ingress provider claims IngressClasses by. */
export const TRAEFIK_CONTROLLER = "traefik.io/ingress-controller";
/** The unprivileged user Traefik runs as (the image has none of its own; any uid works). */
export const TRAEFIK_USER = { uid: 65532, gid: 65532 } as const;
export const TRAEFIK_PORTS = { web: 8000, websecure: 8443, traefik: 8080 } as const;
export const PUBLIC_PORTS = { web: 80, websecure: 443 } as const;
/** The ConfigMap with the file provider's dynamic config and the origin-pull CA, and its keys. */
export const TRAEFIK_DYNAMIC_CONFIG = "traefik-dynamic";
export const DYNAMIC_CONFIG_KEY = "dynamic.yaml";
export const ORIGIN_PULL_CA_KEY = "origin-pull-ca.pem";
const DYNAMIC_DIR = "/etc/traefik/dynamic";
const CA_DIR = "/etc/traefik/origin-pull";
/** The pod template annotation whose change rolls Traefik when the dynamic config changes. */
export const DYNAMIC_CHECKSUM_ANNOTATION = "checksum/traefik-dynamic";
/** The Ingress (in the app namespace) that routes both hostnames, and the one for the frontend's hashed assets. */
export const APP_INGRESS = "app";
export const ASSETS_INGRESS = "app-immutable-assets";

const HCLOUD = "load-balancer.hetzner.cloud";

export interface IngressInput {
    /** Traefik's namespace, e.g. "ingress" (the pack's k8s-load-balancer-service-ingress-only default). */
    readonly namespace: string;
    /** Where the app's Services run, and so its Ingresses and the TLS Secret (appWorkloadObjects' namespace). */
    readonly appNamespace: string;
    /** The workload config with default ports resolved: the api and frontend Services' ports. */
    readonly workload: ResolvedWorkload;
    /** The Cloudflare zone (apex domain); both hostnames must lie inside it. */
    readonly zone: string;
    /** Public hostnames, as the edge publishes them: app.<zone> to the frontend, api.<zone> to the api. */
    readonly hostnames: { readonly app: string; readonly api: string };
    /** The kubernetes.io/tls Secret in the app namespace holding the Origin CA certificate (the shell fills it). */
    readonly tlsSecretName: string;
    readonly loadBalancer: {
        /** The Hetzner load balancer's name: fixed, so the CCM keeps adopting the same LB. */
        readonly name: string;
        readonly location: string;
        /** lb11 unless set. */
        readonly type?: LoadBalancerTypeName;
    };
    /** The private network's and the cluster's pod ranges: the peers Traefik trusts X-Forwarded-For from. */
    readonly internalCidrs: readonly string[];
    /** Traefik copies, at least 2; 2 unless set. */
    readonly replicas?: number;
    /** Traefik's memory (MiB) and CPU (cores), both request and limit; 256 and 0.5 unless set. */
    readonly resources?: { readonly memoryMb: number; readonly cpus: number };
    /** Cloudflare's origin-pull CA; the catalog's unless set (tests). */
    readonly originPullCaPem?: string;
}

const DNS_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)+$/;
const IPV4_CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;
const IPV6_CIDR = /^[0-9a-f:]+\/(\d{1,3})$/i;
const HCLOUD_NAME = /^[a-zA-Z0-9]([a-zA-Z0-9._-]*[a-zA-Z0-9])?$/;

function fail(key: string, problem: string, fix: string): never {
    throw new Error(`ingress: ${key} ${problem}; ${fix}`);
}

function isCidr(c: string): boolean {
    const v4 = IPV4_CIDR.exec(c);
    if (v4) return v4.slice(1, 5).every((o) => Number(o) <= 255) && Number(v4[5]) <= 32;
    const v6 = IPV6_CIDR.exec(c);
    return v6 !== null && c.includes(":") && Number(v6[1]) <= 128;
}

function validate(input: IngressInput): void {
    for (const key of ["namespace", "appNamespace"] as const)
        if (!isDnsLabel(input[key]))
            fail(key, `"${input[key]}" is not a namespace name`, "use a DNS label such as ingress");
    if (input.namespace === input.appNamespace)
        fail("namespace", "is the app namespace", "run the ingress controller in a namespace of its own");
    if (!DNS_NAME.test(input.zone))
        fail("zone", `"${input.zone}" is not a domain`, "give the apex, e.g. example.com");
    for (const key of ["app", "api"] as const) {
        const host = input.hostnames[key];
        if (!DNS_NAME.test(host) || !host.endsWith(`.${input.zone}`))
            fail(
                `hostnames.${key}`,
                `"${host}" is not a hostname inside the zone ${input.zone}`,
                `give <label>.${input.zone}, as the edge publishes it`,
            );
    }
    if (input.hostnames.app === input.hostnames.api)
        fail("hostnames.api", "equals hostnames.app", "give the API its own hostname");
    if (!DNS_LABEL.test(input.tlsSecretName))
        fail("tlsSecretName", `"${input.tlsSecretName}" is not a Secret name`, "use a DNS label");
    const lb = input.loadBalancer;
    if (!HCLOUD_NAME.test(lb.name) || lb.name.length > 63)
        fail(
            "loadBalancer.name",
            `"${lb.name}" is not a Hetzner resource name`,
            "use letters, digits, . _ -",
        );
    if (!(lb.location in LOCATIONS))
        fail(
            "loadBalancer.location",
            `"${lb.location}" is not a Hetzner location`,
            `use one of ${Object.keys(LOCATIONS).join(", ")}`,
        );
    if (lb.type !== undefined && !(lb.type in LOAD_BALANCER_TYPES))
        fail(
            "loadBalancer.type",
            `"${String(lb.type)}" is not a load balancer type`,
            `use one of ${Object.keys(LOAD_BALANCER_TYPES).join(", ")}`,
        );
    if (input.internalCidrs.length === 0)
        fail("internalCidrs", "is empty", "give the private network's subnet and the cluster's pod range");
    for (const c of input.internalCidrs)
        if (!isCidr(c)) fail("internalCidrs", `has "${c}", which is not a CIDR`, "write e.g. 10.0.0.0/16");
    const replicas = input.replicas ?? 2;
    if (!Number.isInteger(replicas) || replicas < 2)
        fail("replicas", `is ${replicas}`, "run at least 2 copies, so a drain or a crash keeps ingress up");
    const r = input.resources;
    if (r && (!Number.isInteger(r.memoryMb) || r.memoryMb < 64 || !(r.cpus > 0)))
        fail("resources", `are ${JSON.stringify(r)}`, "give memoryMb ≥ 64 (whole MiB) and cpus > 0");
    for (const name of ["api", "frontend"] as const)
        if (!Number.isInteger(input.workload[name].port))
            fail(`workload.${name}.port`, "is not set", "resolve default ports (withDefaultPorts) first");
}

const labels = {
    "app.kubernetes.io/name": TRAEFIK_NAME,
    "app.kubernetes.io/component": "ingress-controller",
};
const selector = { ...labels };

/** The file provider's dynamic config: the origin-pull gate, headers and compression (no routers). */
export function traefikDynamicConfig(): object {
    return {
        http: {
            middlewares: {
                // Caddy's securityHeaders(): HSTS, nosniff, SAMEORIGIN framing, the referrer policy; no Server header.
                "security-headers": {
                    headers: {
                        stsSeconds: 31536000,
                        stsIncludeSubdomains: true,
                        contentTypeNosniff: true,
                        customFrameOptionsValue: "SAMEORIGIN",
                        referrerPolicy: "strict-origin-when-cross-origin",
                        customResponseHeaders: { Server: "" },
                    },
                },
                compress: { compress: {} },
                "immutable-cache": {
                    headers: {
                        customResponseHeaders: { "Cache-Control": "public, max-age=31536000, immutable" },
                    },
                },
            },
        },
        tls: {
            options: {
                default: {
                    minVersion: "VersionTLS12",
                    sniStrict: true,
                    clientAuth: {
                        caFiles: [`${CA_DIR}/${ORIGIN_PULL_CA_KEY}`],
                        clientAuthType: "RequireAndVerifyClientCert",
                    },
                },
            },
        },
    };
}

/** Traefik's static configuration, as container args. */
export function traefikArgs(input: IngressInput): string[] {
    const ep = (name: keyof typeof TRAEFIK_PORTS) =>
        `--entryPoints.${name}.address=:${TRAEFIK_PORTS[name]}/tcp`;
    return [
        "--global.checkNewVersion=false",
        "--global.sendAnonymousUsage=false",
        "--log.level=INFO",
        "--accessLog=true",
        ep("web"),
        ep("websecure"),
        ep("traefik"),
        "--ping=true",
        "--ping.entryPoint=traefik",
        `--entryPoints.web.http.redirections.entryPoint.to=:${PUBLIC_PORTS.websecure}`,
        "--entryPoints.web.http.redirections.entryPoint.scheme=https",
        "--entryPoints.web.http.redirections.entryPoint.permanent=true",
        "--entryPoints.websecure.http.tls=true",
        "--entryPoints.websecure.http.middlewares=security-headers@file,compress@file",
        `--entryPoints.websecure.forwardedHeaders.trustedIPs=${input.internalCidrs.join(",")}`,
        "--providers.kubernetesIngress=true",
        `--providers.kubernetesIngress.ingressClass=${INGRESS_CLASS}`,
        `--providers.kubernetesIngress.namespaces=${watchedNamespaces(input).join(",")}`,
        `--providers.kubernetesIngress.ingressEndpoint.publishedService=${input.namespace}/${TRAEFIK_NAME}`,
        // Path-element matching as the Ingress spec defines Prefix: /assets must not match /assets-manifest.json,
        // which would get the immutable assets' year-long cache.
        "--providers.kubernetesIngress.strictPrefixMatching=true",
        `--providers.file.directory=${DYNAMIC_DIR}`,
        "--providers.file.watch=true",
    ];
}

const rule = (apiGroups: string[], resources: string[], verbs: string[]) => ({ apiGroups, resources, verbs });

/** The namespaces the Ingress provider watches: the app's routes, and its own Service's. */
export const watchedNamespaces = (input: IngressInput): string[] => [input.appNamespace, input.namespace];

/**
 * In apply order: ServiceAccount, ClusterRole(+Binding), a Role(+Binding) per watched namespace, the dynamic-config
 * ConfigMap, the Deployment, the LoadBalancer Service, the PodDisruptionBudget, the IngressClass and the app's
 * Ingresses (in the app namespace).
 */
export function ingressObjects(input: IngressInput): KubeObject[] {
    validate(input);
    const { namespace, appNamespace } = input;
    const meta = { name: TRAEFIK_NAME, namespace, labels };
    const replicas = input.replicas ?? 2;
    const res = input.resources ?? { memoryMb: 256, cpus: 0.5 };
    const quantities = { cpu: `${Math.round(res.cpus * 1000)}m`, memory: `${res.memoryMb}Mi` };
    const dynamicYaml = toYaml(traefikDynamicConfig());
    const caPem = input.originPullCaPem ?? CLOUDFLARE_ORIGIN_PULL_CA_PEM;
    const checksum = createHash("sha256").update(dynamicYaml).update(caPem).digest("hex");
    const subjects = [{ kind: "ServiceAccount", name: TRAEFIK_NAME, namespace }];
    const roleRef = (kind: string) => ({ apiGroup: "rbac.authorization.k8s.io", kind, name: TRAEFIK_NAME });
    const ping = { httpGet: { path: "/ping", port: "traefik", scheme: "HTTP" } };
    const port = (name: keyof typeof TRAEFIK_PORTS) => ({
        name,
        containerPort: TRAEFIK_PORTS[name],
        protocol: "TCP",
    });
    const backend = (name: "api" | "frontend") => ({
        service: { name: appServiceName(name), port: { number: input.workload[name].port } },
    });
    const routerAnnotations = {
        "traefik.ingress.kubernetes.io/router.entrypoints": "websecure",
        "traefik.ingress.kubernetes.io/router.tls": "true",
    };
    const hostRule = (host: string, name: "api" | "frontend") => ({
        host,
        http: { paths: [{ path: "/", pathType: "Prefix", backend: backend(name) }] },
    });

    return [
        { apiVersion: "v1", kind: "ServiceAccount", metadata: meta },
        {
            apiVersion: "rbac.authorization.k8s.io/v1",
            kind: "ClusterRole",
            metadata: { name: TRAEFIK_NAME, labels },
            rules: [
                rule(["networking.k8s.io"], ["ingressclasses"], ["get", "list", "watch"]),
                rule([""], ["nodes"], ["get", "list", "watch"]),
            ],
        },
        {
            apiVersion: "rbac.authorization.k8s.io/v1",
            kind: "ClusterRoleBinding",
            metadata: { name: TRAEFIK_NAME, labels },
            roleRef: roleRef("ClusterRole"),
            subjects,
        },
        ...watchedNamespaces(input).flatMap((ns): KubeObject[] => [
            {
                apiVersion: "rbac.authorization.k8s.io/v1",
                kind: "Role",
                metadata: { name: TRAEFIK_NAME, namespace: ns, labels },
                rules: [
                    rule([""], ["services", "secrets"], ["get", "list", "watch"]),
                    rule(["discovery.k8s.io"], ["endpointslices"], ["list", "watch"]),
                    rule(["networking.k8s.io"], ["ingresses"], ["get", "list", "watch"]),
                    rule(["networking.k8s.io"], ["ingresses/status"], ["update"]),
                ],
            },
            {
                apiVersion: "rbac.authorization.k8s.io/v1",
                kind: "RoleBinding",
                metadata: { name: TRAEFIK_NAME, namespace: ns, labels },
                roleRef: roleRef("Role"),
                subjects,
            },
        ]),
        {
            apiVersion: "v1",
            kind: "ConfigMap",
            metadata: { name: TRAEFIK_DYNAMIC_CONFIG, namespace, labels },
            data: { [DYNAMIC_CONFIG_KEY]: dynamicYaml, [ORIGIN_PULL_CA_KEY]: caPem },
        },
        {
            apiVersion: "apps/v1",
            kind: "Deployment",
            metadata: meta,
            spec: {
                replicas,
                selector: { matchLabels: selector },
                strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
                template: {
                    metadata: { labels, annotations: { [DYNAMIC_CHECKSUM_ANNOTATION]: checksum } },
                    spec: {
                        serviceAccountName: TRAEFIK_NAME,
                        // Traefik reads Ingresses from the API server: it needs its token.
                        automountServiceAccountToken: true,
                        enableServiceLinks: false,
                        terminationGracePeriodSeconds: 30,
                        securityContext: {
                            runAsNonRoot: true,
                            runAsUser: TRAEFIK_USER.uid,
                            runAsGroup: TRAEFIK_USER.gid,
                            seccompProfile: { type: "RuntimeDefault" },
                        },
                        containers: [
                            {
                                name: TRAEFIK_NAME,
                                image: TRAEFIK_IMAGE,
                                // The image's entrypoint runs `traefik` with arguments that start with "-".
                                args: traefikArgs(input),
                                ports: [port("web"), port("websecure"), port("traefik")],
                                resources: { requests: { ...quantities }, limits: { ...quantities } },
                                readinessProbe: {
                                    ...ping,
                                    periodSeconds: 10,
                                    timeoutSeconds: 2,
                                    failureThreshold: 1,
                                },
                                livenessProbe: {
                                    ...ping,
                                    periodSeconds: 10,
                                    timeoutSeconds: 2,
                                    failureThreshold: 3,
                                },
                                securityContext: {
                                    allowPrivilegeEscalation: false,
                                    capabilities: { drop: ["ALL"] },
                                    readOnlyRootFilesystem: true,
                                    runAsNonRoot: true,
                                },
                                volumeMounts: [
                                    { name: "tmp", mountPath: "/tmp" },
                                    { name: "dynamic", mountPath: DYNAMIC_DIR, readOnly: true },
                                    { name: "origin-pull-ca", mountPath: CA_DIR, readOnly: true },
                                ],
                            },
                        ],
                        volumes: [
                            { name: "tmp", emptyDir: { medium: "Memory", sizeLimit: "16Mi" } },
                            {
                                name: "dynamic",
                                configMap: {
                                    name: TRAEFIK_DYNAMIC_CONFIG,
                                    items: [{ key: DYNAMIC_CONFIG_KEY, path: DYNAMIC_CONFIG_KEY }],
                                },
                            },
                            {
                                name: "origin-pull-ca",
                                configMap: {
                                    name: TRAEFIK_DYNAMIC_CONFIG,
                                    items: [{ key: ORIGIN_PULL_CA_KEY, path: ORIGIN_PULL_CA_KEY }],
                                },
                            },
                        ],
                        nodeSelector: { [POOL_KIND_LABEL]: "system" },
                        tolerations: [
                            {
                                key: POOL_KIND_LABEL,
                                operator: "Equal",
                                value: "system",
                                effect: "NoSchedule",
                            },
                        ],
                        topologySpreadConstraints: [
                            {
                                maxSkew: 1,
                                topologyKey: "kubernetes.io/hostname",
                                whenUnsatisfiable: "ScheduleAnyway",
                                labelSelector: { matchLabels: selector },
                                matchLabelKeys: ["pod-template-hash"],
                            },
                        ],
                    },
                },
            },
        },
        {
            apiVersion: "v1",
            kind: "Service",
            metadata: {
                ...meta,
                annotations: {
                    [`${HCLOUD}/name`]: input.loadBalancer.name,
                    [`${HCLOUD}/location`]: input.loadBalancer.location,
                    [`${HCLOUD}/type`]: input.loadBalancer.type ?? "lb11",
                    [`${HCLOUD}/use-private-ip`]: "true",
                    // Traefik accepts no PROXY protocol header (see the module comment): both sides agree.
                    [`${HCLOUD}/uses-proxyprotocol`]: "false",
                    [`${HCLOUD}/node-selector`]: `${POOL_KIND_LABEL}=system`,
                    // Only the public addresses in the Service's status: Cloudflare's records are made from it.
                    [`${HCLOUD}/disable-private-ingress`]: "true",
                },
            },
            spec: {
                type: "LoadBalancer",
                selector,
                externalTrafficPolicy: "Cluster",
                ports: (["web", "websecure"] as const).map((name) => ({
                    name,
                    port: PUBLIC_PORTS[name],
                    targetPort: name,
                    protocol: "TCP",
                })),
            },
        },
        {
            apiVersion: "policy/v1",
            kind: "PodDisruptionBudget",
            metadata: meta,
            spec: {
                selector: { matchLabels: selector },
                maxUnavailable: 1,
                unhealthyPodEvictionPolicy: "AlwaysAllow",
            },
        },
        {
            apiVersion: "networking.k8s.io/v1",
            kind: "IngressClass",
            metadata: { name: INGRESS_CLASS, labels },
            spec: { controller: TRAEFIK_CONTROLLER },
        },
        {
            apiVersion: "networking.k8s.io/v1",
            kind: "Ingress",
            metadata: {
                name: APP_INGRESS,
                namespace: appNamespace,
                labels: { "app.kubernetes.io/part-of": "phase-stacks" },
                annotations: routerAnnotations,
            },
            spec: {
                ingressClassName: INGRESS_CLASS,
                tls: [{ hosts: [input.hostnames.app, input.hostnames.api], secretName: input.tlsSecretName }],
                rules: [hostRule(input.hostnames.app, "frontend"), hostRule(input.hostnames.api, "api")],
            },
        },
        {
            apiVersion: "networking.k8s.io/v1",
            kind: "Ingress",
            metadata: {
                name: ASSETS_INGRESS,
                namespace: appNamespace,
                labels: { "app.kubernetes.io/part-of": "phase-stacks" },
                annotations: {
                    ...routerAnnotations,
                    // Longer rules win in Traefik, so these paths beat the app host's "/".
                    "traefik.ingress.kubernetes.io/router.middlewares": "immutable-cache@file",
                },
            },
            spec: {
                ingressClassName: INGRESS_CLASS,
                tls: [{ hosts: [input.hostnames.app], secretName: input.tlsSecretName }],
                rules: [
                    {
                        host: input.hostnames.app,
                        http: {
                            paths: IMMUTABLE_ASSET_PREFIXES.map((path) => ({
                                path,
                                pathType: "Prefix",
                                backend: backend("frontend"),
                            })),
                        },
                    },
                ],
            },
        },
    ];
}

/** The Origin CA certificate as the kubernetes.io/tls Secret the Ingress names (the shell fills it from Cloudflare). */
export function originTlsSecretObject(input: IngressInput, certPem: string, keyPem: string): KubeObject {
    validate(input);
    if (!certPem.includes("-----BEGIN CERTIFICATE-----"))
        fail("certPem", "is not a PEM certificate", "pass the Origin CA certificate");
    if (!/-----BEGIN (RSA |EC )?PRIVATE KEY-----/.test(keyPem))
        fail("keyPem", "is not a PEM private key", "pass the certificate's private key");
    return {
        apiVersion: "v1",
        kind: "Secret",
        metadata: { name: input.tlsSecretName, namespace: input.appNamespace },
        type: "kubernetes.io/tls",
        stringData: { "tls.crt": certPem, "tls.key": keyPem },
    };
}
