/**
 * Phase 5's platform on the cluster, in the order a fresh cluster needs it:
 *
 *   operators (cert-manager, CloudNativePG, Barman Cloud plugin) · observability (Prometheus, Grafana, Loki, Alloy)
 *   namespace app: Postgres (CNPG, 3 instances, sync, WAL to S3) · Redis + Sentinel · Meilisearch
 *                  api · frontend · worker · crawler (Deployments, PDBs, HPAs)
 *   namespace ingress: Traefik behind one CCM-managed Hetzner load balancer ◀── Cloudflare (proxied records)
 *   agents-<tier>: the warm pools and their keeper
 *
 * Secrets are generated once per stack (resource "services") and reach the cluster only as Secret objects
 * whose data is secret in the state.
 */
import type * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { HelmReleases } from "../../components/k8s/helmReleases";
import { KubeObjects } from "../../components/k8s/kubeObjects";
import type { ConfigOf } from "../../core/config/schema";
import { withDefaultPorts } from "../../core/config/ports";
import { clusterAlertObjects } from "../../core/k8s/clusterAlerts";
import type { ClusterPlan } from "../../core/k8s/clusterPlan";
import { ingressObjects, originTlsSecretObject, type IngressInput } from "../../core/k8s/ingress";
import { MEILI_MASTER_KEY_KEY, meilisearchEndpoint, meilisearchObjects } from "../../core/k8s/meilisearch";
import type { HelmRelease } from "../../core/k8s/helmRelease";
import type { KubeObject } from "../../core/k8s/objects";
import {
    observabilityObjects,
    observabilityReleases,
    observabilityVolumes,
    OBSERVABILITY_NAMESPACE,
    type ObservabilityInput,
} from "../../core/k8s/observability";
import { operatorObjects, operatorReleases } from "../../core/k8s/operators";
import {
    POOLER_PORT,
    POSTGRES_SERVICES,
    postgresObjects,
    postgresOwnerSecret,
    s3CredentialsSecret,
    type PostgresInput,
} from "../../core/k8s/postgres";
import { REDIS_PASSWORD_KEY, REDIS_REPLICAS, redisEndpoints, redisObjects } from "../../core/k8s/redis";
import { LOAD_BALANCER_TYPES, UNIT_PRICES } from "../../core/catalog/hetzner";
import { round2, type ExternalCost } from "../../core/cost/model";
import { warmPoolObjects, warmPoolTiers } from "../../core/k8s/warmPool";
import {
    appSecretObject,
    appSelector,
    appWorkloadObjects,
    APP_SERVICES,
    CLAIMER_SERVICE,
    CLAIMER_SERVICE_ACCOUNT,
    type AppWorkloadInput,
} from "../../core/k8s/workloads";
import { PHASE_SPECS } from "../../core/phases";
import { stackSecrets, SERVICE_PASSWORDS } from "./credentials";
import { edgeHostnames, originCertificate, publishEdge } from "./edge";

/** Where the application and its data run: one namespace, so CNPG's and the app's Secrets sit together. */
export const APP_NAMESPACE = "app";
/** The ingress controller's namespace, the one tenants and agent pools accept traffic from. */
export const INGRESS_NAMESPACE = "ingress";
/** The pods besides the ingress that reach agents: the api, which claims and drives them. */
export const APP_PEER = { namespace: APP_NAMESPACE, podLabels: appSelector(CLAIMER_SERVICE) };

const SECRET_NAMES = {
    app: "app-secrets",
    redis: "redis-auth",
    meilisearch: "meilisearch-key",
    grafana: "grafana-admin",
    originTls: "origin-tls",
} as const;

/**
 * A Secret whose values are outputs: the object is built once with stand-ins (its shape is what the plan and
 * the pack see) and its stringData again from the real values.
 */
function secretOf<V>(build: (v: V) => KubeObject, standIn: V, values: pulumi.Output<V>): KubeObject {
    return { ...build(standIn), stringData: values.apply((v) => build(v)["stringData"]) };
}

const namespace = (name: string, podSecurity: "restricted" | "privileged"): KubeObject => ({
    apiVersion: "v1",
    kind: "Namespace",
    metadata: {
        name,
        labels: Object.fromEntries(
            ["enforce", "audit", "warn"].map((m) => [`pod-security.kubernetes.io/${m}`, podSecurity]),
        ),
    },
});

