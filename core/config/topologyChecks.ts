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
import { hostMemoryProblem, planHostMemory } from "../workload/memoryPlan";
import type { ServiceName } from "../workload/services";
import type { NetworkedService } from "./ports";
import type { StackConfig } from "./schema";

export interface Finding {
    readonly path: string;
    readonly message: string;
    /** The key should go rather than change. */
    readonly remove?: boolean;
}

/** The `servers` roles and the sections each phase reads (phase 4-5 keep phase 1's until their issues). */
const SERVERS_BY_PHASE: Readonly<Record<Phase, readonly string[]>> = {
    dev: [],
    phase1: ["app"],
    phase2: ["app", "data"],
    phase3: ["app", "backend", "frontend", "database", "lb"],
    phase4: ["app"],
    phase5: ["app"],
};
const SPLIT_ONLY = ["network", "loadBalancer", "replication"];
const CLOUD_ONLY = ["admin", "edge", "servers", "backup", "agents", "fallbackLocations"];
const UNUSED_SECTIONS: Readonly<Record<Phase, readonly string[]>> = {
    dev: [...CLOUD_ONLY, ...SPLIT_ONLY],
    phase1: SPLIT_ONLY,
    phase2: ["loadBalancer"],
    phase3: [],
    phase4: SPLIT_ONLY,
    phase5: SPLIT_ONLY,
};

/** Keys the user set that the phase would silently ignore. */
export function unusedKeys(phase: Phase, settings: Readonly<Record<string, unknown>>): Finding[] {
    const found: Finding[] = UNUSED_SECTIONS[phase]
        .filter((k) => settings[k] !== undefined)
        .map((k) => ({ path: k, message: `is not used by ${phase}`, remove: true }));
    const servers = settings["servers"];
    if (typeof servers === "object" && servers !== null && !UNUSED_SECTIONS[phase].includes("servers"))
        for (const role of Object.keys(servers))
            if (!SERVERS_BY_PHASE[phase].includes(role))
                found.push({ path: `servers.${role}`, message: `is not used by ${phase}`, remove: true });
    return found;
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

/** The hosts of phases 2-3 as core/topology/placements.ts lays them out. */
function splitHosts(c: StackConfig): HostSpec[] {
    const s = c.servers;
    if (!s) return [];
    const w = c.workload;
    const dataPorts = (sentinel: boolean, health: boolean): Record<string, number> => ({
        sshd: 22,
        postgres: w.postgres.port,
        pgbouncer: PGBOUNCER_PORT,
        redis: w.redis.port,
        ...(sentinel ? { sentinel: SENTINEL_PORT } : {}),
        ...(health ? { "role health": ROLE_HEALTH_PORT } : {}),
    });
    if (c.phase === "phase2" && s.data)
        return [
            {
                host: "app",
                typeKey: "servers.app.type",
                type: s.app.type,
                containers: ["proxy", "api", "frontend", "worker", "crawler", "nodeExporter"],
                native: [],
                daemonPorts: { sshd: 22 },
                published: ["api"],
                loopback: [],
                proxy: true,
            },
            {
                host: "data",
                typeKey: "servers.data.type",
                type: s.data.type,
                containers: ["meilisearch", "prometheus", "grafana", "nodeExporter"],
                native: ["postgres", "redis"],
                daemonPorts: dataPorts(false, false),
                published: ["meilisearch"],
                loopback: ["grafana"],
                proxy: false,
            },
        ];
    if (c.phase !== "phase3" || !s.database || !s.frontend) return [];
    const backend = s.backend ?? s.app;
    const nodes = 1 + c.replication.replicas;
    const sentinelOnOthers = nodes < 3;
    return [
        ...Array.from({ length: nodes }, (_, i): HostSpec => ({
            host: i === 0 ? "primary" : `replica${i}`,
            typeKey: "servers.database.type",
            type: s.database?.type ?? "",
            containers: i === 0 ? ["meilisearch", "nodeExporter"] : ["nodeExporter"],
            native: ["postgres", "redis"],
            daemonPorts: dataPorts(true, true),
            published: i === 0 ? ["meilisearch"] : [],
            loopback: [],
            proxy: false,
        })),
        {
            host: "frontend",
            typeKey: "servers.frontend.type",
            type: s.frontend.type,
            containers: ["frontend", "prometheus", "grafana", "nodeExporter"],
            native: [],
            daemonPorts: sentinelOnOthers ? { sshd: 22, sentinel: SENTINEL_PORT } : { sshd: 22 },
            published: ["frontend"],
            loopback: ["grafana"],
            proxy: false,
        },
        {
            host: "backend-1",
            typeKey: s.backend ? "servers.backend.type" : "servers.app.type",
            type: backend.type,
            containers: ["proxy", "api", "worker", "crawler", "nodeExporter"],
            native: [],
            daemonPorts: sentinelOnOthers ? { sshd: 22, sentinel: SENTINEL_PORT } : { sshd: 22 },
            published: ["api"],
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
    if (!c.agents || (c.phase !== "phase2" && c.phase !== "phase3")) return [];
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
