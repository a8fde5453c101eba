/**
 * Grafana provisioning: Prometheus as the default, read-only datasource, and the dashboards of `dashboards.ts`
 * loaded from files by a provider, read-only (a change belongs in the repository, not the UI).
 */
import type { Phase } from "../../phases";
import type { RenderedFile } from "../base/artifact";
import { SERVICE_CONFIG_DIR } from "../base/paths";
import { toYaml } from "../base/yaml";
import { PROMETHEUS_DATASOURCE, dashboardsFor, renderDashboard } from "./dashboards";

export function buildGrafanaDatasources(prometheusUrl: string): object {
    return {
        apiVersion: 1,
        datasources: [
            {
                name: "Prometheus",
                uid: PROMETHEUS_DATASOURCE.uid,
                type: PROMETHEUS_DATASOURCE.type,
                access: "proxy",
                url: prometheusUrl,
                isDefault: true,
                editable: false,
            },
        ],
    };
}

export function renderGrafanaDatasources(prometheusUrl: string): string {
    return toYaml(buildGrafanaDatasources(prometheusUrl));
}

/**
 * Where the provider file and the dashboards' directory sit on the host and in the Grafana container. Compose
 * binds both read-only (GRAFANA_DASHBOARD_BINDS): the provider as one file beside the datasource's, the JSON as a
 * whole directory, so the set of dashboards can change without a new mount.
 */
export const GRAFANA_DASHBOARD_PATHS = {
    host: {
        provider: `${SERVICE_CONFIG_DIR}/grafana-dashboards.yaml`,
        dir: `${SERVICE_CONFIG_DIR}/grafana-dashboards`,
    },
    container: {
        provider: "/etc/grafana/provisioning/dashboards/phase-stacks.yaml",
        dir: "/etc/grafana/dashboards",
    },
} as const;

/** The compose service's read-only binds, `host:container:ro`. */
export const GRAFANA_DASHBOARD_BINDS: readonly string[] = (["provider", "dir"] as const).map(
    (k) => `${GRAFANA_DASHBOARD_PATHS.host[k]}:${GRAFANA_DASHBOARD_PATHS.container[k]}:ro`,
);

export const DASHBOARD_PROVIDER = "phase-stacks";

export function buildGrafanaDashboardProvider(): object {
    return {
        apiVersion: 1,
        providers: [
            {
                name: DASHBOARD_PROVIDER,
                orgId: 1,
                folder: "phase-stacks",
                folderUid: "phase-stacks",
                type: "file",
                // Dashboards come from the repository: a removed file removes its dashboard, the UI saves nothing.
                disableDeletion: false,
                allowUiUpdates: false,
                updateIntervalSeconds: 60,
                options: { path: GRAFANA_DASHBOARD_PATHS.container.dir, foldersFromFilesStructure: false },
            },
        ],
    };
}

export function renderGrafanaDashboardProvider(): string {
    return toYaml(buildGrafanaDashboardProvider());
}

/**
 * The provider file and every dashboard of the phase, at the host's paths (a server's compose project binds them)
 * or at the container's (the dev stack uploads its files straight into the containers).
 */
export function grafanaDashboardFiles(phase: Phase, at: "host" | "container" = "host"): RenderedFile[] {
    const paths = GRAFANA_DASHBOARD_PATHS[at];
    return [
        {
            path: paths.provider,
            content: renderGrafanaDashboardProvider(),
            kind: "grafana",
            permissions: "0644",
        },
        ...dashboardsFor(phase).map((d): RenderedFile => ({
            path: `${paths.dir}/${d.file}`,
            content: renderDashboard(d.dashboard),
            kind: "grafana",
            permissions: "0644",
        })),
    ];
}
