/**
 * Grafana provisioning: Prometheus as the default, read-only datasource, Loki beside it, and the dashboards of `dashboards.ts`
 * loaded from files by a provider, read-only (a change belongs in the repository, not the UI).
 */
import type { Phase } from "../../phases";
import type { RenderedFile } from "../base/artifact";
import { toYaml } from "../base/yaml";
import { PROMETHEUS_DATASOURCE, dashboardsFor, renderDashboard } from "./dashboards";
import { LOKI_DATASOURCE } from "./lokiStorage";

export function buildGrafanaDatasources(prometheusUrl: string, lokiUrl: string): object {
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
            {
                name: "Loki",
                uid: LOKI_DATASOURCE.uid,
                type: LOKI_DATASOURCE.type,
                access: "proxy",
                url: lokiUrl,
                isDefault: false,
                editable: false,
            },
        ],
    };
}

export function renderGrafanaDatasources(prometheusUrl: string, lokiUrl: string): string {
    return toYaml(buildGrafanaDatasources(prometheusUrl, lokiUrl));
}

/**
 * Where the provider file and the dashboards' directory sit in the Grafana container. The dev stack uploads them
 * there; the servers write them under the service config directory and compose mounts them here (user data is
 * gzip-compressed as a whole, so the dashboards fit in its 32 KiB).
 */
export const GRAFANA_DASHBOARD_PATHS = {
    provider: "/etc/grafana/provisioning/dashboards/phase-stacks.yaml",
    dir: "/etc/grafana/dashboards",
} as const;

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
                options: { path: GRAFANA_DASHBOARD_PATHS.dir, foldersFromFilesStructure: false },
            },
        ],
    };
}

export function renderGrafanaDashboardProvider(): string {
    return toYaml(buildGrafanaDashboardProvider());
}

/** The provider file and every dashboard of the phase, at the container's paths. */
export function grafanaDashboardFiles(phase: Phase): RenderedFile[] {
    const paths = GRAFANA_DASHBOARD_PATHS;
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
