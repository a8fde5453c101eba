/** Grafana provisioning: Prometheus as the default, read-only datasource. */
import { toYaml } from "../base/yaml";

export function buildGrafanaDatasources(prometheusUrl: string): object {
    return {
        apiVersion: 1,
        datasources: [
            {
                name: "Prometheus",
                uid: "prometheus",
                type: "prometheus",
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
