/** Composes every agent pool of a stack from its `agents` config: one Docker TLS authority, addresses in pool order. */
import * as pulumi from "@pulumi/pulumi";
import type { AgentsConfig } from "../../core/capacity/config";
import { agentNodes } from "../../core/capacity/agentNodes";
import { planAgentPools } from "../../core/capacity/pools";
import { DOCKER_TLS_PORT } from "../../core/render/agents/dockerTls";
import type { AgentScrapeHost } from "../../core/render/monitoring/nodeExporter";
import { availableLocation } from "../../components/hetzner/location";
import { hetznerLabels } from "../../core/contracts/labels";
import { AgentHostPool, type AgentPoolLimits } from "../../components/agents/agentHostPool";
import { DockerTlsAuthority } from "../../components/agents/dockerTls";

export interface AgentPoolsArgs {
    readonly stack: string;
    readonly agents: AgentsConfig;
    readonly systemReserveMb: number;
    readonly osImage: string;
    /** Locations in order of preference; each pool takes the first where its server type is sold now. */
    readonly locations: readonly string[];
    readonly sshKeyIds: pulumi.Input<string[]>;
    readonly sshAllowedCidrs: readonly string[];
    /**
     * Addresses of the servers running the API (the pool manager): IPv4 or IPv6, without a prefix. With a private
     * network, give their private addresses: the pool manager dials the nodes there (Hetzner firewalls do not
     * filter private traffic), and the public 2376 stays closed to everyone.
     */
    readonly apiServerAddresses: pulumi.Input<pulumi.Input<string>[]>;
    /** The phase's private network: nodes join it from .150 of the subnet, in pool order. */
    readonly network?: { readonly subnetId: pulumi.Input<string>; readonly subnetCidr: string };
    /** Without a network (phase 1): the Prometheus host's addresses, the only ones that may scrape the nodes. */
    readonly prometheusAddresses?: pulumi.Input<pulumi.Input<string>[]>;
    /** Phase 4: the region the pools serve (their names' prefix and `region` label), and the stack's one authority. */
    readonly region?: { readonly name: string; readonly tls: DockerTlsAuthority };
}

/** The stack's Docker TLS authority: every pool of every region trusts it, the pool manager holds its client. */
export function agentsTlsAuthority(stack: string): DockerTlsAuthority {
    return new DockerTlsAuthority("agents-tls", { organization: `phase-stacks ${stack}` });
}

/** The pool contract the application's pool manager reads from the stack outputs (no secret inside). */
export interface AgentPoolsContract {
    readonly dockerTlsPort: number;
    readonly caCertPem: pulumi.Output<string>;
    readonly clientCertPem: pulumi.Output<string>;
    readonly pools: {
        readonly name: string;
        readonly activeUsers: number;
        readonly limits: AgentPoolLimits;
        readonly nodes: number;
        readonly endpoints: pulumi.Output<string[]>;
        /** Phase 4: the region whose hosts these are. */
        readonly region?: string;
    }[];
}

export interface AgentPoolsOutput {
    readonly contract: AgentPoolsContract;
    /** The pool manager's mTLS client key: a secret output of its own. */
    readonly clientKeyPem: pulumi.Output<string>;
    /** Every node's exporter address, name and tier, in pool order: what Prometheus scrapes. */
    readonly scrapeHosts: pulumi.Output<AgentScrapeHost[]>;
}

const asCidr = (ip: string) => (ip.includes(":") ? `${ip}/128` : `${ip}/32`);

/**
 * Every agent pool of a stack, sized by the seed's formula from `agents`, sharing one Docker TLS authority.
 * Returns undefined when the stack configures no agents.
 */
export function agentPools(args: AgentPoolsArgs): AgentPoolsOutput | undefined {
    const plans = planAgentPools(args.agents, args.systemReserveMb);
    if (plans.length === 0) return undefined;
    const tls = args.region?.tls ?? agentsTlsAuthority(args.stack);
    const region = args.region?.name;
    const sources = pulumi
        .output(args.apiServerAddresses)
        .apply((ips) => [...ips.map(asCidr), ...args.agents.dockerApiAllowedCidrs]);
    const nodes = agentNodes(plans, args.network?.subnetCidr, region);
    const metricsSources =
        args.prometheusAddresses && pulumi.output(args.prometheusAddresses).apply((ips) => ips.map(asCidr));
    const built = plans.map((p) => {
        const name = region ? `${region}-${p.name}` : p.name;
        const ips = nodes.flatMap((n) => (n.pool === name && n.privateIp ? [n.privateIp] : []));
        const pool = new AgentHostPool(name, {
            tier: p.tier,
            customer: p.customer,
            nodes: p.plan.totalNodes,
            serverType: p.plan.serverType,
            osImage: args.osImage,
            agentImage: args.agents.image,
            maxContainersPerNode: p.plan.containersPerNode,
            systemReserveMb: args.systemReserveMb,
            keeperIntervalSeconds: args.agents.keeperIntervalSeconds,
            location: availableLocation(p.plan.serverType, args.locations),
            sshKeyIds: args.sshKeyIds,
            sshAllowedCidrs: args.sshAllowedCidrs,
            dockerApiSources: sources,
            tls,
            ...(args.network ? { network: { subnetId: args.network.subnetId, ips } } : {}),
            ...(metricsSources ? { metricsSources } : {}),
            labels: hetznerLabels(args.stack, "agent", false, region),
        });
        return {
            pool,
            contract: {
                name,
                ...(region ? { region } : {}),
                activeUsers: p.activeUsers,
                limits: pool.limits,
                nodes: p.plan.totalNodes,
                endpoints: pool.endpoints,
            },
        };
    });
    return {
        ...poolsOutput(
            tls,
            built.map((b) => b.contract),
        ),
        scrapeHosts: pulumi.all(built.map((b) => b.pool.scrapeHosts)).apply((hosts) => hosts.flat()),
    };
}

/** The pool manager's contract over `pools` (of one region or several) and the authority they trust. */
export function poolsOutput(
    tls: DockerTlsAuthority,
    pools: AgentPoolsContract["pools"],
): Omit<AgentPoolsOutput, "scrapeHosts"> {
    return {
        contract: {
            dockerTlsPort: DOCKER_TLS_PORT,
            caCertPem: tls.caCertPem,
            clientCertPem: tls.clientCertPem,
            pools,
        },
        clientKeyPem: pulumi.secret(tls.clientKeyPem),
    };
}
