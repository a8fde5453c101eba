import { describe, expect, it } from "vitest";
import { dirname } from "node:path";
import { parse } from "yaml";
import { PHASES } from "../../../core/phases";
import {
    PROMETHEUS_DATASOURCE,
    dashboardsFor,
    type Dashboard,
} from "../../../core/render/monitoring/dashboards";
import {
    GRAFANA_DASHBOARD_PATHS,
    buildGrafanaDatasources,
    grafanaDashboardFiles,
    renderGrafanaDashboardProvider,
} from "../../../core/render/monitoring/grafana";
import { LOKI_DATASOURCE } from "../../../core/render/monitoring/lokiStorage";
import { pyYamlLoad } from "../fixtures";

interface Provider {
    name: string;
    type: string;
    folder: string;
    allowUiUpdates: boolean;
    options: { path: string };
}

const PROVIDERS = (parse(renderGrafanaDashboardProvider()) as { apiVersion: number; providers: Provider[] })
    .providers;

describe("the dashboard provider file", () => {
    const text = renderGrafanaDashboardProvider();

    it("is Grafana's provisioning YAML: apiVersion 1, one read-only file provider", () => {
        const doc = parse(text) as { apiVersion: number };
        expect(doc.apiVersion).toBe(1);
        expect(PROVIDERS).toHaveLength(1);
        expect(PROVIDERS[0]).toMatchObject({ type: "file", allowUiUpdates: false });
        expect(PROVIDERS[0]!.name.length).toBeGreaterThan(0);
    });

    it("reads the same in a YAML 1.1 reader (Grafana's go-yaml)", () => {
        expect(pyYamlLoad(text)).toEqual(parse(text));
    });

    it("points at the directory the dashboards land in, inside the container", () => {
        expect(PROVIDERS[0]!.options.path).toBe(GRAFANA_DASHBOARD_PATHS.dir);
        expect(GRAFANA_DASHBOARD_PATHS.provider).toMatch(
            /^\/etc\/grafana\/provisioning\/dashboards\/[^/]+\.yaml$/,
        );
    });
});

describe.each(PHASES)("the Grafana files of %s", (phase) => {
    it("at container paths (the dev stack's uploads): the provider's directory holds every dashboard", () => {
        const files = grafanaDashboardFiles(phase);
        const [provider, ...boards] = files;
        expect(provider!.path).toBe(GRAFANA_DASHBOARD_PATHS.provider);
        expect(boards).toHaveLength(dashboardsFor(phase).length);
        for (const f of files) expect(f).toMatchObject({ kind: "grafana", permissions: "0644" });
        for (const f of boards) expect(dirname(f.path)).toBe(PROVIDERS[0]!.options.path);
        const uids = boards.map((f) => (JSON.parse(f.content) as Dashboard).uid);
        expect(uids).toEqual(dashboardsFor(phase).map((d) => d.dashboard.uid));
    });
});

describe("the datasource", () => {
    it("has the uids the dashboards' queries and the Loki datasource's users name", () => {
        const ds = (
            buildGrafanaDatasources("http://prometheus:9090", "http://loki:3100") as { datasources: object[] }
        ).datasources;
        expect(ds).toEqual([
            expect.objectContaining(PROMETHEUS_DATASOURCE),
            expect.objectContaining({ ...LOKI_DATASOURCE, url: "http://loki:3100", isDefault: false }),
        ]);
    });
});
