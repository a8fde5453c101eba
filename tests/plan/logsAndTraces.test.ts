/**
 * Logs and traces in the shipped plans of the VM phases: every Docker host of phases 1-4 runs the log agent (the
 * agent-pool hosts, which run no compose project, are out of scope), Loki and the trace collector run where
 * Prometheus does, every agent pushes to an address where a Loki of its region listens and every app container
 * sends traces to one where a collector does, docker-compose accepts each rendered project, and no container
 * mounts the Docker socket. Dev runs Loki and the collector, not the agent (core/render/dev/devContainers.ts).
 */
import { afterAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { COMPOSE_FILE, HOST_PATHS } from "../../core/render/base/paths";
import type { Artifact } from "../../tools/plan/artifacts";
import { sharedPlanObject, type ShippedStack } from "../helpers/sharedPlans";
import { removeDir, tempDir } from "../render/fixtures";
import { dockerComposeConfig } from "../helpers/composeConfig";

interface Service {
    user?: string;
    ports?: string[];
    volumes?: (string | { type: string; source: string })[];
    env_file?: string[];
    environment?: Record<string, string>;
}
interface Compose {
    services: Record<string, Service>;
    secrets?: Record<string, { file: string }>;
}

const VM_STACKS = ["phase1", "phase2", "phase3", "phase4"] as const satisfies readonly ShippedStack[];

interface Host {
    readonly stack: string;
    readonly machine: string;
    readonly raw: string;
    readonly compose: Compose;
    readonly file: (path: string) => string | undefined;
}

function hostsOf(stack: ShippedStack): Host[] {
    const artifacts = sharedPlanObject(stack).artifacts;
    const byMachine = new Map<string, Artifact[]>();
    for (const a of artifacts) byMachine.set(a.machine, [...(byMachine.get(a.machine) ?? []), a]);
    return [...byMachine].flatMap(([machine, files]) => {
        const raw = files.find((f) => f.target === COMPOSE_FILE)?.content;
        if (raw === undefined) return [];
        const file = (path: string) => files.find((f) => f.target === path)?.content;
        return [{ stack, machine, raw, compose: parse(raw) as Compose, file }];
    });
}

const HOSTS = VM_STACKS.flatMap(hostsOf);
/** Phase 4 names a machine after its region first (`eu-frontend-server`, `us-east-backend-1-server`). */
const regionOf = (h: Host) => (h.stack === "phase4" ? h.machine.split("-")[0] : "");

/** The hosts of the stack and region whose service `name` publishes `port` on `address`. */
function listeners(from: Host, name: string, address: string, port: number): Host[] {
    return HOSTS.filter(
        (h) =>
            h.stack === from.stack &&
            regionOf(h) === regionOf(from) &&
            (h.compose.services[name]?.ports ?? []).includes(`${address}:${port}:${port}`),
    );
}

/** Whether `url` (http://host:port/...) reaches compose service `name` from `from`: its own, or one host's of its region. */
function reachable(from: Host, name: string, url: string, listenPort: (h: Host) => number): boolean {
    const { hostname, port } = new URL(url);
    const p = Number(port);
    if (hostname === name) return name in from.compose.services && listenPort(from) === p;
    const there = listeners(from, name, hostname, p);
    return there.length === 1 && listenPort(there[0]!) === p;
}

const lokiPort = (h: Host) =>
    (parse(h.file(HOST_PATHS.lokiConfig) ?? "{}") as { server?: { http_listen_port?: number } }).server
        ?.http_listen_port ?? -1;
const collectorPort = (h: Host) => {
    const c = parse(h.file(HOST_PATHS.otelCollectorConfig) ?? "{}") as {
        receivers?: { otlp?: { protocols?: { http?: { endpoint?: string } } } };
    };
    return Number(c.receivers?.otlp?.protocols?.http?.endpoint?.split(":")[1] ?? -1);
};
const pushUrlOf = (h: Host) => /url = "([^"]+)"/.exec(h.file(HOST_PATHS.logAgentConfig) ?? "")?.[1] ?? "";

const dirs: string[] = [];
afterAll(() => dirs.forEach(removeDir));

