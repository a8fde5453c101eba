/**
 * One Docker host of a split topology (the phase-2 app and data servers, the phase-3 backends, frontend and
 * database nodes): the services its placement puts there, built by the same compose, Caddy, Prometheus and
 * secrets renderers as the phase-1 app server, with every other service reached at its remote address. Only
 * the secret files its own services read are shipped. Hosts with more to do (the data tier) add files,
 * packages and commands.
 */
import type { ServiceName } from "../../workload/services";
import type { ResolvedWorkload } from "../../config/ports";
import type { RenderedFile } from "../base/artifact";
import { renderOriginCaddyConfig } from "../app/caddy";
import {
    alertmanagerFile,
    blackboxFile,
    grafanaDashboardHostFiles,
    grafanaDatasourceFile,
    prometheusFiles,
    type PrometheusInputs,
} from "../monitoring/monitoring";
import type { AlertReceiverSpec } from "../monitoring/alertmanager";
import { renderCloudConfig } from "../base/cloudInit";
import { renderCompose, type ComposeSpec } from "../app/compose";
import { renderComposeUnit } from "../app/composeUnit";
import { renderStateOwnersScript } from "../app/stateOwners";
import { renderDockerDaemon } from "../host/dockerDaemon";
import { HOST_START_STEPS, renderHardening } from "../host/hardening";
import { renderMetadataBlock } from "../host/metadataBlock";
import { COMPOSE_FILE, HOST_PATHS, SECRET_PATHS, UNITS } from "../base/paths";
import { isLocal, type HostPlacement } from "../../topology/placement";
import type { Phase } from "../../phases";
import { renderSecretFiles, type ServiceSecrets } from "../app/secrets";
import { telemetryFiles } from "../monitoring/telemetry";

export interface ServiceHostSpec {
    readonly stack: string;
    /** The host's name in the stack ("app", "frontend", "backend-1", "primary"...), which labels its logs. */
    readonly hostName: string;
    /** The phase whose scaling triggers this host's Prometheus watches, where Prometheus runs here. */
    readonly phase: Phase;
    readonly workload: ResolvedWorkload;
    readonly reservationsMb: Readonly<Record<ServiceName, number>>;
    readonly placement: HostPlacement;
    readonly hostnames: { readonly app: string; readonly api: string; readonly write?: string };
    readonly postgres: { readonly database: string; readonly user: string };
    readonly secrets: ServiceSecrets;
    /** Phase 4 backends: the region's database nodes' role health endpoints, for the write pools' check. */
    readonly writableFrom?: readonly string[];
    /** The host that runs the region's Prometheus: its database nodes and (primary region) replication alerts. */
    readonly prometheus?: PrometheusInputs;
    /** Where the Alertmanager of a monitoring host sends alerts; undefined keeps them in its UI. */
    readonly alertReceiver?: AlertReceiverSpec;
    /** Files, packages and first-boot commands of what runs beside Docker (the data tier's daemons). */
    readonly extra?: {
        readonly files: readonly RenderedFile[];
        readonly packages: readonly string[];
        readonly runcmd: readonly (readonly string[])[];
        /** Mount points the Compose project waits for. */
        readonly mountPoints?: readonly string[];
    };
}

const BASE_PACKAGES = [
    "docker.io",
    "docker-compose-v2",
    "fail2ban",
    "python3-systemd",
    "unattended-upgrades",
];

/** Which local services read each secret file: a host gets a file only when one of them runs there. */
const SECRET_READERS: Readonly<Record<string, readonly ServiceName[]>> = {
    [SECRET_PATHS.postgresPassword]: ["postgres"],
    [SECRET_PATHS.grafanaAdminPassword]: ["grafana"],
    [SECRET_PATHS.redisAuth]: ["redis"],
    [SECRET_PATHS.meilisearchEnv]: ["meilisearch"],
    [SECRET_PATHS.appEnv]: ["api", "worker", "crawler"],
    [SECRET_PATHS.originCert]: ["proxy"],
    [SECRET_PATHS.originKey]: ["proxy"],
    [SECRET_PATHS.alertReceiverCredential]: ["alertmanager"],
};

function configFiles(spec: ServiceHostSpec): RenderedFile[] {
    const { workload, placement } = spec;
    const files: RenderedFile[] = [];
    if (isLocal(placement, "proxy")) {
        const caddy = renderOriginCaddyConfig(
            spec.hostnames,
            workload,
            placement,
            spec.writableFrom ? { writableFrom: spec.writableFrom } : {},
        );
        files.push({ path: HOST_PATHS.caddyConfig, content: caddy, kind: "caddy", permissions: "0644" });
    }
    if (isLocal(placement, "prometheus"))
        files.push(...prometheusFiles(spec.stack, spec.phase, workload, placement, spec.prometheus ?? {}));
    else if (spec.prometheus)
        throw new Error("prometheus inputs were given to a host whose placement runs no Prometheus");
    files.push(...telemetryFiles({ ...spec, host: spec.hostName }));
    if (isLocal(placement, "alertmanager")) files.push(alertmanagerFile(spec.alertReceiver));
    if (isLocal(placement, "blackboxExporter")) files.push(blackboxFile());
    if (isLocal(placement, "grafana"))
        files.push(grafanaDatasourceFile(workload, placement), ...grafanaDashboardHostFiles(spec.phase));
    return files;
}

export function renderServiceHost(spec: ServiceHostSpec): {
    readonly files: RenderedFile[];
    readonly cloudConfig: string;
} {
    const { workload, placement } = spec;
    if (isLocal(placement, "postgres") || isLocal(placement, "redis"))
        throw new Error(
            "in a split topology Postgres and Redis run on the data tier's hosts, outside Docker",
        );
    const composeSpec: ComposeSpec = {
        workload,
        reservationsMb: spec.reservationsMb,
        placement,
        hostnames: spec.hostnames,
        postgres: { ...spec.postgres, dataDir: "/nonexistent" },
    };
    const compose = renderCompose(composeSpec);
    const secrets = renderSecretFiles({
        workload,
        placement,
        postgres: spec.postgres,
        secrets: spec.secrets,
    }).filter((f) => (SECRET_READERS[f.path] ?? []).some((s) => isLocal(placement, s)));
    const extra = spec.extra ?? { files: [], packages: [], runcmd: [] };
    const files: RenderedFile[] = [
        { path: COMPOSE_FILE, content: compose, kind: "compose", permissions: "0644" },
        ...configFiles(spec),
        ...secrets,
        ...extra.files,
        ...renderMetadataBlock(),
        renderStateOwnersScript(composeSpec),
        renderComposeUnit(placement, extra.mountPoints ?? []),
        renderDockerDaemon(),
        ...renderHardening(),
    ];
    const cloudConfig = renderCloudConfig({
        packages: [...BASE_PACKAGES, ...extra.packages],
        files,
        runcmd: [
            ...HOST_START_STEPS,
            ...extra.runcmd,
            ["systemctl", "enable", "--now", "--no-block", UNITS.compose],
        ],
    });
    return { files, cloudConfig };
}
