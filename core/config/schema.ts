/**
 * The stack configuration schema: one zod schema per phase, told apart by `phase`, each holding exactly the
 * sections and `servers` roles its topology reads. Validated once before any resource exists.
 *
 * Pulumi replaces a project-level object default wholesale when a stack sets the same key (pulumi#13176),
 * so workload defaults sit in Pulumi.yaml under `workload` and stack files put their deltas under
 * `workloadOverrides`, which the loader deep-merges.
 */
import { z } from "zod";
import { Agents, agentsIssues } from "../capacity/config";
import { PHASE_SPECS, type Phase } from "../phases";
import { SERVICE_NAMES, Workload } from "../workload/services";
import { Kubernetes, kubernetesNetworkIssues, kubernetesTypes, tenantPoolIssues } from "./kubernetes";
import { LoadBalancing, loadBalancingIssues } from "./loadBalancing";
import { placementIssues, type PlacedType, type PlacementIssue } from "./placement";
import { withDefaultPorts, type ResolvedWorkload } from "./ports";
import { Regions, regionsIssues } from "./regions";
import {
    Admin,
    AlertReceiver,
    Backup,
    Edge,
    FleetServerSpec,
    LoadBalancerConfig,
    LocationEnum,
    Memory,
    Network,
    Postgres,
    Replication,
    ServerSpec,
    WorkloadOverrides,
} from "./sections";

const everyPhase = {
    workload: Workload,
    workloadOverrides: WorkloadOverrides.default({}),
    memory: Memory.default(Memory.parse({})),
};

/** What every cloud phase reads: access, the edge, backups, the database's names, agent pools. */
const cloud = {
    ...everyPhase,
    admin: Admin,
    edge: Edge,
    backup: Backup,
    postgres: Postgres.default(Postgres.parse({})),
    /** Agent-container host pools (ClawHQ); a stack without them runs none. */
    agents: Agents.optional(),
};

/** The VM phases run Alertmanager on their monitoring host; without a receiver it sends nothing. */
const alerting = { alertReceiver: AlertReceiver.optional() };

/** One placement: tried in order when a server type has no capacity; fallbacks share the network zone. */
const placed = {
    location: LocationEnum.default("nbg1"),
    fallbackLocations: z.array(LocationEnum).default([]),
};

const Dev = z.object({ phase: z.literal("dev"), ...everyPhase }).strict();

const Phase1 = z
    .object({
        phase: z.literal("phase1"),
        ...cloud,
        ...alerting,
        ...placed,
        /** The one server. */
        servers: z.object({ app: ServerSpec }).strict(),
    })
    .strict();

const Phase2 = z
    .object({
        phase: z.literal("phase2"),
        ...cloud,
        ...alerting,
        ...placed,
        network: Network.default(Network.parse({})),
        servers: z
            .object({
                app: ServerSpec,
                /** Postgres, PgBouncer, Redis, Meilisearch, backups. */
                data: ServerSpec,
            })
            .strict(),
    })
    .strict();

const Phase3 = z
    .object({
        phase: z.literal("phase3"),
        ...cloud,
        ...alerting,
        ...placed,
        network: Network.default(Network.parse({})),
        loadBalancer: LoadBalancerConfig.default(LoadBalancerConfig.parse({})),
        replication: Replication.default(Replication.parse({})),
        servers: z
            .object({
                /** The backends' type when `backend` is unset. */
                app: ServerSpec,
                /** The load-balanced backends (proxy, API, workers). */
                backend: FleetServerSpec.optional(),
                frontend: ServerSpec,
                /** Every database node (the primary and each replica; any of them may be promoted). */
                database: ServerSpec,
                /** The HAProxy server, with `loadBalancer.kind: haproxy`. */
                lb: ServerSpec.optional(),
            })
            .strict(),
    })
    .strict()
    .superRefine((c, ctx) => {
        if (c.loadBalancer.kind === "haproxy" && c.servers.lb === undefined)
            ctx.addIssue({
                code: "custom",
                path: ["servers", "lb"],
                message: "is required for phase3 with loadBalancer.kind haproxy",
            });
    });

const Phase4 = z
    .object({
        phase: z.literal("phase4"),
        ...cloud,
        ...alerting,
        loadBalancer: LoadBalancerConfig.default(LoadBalancerConfig.parse({})),
        /** Cloudflare Load Balancing over the regions' entries. */
        loadBalancing: LoadBalancing,
        regions: Regions,
    })
    .strict();

