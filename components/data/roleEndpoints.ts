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
    /** The role responder's port: `/redis-primary`. */
    readonly redisHealthPort: number;
    /** Patroni's REST API (TLS): `/primary`, `/replica?lag=`. */
    readonly patroniRestPort: number;
    /** A replica further behind leaves the reader. */
    readonly readerMaxLagBytes: number;
    readonly labels: Readonly<Record<string, string>>;
}

/**
 * The data tier's writer and reader endpoints, as autobase builds them on Hetzner: one internal load balancer per
 * role over every database node, with a health check that only the node holding the role passes: Patroni's
 * `/primary` and `/replica?lag=` over TLS for PgBouncer, the role responder's `/redis-primary` for Redis. After a
 * failover the checks move the traffic; no client or DNS record changes.
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
        const patroni = (path: string) => ({
            protocol: "http" as const,
            port: args.patroniRestPort,
            path,
            tls: true,
        });
        new LoadBalancer(
            `${name}-writer`,
            {
                ...common,
                privateIp: args.writerIp,
                services: [
                    {
                        listenPort: args.pgbouncerPort,
                        destinationPort: args.pgbouncerPort,
                        health: patroni("/primary"),
                    },
                    {
                        listenPort: args.redisPort,
                        destinationPort: args.redisPort,
                        health: { protocol: "http", port: args.redisHealthPort, path: "/redis-primary" },
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
                        health: patroni(`/replica?lag=${args.readerMaxLagBytes}`),
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
