import * as pulumi from "@pulumi/pulumi";
import { LoadBalancer } from "../fleet/loadBalancer";

export interface RoleEndpointsArgs {
    readonly loadBalancerType: string;
    readonly location: pulumi.Input<string>;
    readonly subnetId: pulumi.Input<string>;
    readonly writerIp: string;
    readonly readerIp: string;
    /** Selects every database node; the health checks pick the ones holding each role. */
    readonly targetSelector: string;
    readonly pgbouncerPort: number;
    readonly redisPort: number;
    readonly healthPort: number;
    readonly labels: Readonly<Record<string, string>>;
}

/**
 * The data tier's writer and reader endpoints, as autobase builds them on Hetzner: one internal load balancer per
 * role over every database node, with a health check that only the node holding the role passes (`/primary`,
 * `/replica`, `/redis-primary` from the role responder). After a promotion the checks move the traffic; no
 * client or DNS record changes.
 */
export class RoleEndpoints extends pulumi.ComponentResource {
    public readonly writerIp: string;
    public readonly readerIp: string;

    constructor(name: string, args: RoleEndpointsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("phase-stacks:data:RoleEndpoints", name, {}, opts);
        const common = {
            loadBalancerType: args.loadBalancerType,
            location: args.location,
            subnetId: args.subnetId,
            publicInterface: false,
            targetSelector: args.targetSelector,
            labels: args.labels,
        };
        const check = (path: string) => ({ protocol: "http" as const, port: args.healthPort, path });
        new LoadBalancer(
            `${name}-writer`,
            {
                ...common,
                privateIp: args.writerIp,
                services: [
                    {
                        listenPort: args.pgbouncerPort,
                        destinationPort: args.pgbouncerPort,
                        health: check("/primary"),
                    },
                    {
                        listenPort: args.redisPort,
                        destinationPort: args.redisPort,
                        health: check("/redis-primary"),
                    },
                ],
            },
            { parent: this },
        );
        new LoadBalancer(
            `${name}-reader`,
            {
                ...common,
                privateIp: args.readerIp,
                services: [
                    {
                        listenPort: args.pgbouncerPort,
                        destinationPort: args.pgbouncerPort,
                        health: check("/replica"),
                    },
                ],
            },
            { parent: this },
        );
        this.writerIp = args.writerIp;
        this.readerIp = args.readerIp;
        this.registerOutputs({ writerIp: this.writerIp, readerIp: this.readerIp });
    }
}
