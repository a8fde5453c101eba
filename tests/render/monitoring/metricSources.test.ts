/**
 * Every series a VM stack's monitoring reads has a source in that stack's plan. For each host that runs
 * Prometheus (dev's containers count as one host) the names come from the trigger matrix's column of the phase
 * (core/scaling/promql.ts), from every rule file and every Grafana dashboard the plan ships to that host; each is
 * mapped to the scrape job that produces it (node_* from the node job, pg_* from postgres, ...) or to a recording
 * rule shipped beside it. The job must be in the host's planned prometheus.yml with targets, and every target must
 * be something the plan starts: an address an exporter or a published container port listens on, or a container
 * of the host's Compose project (dev: a container's network alias).
 */
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { watchedPhase } from "../../../core/render/monitoring/alertRules";
import { TRIGGER_MATRIX } from "../../../core/scaling/matrix";
import { PROMQL } from "../../../core/scaling/promql";
import type { Artifact } from "../../../tools/plan/artifacts";
import { metricNames } from "../../helpers/promqlNames";
import { sharedPlanObject } from "../../helpers/sharedPlans";

const VM_STACKS = ["dev", "phase1", "phase2", "phase3", "phase4"] as const;
type VmStack = (typeof VM_STACKS)[number];

/** Which scrape job produces a series, by its name: the monitoring contract of promql.ts and dashboards.ts. */
const SOURCES: readonly { readonly name: RegExp; readonly jobs: RegExp; readonly exporter: string }[] = [
    { name: /^node_/, jobs: /^node$/, exporter: "node_exporter" },
    // The textfile collector of each host's node exporter: the backup scripts write these.
    { name: /^phase_stacks_backup_/, jobs: /^node$/, exporter: "node_exporter textfile (backup scripts)" },
    { name: /^pg_/, jobs: /^postgres$/, exporter: "postgres_exporter" },
    { name: /^redis_/, jobs: /^redis$/, exporter: "redis_exporter" },
    { name: /^(http_|chrono_)/, jobs: /^api$/, exporter: "the application's /metrics" },
    { name: /^probe_/, jobs: /^uptime-/, exporter: "blackbox_exporter" },
    {
        name: /^phase_stacks_(agent_|warm_pool_)/,
        jobs: /^agents$/,
        exporter: "agent hosts' node_exporter textfile (warm-pool keeper)",
    },
    // Prometheus's own: `up` for every target, ALERTS for every rule.
    { name: /^(up|ALERTS)$/, jobs: /./, exporter: "Prometheus" },
];

interface PromConfig {
    readonly scrape_configs: readonly {
        readonly job_name: string;
        readonly static_configs: readonly { readonly targets: readonly string[] }[];
    }[];
}

interface MonitoringHost {
    readonly name: string;
    readonly config: PromConfig;
    /** Each series the host's monitoring reads, with where it is read. */
    readonly reads: ReadonlyMap<string, string>;
    /** Series the host's own recording rules produce. */
    readonly recorded: ReadonlySet<string>;
    /** Names its targets may use for a local container. */
    readonly containers: ReadonlySet<string>;
}

interface RuleFile {
    readonly groups?: readonly { readonly rules?: readonly { record?: string; expr: string }[] }[];
}

interface PanelJson {
    readonly title?: string;
    readonly targets?: readonly { readonly expr?: string }[];
    readonly panels?: readonly PanelJson[];
}

interface DashboardJson {
    readonly uid: string;
    readonly panels?: readonly PanelJson[];
    readonly templating?: { readonly list: readonly { type: string; query?: unknown }[] };
}

function dashboardExprs(d: DashboardJson): { where: string; expr: string }[] {
    const panels = (list: readonly PanelJson[]): PanelJson[] =>
        list.flatMap((p) => [p, ...panels(p.panels ?? [])]);
    const fromPanels = panels(d.panels ?? []).flatMap((p) =>
        (p.targets ?? []).flatMap((t) => (t.expr ? [{ where: `${d.uid}: ${p.title}`, expr: t.expr }] : [])),
    );
    const fromVariables = (d.templating?.list ?? [])
        .filter((v) => v.type === "query" && typeof v.query === "string")
        .map((v) => {
            const q = v.query as string;
            const selector = /^label_values\((.+),\s*[a-zA-Z_]\w*\)$/.exec(q)?.[1];
            return { where: `${d.uid}: variable`, expr: selector ?? q };
        });
    return [...fromPanels, ...fromVariables];
}

/** Addresses the plan's exporters and published container ports listen on, over every machine of the stack. */
function listeners(all: readonly Artifact[]): Set<string> {
    const found = new Set<string>();
    for (const a of all) {
        if (a.kind === "compose") {
            const compose = parse(a.content) as { services?: Record<string, { ports?: string[] }> };
            for (const s of Object.values(compose.services ?? {}))
                for (const p of s.ports ?? []) {
                    const m = /^(\d+\.\d+\.\d+\.\d+):(\d+):\d+$/.exec(p);
                    if (m) found.add(`${m[1]}:${m[2]}`);
                }
        }
        if (a.kind === "systemd")
            for (const m of a.content.matchAll(/-?-web\.listen-address=(\S+)/g)) found.add(m[1] as string);
    }
    return found;
}