export interface PlatformArgs {
    readonly plan: ClusterPlan;
    readonly provider: k8s.Provider;
    /** The StorageClasses: every volume claims the Retain one. */
    readonly storage: pulumi.Resource;
}

const claimTemplates = (o: KubeObject) => (o.kind === "StatefulSet" ? ["spec.volumeClaimTemplates"] : []);

export function platform(c: ConfigOf<"phase5">, stack: string, args: PlatformArgs) {
    const { plan, provider } = args;
    const workload = withDefaultPorts(c.workload);
    const hostnames = edgeHostnames(c);
    const origin = originCertificate(c, hostnames);
    const secrets = stackSecrets(SERVICE_PASSWORDS, origin);
    const objects = (
        name: string,
        list: readonly KubeObject[],
        dependsOn: pulumi.Resource[] = [],
        stateful?: (o: KubeObject) => boolean,
    ) =>
        new KubeObjects(name, {
            objects: list,
            provider,
            dependsOn: [args.storage, ...dependsOn],
            ...(stateful ? { stateful, ignoreChanges: claimTemplates } : {}),
        });
    const releases = (name: string, list: readonly HelmRelease[], dependsOn: pulumi.Resource[] = []) =>
        new HelmReleases(name, { releases: list, provider, dependsOn: [args.storage, ...dependsOn] });

    // The namespaces first: the app's holds the database, so it is protected and outlives the program.
    const namespaces = objects(
        "namespaces",
        [
            namespace(APP_NAMESPACE, "restricted"),
            namespace(INGRESS_NAMESPACE, "restricted"),
            namespace(OBSERVABILITY_NAMESPACE, "privileged"),
        ],
        [],
        (o) => o.metadata.name === APP_NAMESPACE,
    );

    const observability: ObservabilityInput = {
        stack,
        grafanaAdmin: { secretName: SECRET_NAMES.grafana },
        prometheus: {
            retentionDays: c.kubernetes.platform.observability.metricsRetentionDays,
            storageGi: c.kubernetes.platform.observability.metricsStorageGi,
        },
        loki: {
            retentionDays: c.kubernetes.platform.observability.logsRetentionDays,
            storageGi: c.kubernetes.platform.observability.logsStorageGi,
        },
    };
    const grafanaSecret = objects(
        "grafana-admin",
        [
            secretOf(
                (password: string) => ({
                    apiVersion: "v1",
                    kind: "Secret",
                    metadata: { name: SECRET_NAMES.grafana, namespace: OBSERVABILITY_NAMESPACE },
                    type: "Opaque",
                    stringData: { "admin-user": "admin", "admin-password": password },
                }),
                "stand-in",
                secrets.apply((s) => s.grafanaAdminPassword),
            ),
        ],
        [namespaces],
    );
    const monitoring = releases("observability", observabilityReleases(observability), [grafanaSecret]);
    const monitors = [...monitoring.releases.values()];
    objects("observability", [...observabilityObjects(observability), ...clusterAlertObjects()], monitors);

    const operators = releases("operators", operatorReleases(plan.pools), monitors);
    const operatorReady = [...operators.releases.values()];
    objects("operator-monitors", operatorObjects(), operatorReady);

    // Postgres: CNPG's Cluster with its volumes is the stack's data, never deleted or replaced by an edit.
    const appPool = plan.pools.find((p) => p.kind === "app");
    if (!appPool)
        throw new Error(
            "kubernetes.nodePools: phase 5 needs an app pool (role app) for the database and the application",
        );
    const postgres: PostgresInput = {
        stack,
        namespace: APP_NAMESPACE,
        instances: c.kubernetes.platform.postgres.instances,
        storageGb: c.postgres.volumeGb,
        walStorageGb: c.kubernetes.platform.postgres.walStorageGi,
        resources: {
            cpuMillis: Math.round(workload.postgres.cpus * 1000),
            memoryMb: workload.postgres.memoryMb,
        },
        database: c.postgres.database,
        owner: c.postgres.user,
        backup: c.backup,
        rpoMinutes: PHASE_SPECS.phase5.rpoMinutes ?? 5,
        backupSchedule: "0 15 3 * * *",
        pool: appPool,
    };
    const dataSecrets = objects(
        "data-secrets",
        [
            secretOf(
                (p: string) => postgresOwnerSecret(postgres, p),
                "stand-in",
                secrets.apply((s) => s.postgresPassword),
            ),
            secretOf(
                (k: { id: string; secret: string }) =>
                    s3CredentialsSecret(postgres, {
                        accessKeyId: k.id,
                        secretAccessKey: k.secret,
                        region: c.backup.region,
                    }),
                { id: "stand-in", secret: "stand-in" },
                secrets.apply((s) => ({ id: s.backupAccessKeyId, secret: s.backupSecretAccessKey })),
            ),
            secretOf(
                (p: string) => ({
                    apiVersion: "v1",
                    kind: "Secret",
                    metadata: { name: SECRET_NAMES.redis, namespace: APP_NAMESPACE },
                    type: "Opaque",
                    stringData: { [REDIS_PASSWORD_KEY]: p },
                }),
                "stand-in",
                secrets.apply((s) => s.redisPassword),
            ),
            secretOf(
                (k: string) => ({
                    apiVersion: "v1",
                    kind: "Secret",
                    metadata: { name: SECRET_NAMES.meilisearch, namespace: APP_NAMESPACE },
                    type: "Opaque",
                    stringData: { [MEILI_MASTER_KEY_KEY]: k },
                }),
                "stand-in",
                secrets.apply((s) => s.meiliMasterKey),
            ),
        ],
        [namespaces],
    );
    // The data's objects are protected and kept when they leave the program. A StatefulSet's claim templates are
    // immutable (a change would replace it): claims are grown on the PVCs (README), so a size edit changes nothing.
    const isData = (o: KubeObject) => o.kind === "Cluster" || o.kind === "StatefulSet";
    const data = objects("postgres", postgresObjects(postgres), [dataSecrets, ...operatorReady], isData);
    const placement = { nodeSelector: { ...appPool.labels }, tolerations: [] };
    const redis = objects(
        "redis",
        redisObjects({
            namespace: APP_NAMESPACE,
            redis: workload.redis,
            passwordSecret: SECRET_NAMES.redis,
            storageGi: c.kubernetes.platform.redis.storageGi,
            placement,
        }),
        [dataSecrets],
        isData,
    );
    const search = objects(
        "meilisearch",
        meilisearchObjects({
            namespace: APP_NAMESPACE,
            meilisearch: workload.meilisearch,
            masterKeySecret: SECRET_NAMES.meilisearch,
            storageGi: c.kubernetes.platform.meilisearch.storageGi,
            placement,
        }),
        [dataSecrets],
        isData,
    );

    // The application, reaching the data through PgBouncer, the Sentinels and Meilisearch's Service.
    const sentinels = redisEndpoints(APP_NAMESPACE);
    const app: AppWorkloadInput = {
        namespace: APP_NAMESPACE,
        workload,
        hostnames,
        secretName: SECRET_NAMES.app,
        maxReplicas: Object.fromEntries(
            APP_SERVICES.map((s) => [s, workload[s].replicas * c.kubernetes.platform.maxReplicasFactor]),
        ) as AppWorkloadInput["maxReplicas"],
        postgres: {
            host: POSTGRES_SERVICES.rw,
            port: POOLER_PORT,
            database: c.postgres.database,
            user: c.postgres.user,
        },
        redis: sentinels,
        meilisearch: meilisearchEndpoint(APP_NAMESPACE, workload.meilisearch.port),
    };
    const appSecret = objects(
        "app-secrets",
        [
            secretOf(
                (v: { postgresPassword: string; redisPassword: string; meiliMasterKey: string }) =>
                    appSecretObject(app, v),
                { postgresPassword: "stand-in", redisPassword: "stand-in", meiliMasterKey: "x".repeat(64) },
                secrets.apply((s) => ({
                    postgresPassword: s.postgresPassword,
                    redisPassword: s.redisPassword,
                    meiliMasterKey: s.meiliMasterKey,
                })),
            ),
        ],
        [namespaces],
    );
    objects("app", appWorkloadObjects(app), [appSecret, data, redis, search]);

    // Ingress: one Hetzner load balancer the CCM makes for Traefik's Service; Cloudflare proxies to it.
    const ingress: IngressInput = {
        namespace: INGRESS_NAMESPACE,
        appNamespace: APP_NAMESPACE,
        workload,
        zone: c.edge.zone,
        hostnames,
        tlsSecretName: SECRET_NAMES.originTls,
        loadBalancer: { name: `${stack}-ingress`, location: c.location },
        internalCidrs: [c.network.ipRange, c.kubernetes.clusterCidr],
    };
    const originTls = objects(
        "origin-tls",
        [
            secretOf(
                (v: { cert: string; key: string }) => originTlsSecretObject(ingress, v.cert, v.key),
                { cert: "-----BEGIN CERTIFICATE-----", key: "-----BEGIN PRIVATE KEY-----" },
                secrets.apply((s) => ({ cert: s.originCertPem, key: s.originKeyPem })),
            ),
        ],
        [namespaces],
    );
    const ingressObjs = ingressObjects(ingress);
    const traefik = objects("ingress", ingressObjs, [originTls]);
    const lbService = ingressObjs.find(
        (o) => o.kind === "Service" && (o["spec"] as { type?: string }).type === "LoadBalancer",
    );
    if (!lbService) throw new Error("the ingress renders no LoadBalancer Service");
    const lbAddresses = (
        traefik.resourceOf(lbService) as k8s.core.v1.Service
    ).status.loadBalancer.ingress.apply((ingresses) => ingresses.map((i) => i.ip));
    publishEdge(c, hostnames, {
        ipv4: lbAddresses.apply((ips) => ips.find((ip) => ip.includes(".")) ?? ""),
        ipv6: lbAddresses.apply((ips) => ips.find((ip) => ip.includes(":")) ?? ""),
    });

    // The agents' warm pools, when the stack runs agents.
    if (c.agents) {
        const tiers = warmPoolTiers(plan);
        if (tiers.length > 0)
            objects(
                "warm-pool",
                warmPoolObjects({
                    image: c.agents.image,
                    tiers,
                    ingressNamespace: INGRESS_NAMESPACE,
                    claimer: { ...APP_PEER, serviceAccount: CLAIMER_SERVICE_ACCOUNT },
                    intervalSeconds: c.agents.keeperIntervalSeconds,
                }),
                [],
                (o) => o.kind === "Namespace",
            );
    }
    return {
        hostnames,
        ingressAddresses: lbAddresses,
        externalCosts: platformCosts(postgres, c, observability),
    };
}

