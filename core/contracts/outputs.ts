/**
 * Each built phase's stack outputs, as `pulumi stack output --json` prints them: the contract between the
 * stacks that export them and the tools that read them (the migration runbook, the advisor, the offline
 * plan's cost). A phase program declares its return type as its phase's type (`Exported<Phase1Outputs>`,
 * stacks/outputs.ts), so tsc rejects a missing or misspelt output; a reader names only keys declared here,
 * and tests/scaling/runbook.test.ts checks those keys against every phase's planned outputs.
 */
import type { ExternalCost } from "../cost/model";

/** The ClawHQ agent pools' contract for the API servers (present when the stack configures `agents`). */
export interface AgentPoolsOutput {
    readonly dockerTlsPort: number;
    readonly caCertPem: string;
    readonly clientCertPem: string;
    readonly pools: readonly {
        readonly name: string;
        readonly activeUsers: number;
        readonly limits: Readonly<Record<string, string | number>>;
        readonly nodes: number;
        readonly endpoints: readonly string[];
        /** Phase 4: the region whose hosts these are. */
        readonly region?: string;
    }[];
}

/** The agent pool outputs every cloud phase spreads into its own (stacks/agents.ts). */
export interface AgentOutputs {
    readonly agentPools?: AgentPoolsOutput;
    /** Secret: the Docker TLS client key the API servers use. */
    readonly agentClientKeyPem?: string;
}

export interface HostMemory {
    readonly limitsMb: number;
    readonly usableMb: number;
    readonly overcommit: number;
}

export interface DevOutputs {
    readonly urls: readonly string[];
}

export interface Phase1Outputs extends AgentOutputs {
    /** The single server's public addresses: SSH and the origin. */
    readonly appIpv4: string;
    readonly appIpv6: string;
    readonly urls: readonly string[];
    readonly memory: HostMemory;
    readonly externalCosts: readonly ExternalCost[];
    /** What a config edit does and does not reach on the stateful server, and how to roll it out. */
    readonly rolloutNotes: readonly string[];
}

export interface Phase2Outputs extends AgentOutputs {
    readonly appIpv4: string;
    readonly dataIpv4: string;
    readonly privateAddresses: { readonly app: string; readonly data: string };
    readonly urls: readonly string[];
    readonly memory: { readonly app: HostMemory; readonly data: HostMemory };
    readonly externalCosts: readonly ExternalCost[];
}

export interface Phase3Outputs extends AgentOutputs {
    /** The public entry point (the load balancer); phase 3 exports no host's public address. */
    readonly entryIpv4: string;
    readonly loadBalancer: "hetzner" | "haproxy";
    readonly privateAddresses: {
        readonly backends: readonly string[];
        readonly frontend: string;
        /** Database node name (primary, replica1, ...) -> its private address. */
        readonly database: Readonly<Record<string, string>>;
        /** The role endpoints: the writer follows the primary, the reader spreads over replicas. */
        readonly writer: string;
        readonly reader: string;
    };
    /** What clients connect to, `address:port`: PgBouncer on the primary, PgBouncer over the replicas, Redis's master. */
    readonly roleEndpoints: {
        readonly postgresWriter: string;
        readonly postgresReader: string;
        readonly redisPrimary: string;
    };
    /** Private addresses of the Redis Sentinels. */
    readonly sentinels: readonly string[];
    readonly urls: readonly string[];
    readonly externalCosts: readonly ExternalCost[];
}

/** One region of phase 4: phase 3's fleet outputs, its database nodes' public addresses, and its role. */
export interface RegionOutputs extends Pick<
    Phase3Outputs,
    "entryIpv4" | "privateAddresses" | "roleEndpoints" | "sentinels"
> {
    /** `primary` holds the writable database; a `standby` region streams from it (promoted by hand). */
    readonly role: "primary" | "standby";
    readonly location: string;
    /** Database node name -> its reserved public IPv4, the only address other regions replicate with. */
    readonly databasePublicIpv4: Readonly<Record<string, string>>;
}

