/**
 * Checks that need the whole validated config: keys the phase never reads, the per-host memory plans of
 * phases 2-3, the agent hosts' addresses and the ports each host binds. They run inside config loading so
 * these report like every other problem (key, fix, all at once) instead of failing the deploy.
 */
import { SERVER_TYPES, type ServerTypeName } from "../catalog/hetzner";
import { planAgentPools } from "../capacity/pools";
import { FIRST_AGENT_HOST } from "../capacity/agentAddresses";
import type { Phase } from "../phases";
import { PGBOUNCER_PORT } from "../render/data/pgbouncer";
import { ROLE_HEALTH_PORT } from "../render/data/roleHealth";
import { SENTINEL_PORT } from "../render/data/sentinel";
import { POSTGRES_EXPORTER } from "../render/monitoring/postgresExporter";
import { REDIS_EXPORTER } from "../render/monitoring/redisExporter";
import { hostMemoryProblem, planHostMemory } from "../workload/memoryPlan";
import { MONITORING } from "../topology/placements";
import type { ServiceName } from "../workload/services";
import type { NetworkedService } from "./ports";
import { SECTIONS_BY_PHASE, type StackConfig } from "./schema";

export interface Finding {
    readonly path: string;
    readonly message: string;
    /** The key should go rather than change. */
    readonly remove?: boolean;
}

/** Every section and `servers` role some phase reads: set in a phase that does not, it would be ignored. */
const KNOWN_SECTIONS = new Set(Object.values(SECTIONS_BY_PHASE).flatMap((p) => p.sections));
const KNOWN_ROLES = new Set(Object.values(SECTIONS_BY_PHASE).flatMap((p) => p.servers));

/** Keys the user set that the phase would silently ignore (reported instead of "not a known setting"). */
export function unusedKeys(phase: Phase, settings: Readonly<Record<string, unknown>>): Finding[] {
    const reads = SECTIONS_BY_PHASE[phase];
    const found: Finding[] = Object.keys(settings)
        .filter((k) => KNOWN_SECTIONS.has(k) && !reads.sections.includes(k))
        .map((k) => ({ path: k, message: `is not used by ${phase}`, remove: true }));
    const servers = settings["servers"];
    if (typeof servers === "object" && servers !== null && reads.sections.includes("servers"))
        for (const role of Object.keys(servers))
            if (KNOWN_ROLES.has(role) && !reads.servers.includes(role))
                found.push({ path: `servers.${role}`, message: `is not used by ${phase}`, remove: true });
    return found;
}

/** The settings without the keys unusedKeys reports, so that the schema judges only what the phase reads. */
export function withoutUnused(
    settings: Readonly<Record<string, unknown>>,
    unused: readonly Finding[],
): Record<string, unknown> {
    const kept: Record<string, unknown> = { ...settings };
    for (const { path } of unused) {
        const [section, role] = path.split(".");
        if (role === undefined) delete kept[section as string];
        else
            kept["servers"] = Object.fromEntries(
                Object.entries(kept["servers"] as Record<string, unknown>).filter(([k]) => k !== role),
            );
    }
    return kept;
}

interface HostSpec {
    readonly host: string;
    /** The config key that sizes the host. */
    readonly typeKey: string;
    readonly type: string;
    readonly containers: readonly ServiceName[];
    readonly native: readonly ServiceName[];
    /** Ports bound on the host besides the containers' (native daemons, sshd), by owner. */
    readonly daemonPorts: Readonly<Record<string, number>>;
    /** Containers published on the private address, and on loopback. */
    readonly published: readonly NetworkedService[];
    readonly loopback: readonly NetworkedService[];
    readonly proxy: boolean;
}

/** withTelemetry's additions (core/topology/placements.ts): the agent everywhere, Loki and the collector with Prometheus. */
const AGENT: readonly ServiceName[] = ["logAgent"];
const TELEMETRY: readonly ServiceName[] = ["loki", "otelCollector", "logAgent"];
const TELEMETRY_PUBLISHED: readonly NetworkedService[] = ["loki", "otelCollector"];