/**
 * What the cluster buys that Pulumi does not create: the CCM's load balancer for the ingress and the volumes the
 * CSI driver makes for every claim (Postgres data and WAL per instance, Redis per pod, Meilisearch, monitoring).
 */
function platformCosts(
    postgres: PostgresInput,
    c: ConfigOf<"phase5">,
    observability: ObservabilityInput,
): ExternalCost[] {
    const claims = [
        { name: "Postgres", gi: postgres.instances * (postgres.storageGb + (postgres.walStorageGb ?? 0)) },
        { name: "Redis", gi: REDIS_REPLICAS * c.kubernetes.platform.redis.storageGi },
        { name: "Meilisearch", gi: c.kubernetes.platform.meilisearch.storageGi },
        ...observabilityVolumes(observability).map((v) => ({ name: v.name, gi: v.storageGi })),
    ];
    const volumeGi = claims.reduce((sum, v) => sum + v.gi, 0);
    return [
        {
            item: "ingress load balancer lb11 (made by the hcloud CCM, outside Pulumi)",
            monthlyEur: LOAD_BALANCER_TYPES.lb11.price.monthlyEur,
            basis: LOAD_BALANCER_TYPES.lb11.price.basis,
        },
        {
            item: `${volumeGi} GiB of volumes the CSI driver makes (${claims.map((v) => `${v.name} ${v.gi}`).join(", ")})`,
            monthlyEur: round2(volumeGi * UNIT_PRICES.volumePerGb.monthlyEur),
            basis: UNIT_PRICES.volumePerGb.basis,
        },
    ];
}
