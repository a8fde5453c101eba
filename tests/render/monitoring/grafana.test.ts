import { describe, expect, it } from "vitest";
import { dirname } from "node:path";
import { parse } from "yaml";
import { PHASES } from "../../../core/phases";
import { SERVICE_CONFIG_DIR } from "../../../core/render/base/paths";
import {
    PROMETHEUS_DATASOURCE,
    dashboardsFor,
    type Dashboard,
} from "../../../core/render/monitoring/dashboards";
import {
    GRAFANA_DASHBOARD_BINDS,
    GRAFANA_DASHBOARD_PATHS,
    buildGrafanaDatasources,
    grafanaDashboardFiles,
    renderGrafanaDashboardProvider,
} from "../../../core/render/monitoring/grafana";
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

/** Where a host path appears inside the Grafana container, through the compose binds; undefined if unbound. */
function inContainer(hostPath: string): string | undefined {
    for (const bind of GRAFANA_DASHBOARD_BINDS) {
        const [host, container, mode] = bind.split(":");
        expect(mode).toBe("ro");
        if (hostPath === host) return container;
        if (hostPath.startsWith(`${host}/`)) return `${container}${hostPath.slice(host!.length)}`;
    }
    return undefined;
}

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
        expect(PROVIDERS[0]!.options.path).toBe(GRAFANA_DASHBOARD_PATHS.container.dir);
        expect(GRAFANA_DASHBOARD_PATHS.container.provider).toMatch(
            /^\/etc\/grafana\/provisioning\/dashboards\/[^/]+\.yaml$/,
        );
    });
});

describe.each(PHASES)("the Grafana files of %s", (phase) => {
    it("at host paths: under the service config dir, and through the binds where the provider looks", () => {
        const files = grafanaDashboardFiles(phase);
        const [provider, ...boards] = files;
        expect(provider!.path).toBe(GRAFANA_DASHBOARD_PATHS.host.provider);
        expect(inContainer(provider!.path)).toBe(GRAFANA_DASHBOARD_PATHS.container.provider);
        expect(boards).toHaveLength(dashboardsFor(phase).length);
        for (const f of files) {
            expect(f.path.startsWith(`${SERVICE_CONFIG_DIR}/`), f.path).toBe(true);
            expect(f).toMatchObject({ kind: "grafana", permissions: "0644" });
            expect(f.secret, f.path).toBeUndefined();
        }
        for (const f of boards) {
            expect(f.path).toMatch(/\.json$/);
            expect(dirname(inContainer(f.path) ?? "(not bound)")).toBe(PROVIDERS[0]!.options.path);
        }
    });

    it("at container paths (the dev stack's uploads): the provider's directory holds every dashboard", () => {
        const [provider, ...boards] = grafanaDashboardFiles(phase, "container");
        expect(provider!.path).toBe(GRAFANA_DASHBOARD_PATHS.container.provider);
        for (const f of boards) expect(dirname(f.path)).toBe(PROVIDERS[0]!.options.path);
        const uids = boards.map((f) => (JSON.parse(f.content) as Dashboard).uid);
        expect(uids).toEqual(dashboardsFor(phase).map((d) => d.dashboard.uid));
    });
});

describe("the datasource", () => {
    it("has the uid every dashboard query names", () => {
        const ds = (buildGrafanaDatasources("http://prometheus:9090") as { datasources: object[] })
            .datasources;
        expect(ds).toEqual([expect.objectContaining(PROMETHEUS_DATASOURCE)]);
    });
});
