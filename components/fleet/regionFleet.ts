import * as pulumi from "@pulumi/pulumi";
import { hetznerLabels, roleSelector } from "../../core/contracts/labels";
import type { InboundRule } from "../../core/topology/firewallRules";
import { HostFirewall } from "../hetzner/hostFirewall";
import { Server } from "../hetzner/server";
import { LoadBalancer } from "./loadBalancer";
import { SpreadGroup } from "./spreadGroup";

export interface FleetHost {
    readonly serverType: string;
    readonly image: string;
    readonly privateIp: string;
    readonly userData: pulumi.Input<string>;
}

/** The region's public entry: a Hetzner load balancer, or the seed's HAProxy server with its own firewall. */
export type FleetEntry =
    | {
          readonly kind: "hetzner";
          readonly loadBalancerType: string;
          readonly privateIp: string;
          readonly port: number;
          readonly health: { readonly path: string; readonly domain: string };
      }
    | {
          readonly kind: "haproxy";
          readonly host: FleetHost;
          readonly rules: readonly InboundRule<string[]>[];
      };

export interface RegionFleetArgs {
    /** The region's name (its network zone): the fleet's name prefix and the `region` label. */
    readonly region: string;
    readonly stack: string;
    readonly location: pulumi.Input<string>;
    readonly subnet: pulumi.Resource & { readonly id: pulumi.Output<string> };
    readonly sshKeyIds: pulumi.Input<string[]>;
    /** The firewall of hosts without a public service (SSH from the admins). */
    readonly firewallIds: pulumi.Input<pulumi.Input<number>[]>;
    readonly frontend: FleetHost;
    readonly backends: readonly FleetHost[];
    readonly entry: FleetEntry;
}

/** Before regions, these components were the stack's children under their plain names. */
const formerly = (name: string, type?: string): pulumi.Alias => ({
    name,
    parent: pulumi.rootStackResource,
    ...(type ? { type } : {}),
});
const FLEET_SERVER = "phase-stacks:fleet:FleetServer";

/**
 * One region's application fleet: the frontend server, the backends spread over physical hosts, and the
 * public entry in front of them; every child is named `<region>-…` and labelled with the region, and the
 * entry selects only this region's backends. Backends are replaceable servers rolled one at a time: each is
 * created (so replaced, delete first) only after the previous one, and the entry's health checks take a
 * backend out while it is away.
 */
export class RegionFleet extends pulumi.ComponentResource {
    public readonly entryIpv4: pulumi.Output<string>;
    public readonly entryIpv6: pulumi.Output<string>;

    constructor(name: string, args: RegionFleetArgs, opts?: pulumi.ComponentResourceOptions) {
        super("phase-stacks:fleet:RegionFleet", name, {}, opts);
        const { region, stack } = args;
        const labels = (role: "frontend" | "backend" | "lb") => hetznerLabels(stack, role, false, region);
        const child = (old: string, type?: string): pulumi.CustomResourceOptions => ({
            parent: this,
            dependsOn: [args.subnet],
            aliases: [formerly(old, type)],
        });
        const host = (h: FleetHost, role: "frontend" | "backend" | "lb", firewallIds = args.firewallIds) => ({
            durability: "replaceable" as const,
            serverType: h.serverType,
            image: h.image,
            location: args.location,
            sshKeyIds: args.sshKeyIds,
            firewallIds,
            userData: h.userData,
            network: { subnetId: args.subnet.id, ip: h.privateIp },
            labels: labels(role),
        });

        new Server(`${name}-frontend`, host(args.frontend, "frontend"), child("frontend", FLEET_SERVER));
        const group = new SpreadGroup(
            `${name}-backend`,
            { labels: labels("backend") },
            { parent: this, aliases: [formerly("backend")] },
        );
        let previous: pulumi.Resource | undefined;
        args.backends.forEach((b, i) => {
            const server = new Server(
                `${name}-backend-${i + 1}`,
                {
                    ...host(b, "backend"),
                    placementGroupId: group.placementGroupId,
                    ...(previous ? { rollAfter: previous } : {}),
                },
                child(`backend-${i + 1}`, FLEET_SERVER),
            );
            previous = server.server;
        });

        const entry = args.entry;
        if (entry.kind === "hetzner") {
            const lb = new LoadBalancer(
                `${name}-web`,
                {
                    loadBalancerType: entry.loadBalancerType,
                    location: args.location,
                    subnetId: args.subnet.id,
                    privateIp: entry.privateIp,
                    publicInterface: true,
                    targetSelector: roleSelector(stack, "backend", region),
                    services: [
                        {
                            listenPort: entry.port,
                            destinationPort: entry.port,
                            health: { protocol: "http", port: entry.port, tls: true, ...entry.health },
                        },
                    ],
                    labels: labels("lb"),
                },
                child("web"),
            );
            this.entryIpv4 = lb.ipv4;
            this.entryIpv6 = lb.ipv6;
        } else {
            const firewall = new HostFirewall(
                `${name}-web`,
                { rules: entry.rules, labels: labels("lb") },
                child("web", "phase-stacks:hetzner:OriginFirewall"),
            );
            const server = new Server(
                `${name}-web`,
                host(entry.host, "lb", [firewall.firewallId]),
                child("web", FLEET_SERVER),
            );
            this.entryIpv4 = server.ipv4Address;
            this.entryIpv6 = server.ipv6Address;
        }
        this.registerOutputs({ entryIpv4: this.entryIpv4, entryIpv6: this.entryIpv6 });
    }
}