const Phase5 = z
    .object({
        phase: z.literal("phase5"),
        ...cloud,
        ...placed,
        network: Network.default(Network.parse({})),
        kubernetes: Kubernetes,
    })
    .strict();

const PHASE_SCHEMAS = [Dev, Phase1, Phase2, Phase3, Phase4, Phase5] as const;

interface PhaseSections {
    readonly sections: readonly string[];
    readonly servers: readonly string[];
}

function sectionsOf(schema: (typeof PHASE_SCHEMAS)[number]): PhaseSections {
    const shape = schema.shape as Record<string, z.ZodType>;
    const servers = shape["servers"];
    return {
        sections: Object.keys(shape).filter((k) => k !== "phase"),
        servers: servers instanceof z.ZodObject ? Object.keys(servers.shape) : [],
    };
}

/** The top-level sections and `servers` roles each phase reads, from the schemas themselves. */
export const SECTIONS_BY_PHASE: Readonly<Record<Phase, PhaseSections>> = {
    dev: sectionsOf(Dev),
    phase1: sectionsOf(Phase1),
    phase2: sectionsOf(Phase2),
    phase3: sectionsOf(Phase3),
    phase4: sectionsOf(Phase4),
    phase5: sectionsOf(Phase5),
};

type Parsed = z.output<(typeof PHASE_SCHEMAS)[number]>;

/** The server types of a cloud phase and where each may run. */
function placements(c: Exclude<Parsed, { phase: "dev" | "phase4" }>): PlacementIssue[] {
    const types: PlacedType[] =
        c.phase === "phase5"
            ? kubernetesTypes(c.kubernetes)
            : Object.entries(c.servers).map(([role, s]) => ({
                  path: ["servers", role, "type"],
                  type: (s as { type: string }).type,
              }));
    return placementIssues([], c.location, c.fallbackLocations, types);
}

export const StackConfigSchema = z.discriminatedUnion("phase", PHASE_SCHEMAS).superRefine((c, ctx) => {
    if (c.phase === "dev") return;
    const issues =
        c.phase === "phase4"
            ? regionsIssues(c.regions, c.loadBalancer.kind, c.memory.systemReserveMb)
            : placements(c);
    if (c.backup.copy && c.phase !== "phase3" && c.phase !== "phase4")
        issues.push({
            path: ["backup", "copy"],
            message: "copies the point-in-time backups of phases 3-4; remove it from this stack",
        });
    if (c.phase === "phase4") {
        issues.push(
            ...loadBalancingIssues(
                c.loadBalancing,
                c.edge,
                c.regions.map((r) => r.name),
            ),
        );
        if (c.agents)
            issues.push({
                path: ["agents"],
                message:
                    "is per region in phase4: move it under regions[i].agents (each region runs its own pools)",
            });
    }
    if (c.phase === "phase5")
        issues.push(
            ...kubernetesNetworkIssues(c.kubernetes, c.network),
            ...tenantPoolIssues(c.kubernetes, c.agents),
        );
    if (c.phase !== "phase4" && c.agents)
        issues.push(
            ...agentsIssues(c.agents, [c.location, ...c.fallbackLocations], c.memory.systemReserveMb),
        );
    for (const issue of issues) ctx.addIssue({ code: "custom", ...issue });
});

export type StackConfigInput = z.input<typeof StackConfigSchema>;

/** A phase's validated config with the workload overrides applied and the phase's defaults filled in. */
type Resolved<T> = T extends { phase: Phase }
    ? Omit<T, "workloadOverrides" | "workload" | "backup"> & {
          readonly workload: ResolvedWorkload;
      } & (T extends { backup: infer B }
              ? { readonly backup: B & { readonly retentionDays: number } }
              : unknown)
    : never;

export type StackConfig = Resolved<Parsed>;
/** The config of one phase, or of several. */
export type ConfigOf<P extends Phase> = Extract<StackConfig, { phase: P }>;
export type CloudStackConfig = ConfigOf<Exclude<Phase, "dev">>;

export function resolveDefaults(c: Parsed): StackConfig {
    const { workloadOverrides, ...rest } = c;
    const workload = withDefaultPorts(
        Object.fromEntries(
            SERVICE_NAMES.map((n) => [n, { ...c.workload[n], ...(workloadOverrides[n] ?? {}) }]),
        ) as Workload,
    );
    if (rest.phase === "dev") return { ...rest, workload };
    const retentionDays = rest.backup.retentionDays ?? PHASE_SPECS[rest.phase].backups.retentionDays;
    return { ...rest, workload, backup: { ...rest.backup, retentionDays } };
}
