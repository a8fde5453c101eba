import * as hcloud from "@pulumi/hcloud";
import * as pulumi from "@pulumi/pulumi";
import { LIMITS, SERVER_TYPES, type ServerTypeName } from "../../core/catalog/hetzner";
import { cpuLimit, PIDS_LIMIT, TIERS, type TierName } from "../../core/capacity/tiers";
import { renderAgentHost } from "../../core/render/machines/agentHost";
import { DOCKER_TLS_PORT } from "../../core/render/agents/dockerTls";
import type { AgentScrapeHost } from "../../core/render/monitoring/nodeExporter";
import { dockerTlsFrom, nodeExporterFrom, sshFromAdmins } from "../../core/topology/firewallRules";
import { HostFirewall } from "../hetzner/hostFirewall";
import { Server } from "../hetzner/server";
import type { DockerTlsAuthority } from "./dockerTls";

export interface AgentHostPoolArgs {
    readonly tier: TierName;
    /** The enterprise customer these hosts are dedicated to. */
    readonly customer?: string;
    /** From the seed's formula (core/capacity). */
    readonly nodes: number;
    readonly serverType: ServerTypeName;
    readonly osImage: string;
    readonly agentImage: string;
    /** Containers one node may hold (the tier's maxPerNode, or fewer when RAM says so). */
    readonly maxContainersPerNode: number;
    readonly systemReserveMb: number;
    readonly keeperIntervalSeconds: number;
    readonly location: pulumi.Input<string>;
    readonly sshKeyIds: pulumi.Input<string[]>;
    readonly sshAllowedCidrs: readonly string[];
    /** The API servers' addresses as CIDRs: the only sources that may reach the Docker API. */
    readonly dockerApiSources: pulumi.Input<pulumi.Input<string>[]>;
    readonly tls: DockerTlsAuthority;
    /** The phase's private network: each node joins the subnet at its address; clients dial that address. */
    readonly network?: { readonly subnetId: pulumi.Input<string>; readonly ips: readonly string[] };
    /**
     * Without a private network the node exporter listens on the public IPv4: the Prometheus host's addresses as
     * CIDRs, the only sources its port admits. On the network it is not opened publicly at all.
     */
    readonly metricsSources?: pulumi.Input<pulumi.Input<string>[]>;
    readonly labels: Readonly<Record<string, string>>;
}

/**
 * What the application's pool manager needs to place containers on this pool (a stack output). A type, not an
 * interface, so it checks against the output contract's record of limits (core/contracts/outputs.ts).
 */
export type AgentPoolLimits = {
    readonly tier: TierName;
    readonly customer?: string;
    readonly memoryMb: number;
    readonly memorySwapMb: number;
    readonly cpuShares: number;
    readonly cpus: number;
    readonly pidsLimit: number;
    readonly maxPerNode: number;
    readonly prewarm: number;
};

/**
 * One tier's agent-container hosts: stateless Hetzner servers spread over placement groups (at most 10 servers
 * each), a primary IPv4 per node so its Docker server certificate can name the address before the server exists,
 * and a firewall that admits SSH from admin ranges and the mTLS Docker API (2376) only from the API servers
 * (and phase 1's node exporter only from the Prometheus host); 2375 is never opened. Nodes are `pinned` servers:
 * config edits do not rebuild them (user data, keys, image and location are ignored after creation); roll a node
 * deliberately, after draining it, with
 * `pulumi up --replace <urn>`, which deletes it first (its primary and private IPs cannot be held twice).
 */
export class AgentHostPool extends pulumi.ComponentResource {
    public readonly endpoints: pulumi.Output<string[]>;
    public readonly ipv4Addresses: pulumi.Output<string[]>;
    /** Each node's exporter address (private where there is a network) with its name and tier. */
    public readonly scrapeHosts: pulumi.Output<AgentScrapeHost[]>;
    public readonly limits: AgentPoolLimits;