function monitoringHosts(stack: VmStack): MonitoringHost[] {
    const plan = sharedPlanObject(stack);
    // dev's containers are one host: Prometheus and Grafana are separate containers of it.
    const hostOf = (a: Artifact) => (stack === "dev" ? "local" : a.machine);
    const watched = watchedPhase(plan.phase);
    const triggerExprs = watched ? TRIGGER_MATRIX[watched].cells.map((c) => PROMQL[c.input]) : [];
    const configs = plan.artifacts.filter((a) => a.kind === "prometheus-config");
    return configs.map((cfg): MonitoringHost => {
        const name = hostOf(cfg);
        const on = plan.artifacts.filter((a) => hostOf(a) === name);
        const reads = new Map<string, string>();
        const read = (where: string, expr: string) =>
            metricNames(expr).forEach((n) => reads.set(n, reads.get(n) ?? where));
        triggerExprs.forEach((e) => read(`the ${watched ?? ""} trigger matrix`, e));
        const recorded = new Set<string>();
        for (const r of on.filter((a) => a.kind === "prometheus-rules"))
            for (const g of (parse(r.content) as RuleFile).groups ?? [])
                for (const rule of g.rules ?? []) {
                    if (rule.record) recorded.add(rule.record);
                    read(r.target, rule.expr);
                }
        for (const d of on.filter((a) => a.kind === "grafana" && a.target.endsWith(".json")))
            for (const q of dashboardExprs(JSON.parse(d.content) as DashboardJson)) read(q.where, q.expr);
        const containers = new Set(["localhost"]);
        for (const c of on.filter((a) => a.kind === "compose"))
            Object.keys((parse(c.content) as { services?: object }).services ?? {}).forEach((s) =>
                containers.add(s),
            );
        if (stack === "dev")
            for (const r of plan.resources.filter((x) => x.type === "docker:index/container:Container"))
                for (const n of (r.inputs["networksAdvanced"] as { aliases?: string[] }[] | undefined) ?? [])
                    (n.aliases ?? []).forEach((alias) => containers.add(alias));
        return { name, config: parse(cfg.content) as PromConfig, reads, recorded, containers };
    });
}

/** Each series read with no source on the host, as "series (where): why". */
function unsourced(host: MonitoringHost): string[] {
    const jobs = host.config.scrape_configs.filter((j) => j.static_configs.some((s) => s.targets.length > 0));
    return [...host.reads].flatMap(([series, where]) => {
        if (host.recorded.has(series)) return [];
        const source = SOURCES.find((s) => s.name.test(series));
        if (!source) return [`${series}: no exporter is known to produce it (${where})`];
        return jobs.some((j) => source.jobs.test(j.job_name))
            ? []
            : [`${series} (${where}): no ${source.jobs.source} job scrapes ${source.exporter}`];
    });
}

/** Targets of the host's jobs that nothing in the plan listens on. */
function unbackedTargets(host: MonitoringHost, listening: ReadonlySet<string>): string[] {
    return host.config.scrape_configs.flatMap((j) =>
        j.static_configs.flatMap((s) =>
            s.targets.flatMap((t) => {
                const [address] = t.split(":");
                if (/^\d+\.\d+\.\d+\.\d+$/.test(address ?? ""))
                    return listening.has(t) ? [] : [`${j.job_name} ${t}`];
                // A probed URL is the blackbox exporter's parameter, not a listener.
                if (/^https?:\/\//.test(t)) return [];
                return host.containers.has(address ?? "") ? [] : [`${j.job_name} ${t}`];
            }),
        ),
    );
}

describe.each(VM_STACKS)("%s: the series its monitoring reads", (stack) => {
    const hosts = monitoringHosts(stack);
    const listening = listeners(sharedPlanObject(stack).artifacts);

    it("has a host that runs Prometheus, reading the trigger matrix's series", () => {
        expect(hosts.length).toBeGreaterThan(0);
        for (const h of hosts) expect([...h.reads.keys()], h.name).toContain("pg_database_size_bytes");
    });

    it("each come from a job of the host's prometheus.yml, or from a rule shipped beside it", () => {
        expect(hosts.flatMap((h) => unsourced(h).map((u) => `${h.name}: ${u}`))).toEqual([]);
    });

    it("are scraped from targets the plan starts", () => {
        expect(hosts.flatMap((h) => unbackedTargets(h, listening).map((u) => `${h.name}: ${u}`))).toEqual([]);
    });
});

describe("the check", () => {
    const [host] = monitoringHosts("phase3");

    it("fails for a series no exporter produces and for a job that is gone", () => {
        const reads = new Map([...host!.reads, ["api_requests_totl", "test"]]);
        expect(unsourced({ ...host!, reads })).toEqual([
            expect.stringContaining("api_requests_totl: no exporter"),
        ]);
        const config = {
            scrape_configs: host!.config.scrape_configs.filter((j) => j.job_name !== "postgres"),
        };
        expect(unsourced({ ...host!, config })).toContainEqual(
            expect.stringMatching(/^pg_database_size_bytes .*no \^postgres\$ job/),
        );
    });

    it("fails for a target nothing listens on", () => {
        const config = {
            scrape_configs: [{ job_name: "postgres", static_configs: [{ targets: ["10.0.1.250:9187"] }] }],
        };
        expect(unbackedTargets({ ...host!, config }, new Set())).toEqual(["postgres 10.0.1.250:9187"]);
    });
});
