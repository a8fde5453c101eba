import { afterAll, describe, expect, it } from "vitest";
import { join } from "node:path";
import { parse } from "yaml";
import { DEV_HOSTNAMES, DEV_PROXY_PORT, renderDevStack } from "../../../core/render/dev/devStack";
import { dashboardsFor } from "../../../core/render/monitoring/dashboards";
import { runTool } from "../../helpers/tools";
import { WORKLOAD, removeDir, tempDir, writeTree } from "../fixtures";

const dev = renderDevStack({ workload: WORKLOAD });
const root = tempDir("dev");
writeTree(root, dev.files);
afterAll(() => removeDir(root));

const file = (path: string) => dev.files.find((f) => f.path === path)!;

describe("dev stack files", () => {
    it("gives the proxy, Prometheus (plus its alert rules), Alertmanager, blackbox_exporter, Grafana, Loki and the collector their files, at the paths the images read", () => {
        expect(
            Object.fromEntries(
                Object.entries(dev.byService).map(([s, fs]) => [s, fs.map((f) => [f.path, f.kind])]),
            ),
        ).toEqual({
            proxy: [["/etc/caddy/caddy.json", "caddy"]],
            prometheus: [
                ["/etc/prometheus/prometheus.yml", "prometheus-config"],
                ["/etc/prometheus/rules/scaling.rules.yml", "prometheus-rules"],
                ["/etc/prometheus/rules/uptime.rules.yml", "prometheus-rules"],
            ],
            alertmanager: [["/etc/alertmanager/alertmanager.yml", "alertmanager"]],
            blackboxExporter: [["/etc/blackbox_exporter/config.yml", "blackbox"]],
            grafana: [
                ["/etc/grafana/provisioning/datasources/phase-stacks.yaml", "grafana"],
                ["/etc/grafana/provisioning/dashboards/phase-stacks.yaml", "grafana"],
                ...dashboardsFor("dev").map((d) => [`/etc/grafana/dashboards/${d.file}`, "grafana"]),
            ],
            loki: [["/etc/loki/config.yaml", "loki"]],
            otelCollector: [["/etc/otelcol-contrib/config.yaml", "otel-collector"]],
        });
        expect(dashboardsFor("dev").length).toBeGreaterThanOrEqual(3);
        expect(dev.files.every((f) => !f.secret)).toBe(true);
    });

    it("serves the app and the api over plain HTTP on the dev port, with no TLS app", () => {
        const c = JSON.parse(file("/etc/caddy/caddy.json").content) as {
            apps: Record<
                string,
                { servers?: Record<string, { listen: string[]; routes: { match?: { host: string[] }[] }[] }> }
            >;
        };
        const servers = Object.values(c.apps.http!.servers!);
        expect(servers.map((s) => s.listen)).toEqual([[`:${DEV_PROXY_PORT}`]]);
        expect(servers[0]!.routes.flatMap((r) => r.match?.flatMap((m) => m.host) ?? [])).toEqual(
            expect.arrayContaining([DEV_HOSTNAMES.app, DEV_HOSTNAMES.api]),
        );
        expect(c.apps.tls).toBeUndefined();
    });

    it("labels the Prometheus series with the dev stack and points Grafana at Prometheus", () => {
        const p = parse(file("/etc/prometheus/prometheus.yml").content) as {
            global: { external_labels: { stack: string } };
        };
        expect(p.global.external_labels.stack).toBe("dev");
        const g = parse(file("/etc/grafana/provisioning/datasources/phase-stacks.yaml").content) as {
            datasources: { url: string }[];
        };
        expect(g.datasources[0]!.url).toBe("http://prometheus:9090");
    });

    it("passes `caddy validate` and `promtool check config`", () => {
        const caddy = runTool("caddy", ["validate", "--config", join(root, "/etc/caddy/caddy.json")]);
        expect(caddy.status, caddy.output).toBe(0);
        const prom = runTool("promtool", ["check", "config", join(root, "/etc/prometheus/prometheus.yml")]);
        expect(prom.status, prom.output).toBe(0);
    });
});