export interface Phase4Outputs extends AgentOutputs {
    /** The region the first in config names: where the writable database is deployed (the EU, for GDPR). */
    readonly primaryRegion: string;
    readonly regions: Readonly<Record<string, RegionOutputs>>;
    readonly loadBalancer: "hetzner" | "haproxy";
    /** The app and API behind Cloudflare Load Balancing, and the write hostname that follows the primary. */
    readonly urls: readonly string[];
    readonly writeUrl: string;
    readonly externalCosts: readonly ExternalCost[];
}

/** One node pool of phase 5's cluster, as the program keeps and the autoscaler grows it. */
export interface NodePoolOutput {
    readonly name: string;
    readonly kind: "system" | "app" | "agents" | "enterprise";
    readonly serverType: string;
    /** Servers the program keeps. */
    readonly nodes: number;
    /** Servers the cluster-autoscaler may add on top. */
    readonly autoscaleMax: number;
    readonly labels: Readonly<Record<string, string>>;
    /** `key=value:Effect`. */
    readonly taints: readonly string[];
}

export interface Phase5Outputs {
    /** Secret: the admin kubeconfig (`pulumi stack output kubeconfig --show-secrets > kubeconfig`). */
    readonly kubeconfig: string;
    /** `https://<API load balancer>:6443`. */
    readonly apiServer: string;
    readonly k3sVersion: string;
    readonly controlPlane: readonly {
        readonly name: string;
        readonly privateIp: string;
        readonly ipv4: string;
    }[];
    readonly nodePools: readonly NodePoolOutput[];
    /** The cluster-autoscaler's `--nodes` flags: `min:max:type:location:group`. */
    readonly autoscalerNodeGroups: readonly string[];
    readonly urls: readonly string[];
    /** The addresses of the load balancer the CCM made for the ingress controller: Cloudflare's origin. */
    readonly ingressAddresses: readonly string[];
    readonly externalCosts: readonly ExternalCost[];
}

export interface StackOutputs {
    readonly dev: DevOutputs;
    readonly phase1: Phase1Outputs;
    readonly phase2: Phase2Outputs;
    readonly phase3: Phase3Outputs;
    readonly phase4: Phase4Outputs;
    readonly phase5: Phase5Outputs;
}
export type BuiltPhase = keyof StackOutputs;

/**
 * Every declared key per phase, `true` when the stack always exports it: the runtime copy of the types above
 * (the `satisfies` keeps it complete), for readers that build `pulumi stack output KEY` commands and for tests.
 */
export const OUTPUT_KEYS = {
    dev: { urls: true },
    phase1: {
        appIpv4: true,
        appIpv6: true,
        urls: true,
        memory: true,
        externalCosts: true,
        rolloutNotes: true,
        agentPools: false,
        agentClientKeyPem: false,
    },
    phase2: {
        appIpv4: true,
        dataIpv4: true,
        privateAddresses: true,
        urls: true,
        memory: true,
        externalCosts: true,
        agentPools: false,
        agentClientKeyPem: false,
    },
    phase3: {
        entryIpv4: true,
        loadBalancer: true,
        privateAddresses: true,
        roleEndpoints: true,
        sentinels: true,
        urls: true,
        externalCosts: true,
        agentPools: false,
        agentClientKeyPem: false,
    },
    phase4: {
        primaryRegion: true,
        regions: true,
        loadBalancer: true,
        urls: true,
        writeUrl: true,
        externalCosts: true,
        agentPools: false,
        agentClientKeyPem: false,
    },
    phase5: {
        kubeconfig: true,
        apiServer: true,
        k3sVersion: true,
        controlPlane: true,
        nodePools: true,
        autoscalerNodeGroups: true,
        urls: true,
        ingressAddresses: true,
        externalCosts: true,
    },
} as const satisfies {
    readonly [P in BuiltPhase]: { readonly [K in keyof Required<StackOutputs[P]>]: boolean };
};

export type OutputKey<P extends BuiltPhase> = keyof StackOutputs[P] & string;