/** The hosts of phases 2-3 as core/topology/placements.ts lays them out. */
function splitHosts(c: StackConfig): HostSpec[] {
    if (c.phase !== "phase2" && c.phase !== "phase3") return [];
    const w = c.workload;
    const dataPorts = (sentinel: boolean, health: boolean): Record<string, number> => ({
        sshd: 22,
        postgres: w.postgres.port,
        pgbouncer: PGBOUNCER_PORT,
        redis: w.redis.port,
        "postgres exporter": POSTGRES_EXPORTER.port,
        "redis exporter": REDIS_EXPORTER.port,
        ...(sentinel ? { sentinel: SENTINEL_PORT } : {}),
        ...(health ? { "role health": ROLE_HEALTH_PORT } : {}),
    });
    if (c.phase === "phase2") {
        const s = c.servers;
        return [
            {
                host: "app",
                typeKey: "servers.app.type",
                type: s.app.type,
                containers: ["proxy", "api", "frontend", "worker", "crawler", "nodeExporter", ...AGENT],
                native: [],
                daemonPorts: { sshd: 22 },
                published: ["api", "nodeExporter"],
                loopback: [],
                proxy: true,
            },
            {
                host: "data",
                typeKey: "servers.data.type",
                type: s.data.type,
                containers: ["meilisearch", ...MONITORING, "nodeExporter", ...TELEMETRY],
                native: ["postgres", "redis"],
                daemonPorts: dataPorts(false, false),
                published: ["meilisearch", ...TELEMETRY_PUBLISHED],
                loopback: ["grafana"],
                proxy: false,
            },
        ];
    }
    const s = c.servers;
    const backend = s.backend ?? s.app;
    const nodes = 1 + c.replication.replicas;
    const sentinelOnOthers = nodes < 3;
    return [
        ...Array.from({ length: nodes }, (_, i): HostSpec => ({
            host: i === 0 ? "primary" : `replica${i}`,
            typeKey: "servers.database.type",
            type: s.database.type,
            containers: i === 0 ? ["meilisearch", "nodeExporter", ...AGENT] : ["nodeExporter", ...AGENT],
            native: ["postgres", "redis"],
            daemonPorts: dataPorts(true, true),
            published: i === 0 ? ["meilisearch", "nodeExporter"] : ["nodeExporter"],
            loopback: [],
            proxy: false,
        })),
        {
            host: "frontend",
            typeKey: "servers.frontend.type",
            type: s.frontend.type,
            containers: ["frontend", ...MONITORING, "nodeExporter", ...TELEMETRY],
            native: [],
            daemonPorts: sentinelOnOthers ? { sshd: 22, sentinel: SENTINEL_PORT } : { sshd: 22 },
            published: ["frontend", ...TELEMETRY_PUBLISHED],
            loopback: ["grafana"],
            proxy: false,
        },
        {
            host: "backend-1",
            typeKey: s.backend ? "servers.backend.type" : "servers.app.type",
            type: backend.type,
            containers: ["proxy", "api", "worker", "crawler", "nodeExporter", ...AGENT],
            native: [],
            daemonPorts: sentinelOnOthers ? { sshd: 22, sentinel: SENTINEL_PORT } : { sshd: 22 },
            published: ["api", "nodeExporter"],
            loopback: [],
            proxy: true,
        },
    ];
}

export function memoryFindings(c: StackConfig): Finding[] {
    return splitHosts(c).flatMap((h): Finding[] => {
        const ramGb = SERVER_TYPES[h.type as ServerTypeName].memoryGb;
        const plan = planHostMemory(
            h.host,
            c.workload,
            h.containers,
            h.native,
            ramGb,
            c.memory.systemReserveMb,
        );
        const problem = hostMemoryProblem(plan, c.memory.maxOvercommit);
        return problem ? [{ path: h.typeKey, message: problem }] : [];
    });
}

/** Two owners of one port on one host: the later deploy would fail to bind. */
export function portFindings(c: StackConfig): Finding[] {
    const w = c.workload;
    const hosts: HostSpec[] =
        c.phase === "phase1" || c.phase === "phase4" || c.phase === "phase5"
            ? [
                  {
                      host: "app",
                      typeKey: "",
                      type: "",
                      containers: [],
                      native: [],
                      daemonPorts: { sshd: 22 },
                      published: [],
                      loopback: ["grafana"],
                      proxy: true,
                  },
              ]
            : splitHosts(c);
    const findings = new Map<string, Finding>();
    for (const h of hosts) {
        // Every address a port is bound on: "*" clashes with any other address.
        const binds: { owner: string; key: string; port: number; address: string }[] = [
            ...Object.entries(h.daemonPorts).map(([owner, port]) => ({
                owner,
                key: owner in w ? `workload.${owner}.port` : "",
                port,
                address: "*",
            })),
            ...(h.proxy ? [80, 443].map((port) => ({ owner: "proxy", key: "", port, address: "*" })) : []),
            ...h.published.map((n) => ({
                owner: n,
                key: `workload.${n}.port`,
                port: w[n].port,
                address: "private",
            })),
            ...h.loopback.map((n) => ({
                owner: n,
                key: `workload.${n}.port`,
                port: w[n].port,
                address: "loopback",
            })),
        ];
        binds.forEach((a, i) => {
            const clash = binds.find(
                (b, j) =>
                    j < i &&
                    b.port === a.port &&
                    (a.address === "*" || b.address === "*" || a.address === b.address),
            );
            const key = a.key || clash?.key;
            if (clash && key)
                findings.set(key, {
                    path: key,
                    message: `${a.owner} and ${clash.owner} both bind port ${a.port} on ${h.host}: give one another port`,
                });
        });
    }
    return [...findings.values()].map((f) => ({
        ...f,
        path: f.path.replace(/^workload\./, "workloadOverrides."),
    }));
}

/** Agent hosts take private addresses from .FIRST_AGENT_HOST to .254 of the subnet (phases 2-3). */
export function agentAddressFindings(c: StackConfig): Finding[] {
    if ((c.phase !== "phase2" && c.phase !== "phase3") || !c.agents) return [];
    const nodes = planAgentPools(c.agents, c.memory.systemReserveMb).reduce(
        (n, p) => n + p.plan.totalNodes,
        0,
    );
    const room = 255 - FIRST_AGENT_HOST;
    return nodes > room
        ? [
              {
                  path: "agents",
                  message: `needs ${nodes} agent hosts, but ${c.network.subnet} holds at most ${room} (from .${FIRST_AGENT_HOST}): lower activeUsers or choose larger serverTypes`,
              },
          ]
        : [];
}