describe("the VM phases' plans", () => {
    it("have a Docker host in every phase and region", () => {
        expect(new Set(HOSTS.map((h) => `${h.stack} ${regionOf(h)}`))).toEqual(
            new Set(["phase1 ", "phase2 ", "phase3 ", "phase4 eu", "phase4 us"]),
        );
        expect(HOSTS.length).toBe(1 + 2 + 5 + 9);
    });

    it("run the log agent on every Docker host, with its pipeline", () => {
        for (const h of HOSTS) {
            expect(h.compose.services["log-agent"], `${h.stack} ${h.machine}`).toBeDefined();
            expect(h.file(HOST_PATHS.logAgentConfig), `${h.stack} ${h.machine}`).toContain("loki.write");
        }
    });

    it("run Loki and the collector exactly where Prometheus runs, with their configs", () => {
        for (const h of HOSTS) {
            const prometheus = "prometheus" in h.compose.services;
            for (const s of ["loki", "otel-collector"])
                expect(s in h.compose.services, `${h.stack} ${h.machine} ${s}`).toBe(prometheus);
            expect(h.file(HOST_PATHS.lokiConfig) !== undefined, `${h.stack} ${h.machine}`).toBe(prometheus);
        }
        // One per region.
        expect(HOSTS.filter((h) => "loki" in h.compose.services).length).toBe(5);
    });

    it("give every agent a push URL where its region's Loki listens", () => {
        for (const h of HOSTS) {
            const url = pushUrlOf(h);
            expect(url, h.machine).toMatch(/\/loki\/api\/v1\/push$/);
            expect(reachable(h, "loki", url, lokiPort), `${h.stack} ${h.machine}: ${url}`).toBe(true);
        }
    });

    it("send the api's and workers' traces where their region's collector listens", () => {
        const apps = HOSTS.flatMap((h) =>
            Object.entries(h.compose.services)
                .filter(([n]) => n === "api" || n.startsWith("worker"))
                .map(([n, s]) => ({ h, n, url: s.environment?.["OTEL_EXPORTER_OTLP_ENDPOINT"] ?? "" })),
        );
        expect(apps.length).toBeGreaterThan(HOSTS.length / 2);
        for (const { h, n, url } of apps)
            expect(reachable(h, "otel-collector", url, collectorPort), `${h.machine} ${n}: ${url}`).toBe(
                true,
            );
    });

    it("fail the reachability check for an address where no Loki listens (the check can fail)", () => {
        const agent = HOSTS.find((h) => !("loki" in h.compose.services))!;
        const url = pushUrlOf(agent).replace(/:\d+\//, ":3999/");
        expect(reachable(agent, "loki", url, lokiPort)).toBe(false);
        expect(reachable(agent, "loki", "http://10.9.9.9:3100/loki/api/v1/push", lokiPort)).toBe(false);
    });

    it("mount the Docker socket, or a directory holding it, into no container", () => {
        const socketHolders = [
            "/var/run/docker.sock",
            "/run/docker.sock",
            "/var/run",
            "/run",
            "/var/lib/docker",
        ];
        for (const h of HOSTS)
            for (const [name, s] of Object.entries(h.compose.services)) {
                const sources = (s.volumes ?? []).flatMap((v) =>
                    typeof v === "string" ? [v.split(":")[0]!] : [],
                );
                // node-exporter's read-only view of / is its job, as nobody (not in the docker group).
                for (const src of sources.filter((x) => !(name === "node-exporter" && x === "/")))
                    expect(socketHolders, `${h.machine} ${name}: ${src}`).not.toContain(src);
                expect(JSON.stringify(s), `${h.machine} ${name}`).not.toContain("docker.sock");
            }
    });

    it("give the log agent only read-only host logs, no capability, and a read-only root", () => {
        for (const h of HOSTS) {
            const agent = h.compose.services["log-agent"] as Service & Record<string, unknown>;
            expect(agent["cap_drop"]).toEqual(["ALL"]);
            expect(agent["cap_add"]).toBeUndefined();
            expect(agent["read_only"]).toBe(true);
            expect(agent["security_opt"]).toEqual(["no-new-privileges:true"]);
            const binds = (agent.volumes ?? []).filter((v): v is string => typeof v === "string");
            expect(binds.sort()).toEqual(
                [
                    `${HOST_PATHS.logAgentConfig}:/etc/alloy/config.alloy:ro`,
                    "/var/lib/docker/containers:/var/lib/docker/containers:ro",
                    "/var/log/journal:/var/log/journal:ro",
                    "/run/log/journal:/run/log/journal:ro",
                    "/etc/machine-id:/etc/machine-id:ro",
                ].sort(),
            );
        }
    });
});

describe("docker-compose 1.29 accepts every VM host's project with the new services", () => {
    function composeConfig(raw: string): { status: number | null; output: string } {
        const dir = tempDir("compose-logs");
        dirs.push(dir);
        return dockerComposeConfig(raw, dir);
    }

    it("validates each distinct compose file with `docker-compose config -q`", () => {
        for (const raw of new Set(HOSTS.map((h) => h.raw))) {
            const r = composeConfig(raw);
            expect(r.output).toBe("");
            expect(r.status).toBe(0);
        }
    });

    it("refuses a log agent with a key compose does not know (the check can fail)", () => {
        const raw = HOSTS[0]!.raw.replace("  log-agent:\n", "  log-agent:\n    privilege: true\n");
        const r = composeConfig(raw);
        expect(r.output).toContain("privilege");
        expect(r.status).not.toBe(0);
    });
});

describe("the dev plan", () => {
    const dev = sharedPlanObject("dev");
    const file = (target: string) => dev.artifacts.find((a) => a.target === target);

    it("gives Loki its config, with dev's 7 days, and Grafana Loki as its second datasource", () => {
        expect(file("/etc/loki/config.yaml")?.content).toContain("retention_period: 168h");
        const ds = parse(file("/etc/grafana/provisioning/datasources/phase-stacks.yaml")!.content) as {
            datasources: { uid: string; url: string }[];
        };
        expect(ds.datasources.map((d) => [d.uid, d.url])).toEqual([
            ["prometheus", "http://prometheus:9090"],
            ["loki", "http://loki:3100"],
        ]);
        expect(dev.artifacts.some((a) => a.target.endsWith(".alloy"))).toBe(false);
    });
});