    constructor(name: string, args: AgentHostPoolArgs, opts?: pulumi.ComponentResourceOptions) {
        super("phase-stacks:agents:AgentHostPool", name, {}, opts);
        if (!Number.isInteger(args.nodes) || args.nodes < 1)
            throw new pulumi.RunError(`${name}: a pool needs at least one node (got ${args.nodes})`);
        if (args.network && args.network.ips.length < args.nodes)
            throw new pulumi.RunError(`${name}: ${args.nodes} nodes need as many private addresses`);
        const tier = TIERS[args.tier];
        this.limits = {
            tier: args.tier,
            ...(args.customer ? { customer: args.customer } : {}),
            memoryMb: tier.memoryMb,
            memorySwapMb: tier.memoryMb,
            cpuShares: tier.cpuShares,
            cpus: cpuLimit(tier),
            pidsLimit: PIDS_LIMIT,
            maxPerNode: args.maxContainersPerNode,
            prewarm: Math.min(tier.prewarm, args.maxContainersPerNode),
        };
        const labels = {
            ...args.labels,
            pool: name,
            tier: args.tier,
            ...(args.customer ? { customer: args.customer } : {}),
        };

        const firewall = new HostFirewall(
            `${name}-access`,
            {
                rules: [
                    ...sshFromAdmins(args.sshAllowedCidrs),
                    ...dockerTlsFrom(args.dockerApiSources),
                    ...(args.metricsSources && !args.network ? nodeExporterFrom(args.metricsSources) : []),
                ],
                labels,
                // The pool created its firewall itself before one firewall component served every host.
                firewallAliases: [{ name: `${name}-firewall`, parent: this }],
            },
            { parent: this },
        );
        const groups = Array.from(
            { length: Math.ceil(args.nodes / LIMITS.serversPerPlacementGroup) },
            (_, g) =>
                new hcloud.PlacementGroup(
                    `${name}-spread-${g}`,
                    { type: "spread", labels },
                    { parent: this },
                ),
        );

        const nodeMemoryMb = SERVER_TYPES[args.serverType].memoryGb * 1024;
        const endpoints: pulumi.Output<string>[] = [];
        const ipv4s: pulumi.Output<string>[] = [];
        const scrapeHosts: pulumi.Output<AgentScrapeHost>[] = [];
        for (let i = 0; i < args.nodes; i++) {
            const ipv4 = new hcloud.PrimaryIp(
                `${name}-ipv4-${i}`,
                { type: "ipv4", assigneeType: "server", location: args.location, autoDelete: false, labels },
                // Like the server's: a location edit must not swap the address its certificate names.
                { parent: this, ignoreChanges: ["type", "location", "datacenter"] },
            );
            const privateIp = args.network?.ips[i];
            const cert = args.tls.serverCertificate(
                `${name}-node-${i}-docker`,
                privateIp ? [ipv4.ipAddress, privateIp] : [ipv4.ipAddress],
                this,
            );
            const metricsIp = privateIp ? pulumi.output(privateIp) : ipv4.ipAddress;
            const userData = pulumi.all([args.tls.caCertPem, cert.certPem, cert.keyPem, metricsIp]).apply(
                ([caCertPem, serverCertPem, serverKeyPem, metricsIpAddress]) =>
                    renderAgentHost({
                        pool: {
                            tier: args.tier,
                            image: args.agentImage,
                            maxContainers: args.maxContainersPerNode,
                            nodeMemoryMb,
                            systemReserveMb: args.systemReserveMb,
                            intervalSeconds: args.keeperIntervalSeconds,
                        },
                        tls: { caCertPem, serverCertPem, serverKeyPem },
                        metricsIp: metricsIpAddress,
                    }).cloudConfig,
            );
            const group = groups[Math.floor(i / LIMITS.serversPerPlacementGroup)] as hcloud.PlacementGroup;
            // Pinned: its certificate names its addresses, so edits never replace it; delete first on --replace.
            new Server(
                `${name}-node-${i}`,
                {
                    durability: "pinned",
                    serverType: args.serverType,
                    image: args.osImage,
                    location: args.location,
                    sshKeyIds: args.sshKeyIds,
                    firewallIds: [firewall.firewallId],
                    userData: pulumi.secret(userData),
                    placementGroupId: group.id.apply(Number),
                    primaryIpv4Id: ipv4.id.apply(Number),
                    ...(args.network && privateIp
                        ? { network: { subnetId: args.network.subnetId, ip: privateIp } }
                        : {}),
                    // The limits as plain labels: the policy pack judges them even while user data is unknown.
                    labels: {
                        ...labels,
                        "memory-mb": String(this.limits.memoryMb),
                        "cpu-shares": String(this.limits.cpuShares),
                        "pids-limit": String(this.limits.pidsLimit),
                        "max-containers": String(this.limits.maxPerNode),
                    },
                    // The pool created its servers itself before one server component served every host.
                    serverAliases: [{ name: `${name}-node-${i}`, parent: this }],
                },
                { parent: this },
            );
            ipv4s.push(ipv4.ipAddress);
            scrapeHosts.push(metricsIp.apply((ip) => ({ name: `${name}-node-${i}`, ip, tier: args.tier })));
            endpoints.push(
                privateIp
                    ? pulumi.output(`tcp://${privateIp}:${DOCKER_TLS_PORT}`)
                    : pulumi.interpolate`tcp://${ipv4.ipAddress}:${DOCKER_TLS_PORT}`,
            );
        }
        this.endpoints = pulumi.all(endpoints);
        this.ipv4Addresses = pulumi.all(ipv4s);
        this.scrapeHosts = pulumi.all(scrapeHosts);
        this.registerOutputs({
            endpoints: this.endpoints,
            ipv4Addresses: this.ipv4Addresses,
            limits: this.limits,
        });
    }
}
