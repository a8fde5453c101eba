import * as hcloud from "@pulumi/hcloud";
import * as pulumi from "@pulumi/pulumi";

export interface LoadBalancerServiceSpec {
    readonly listenPort: number;
    readonly destinationPort: number;
    /** Health check per service: a target is used for this port only while its check passes. */
    readonly health:
        | { readonly protocol: "tcp"; readonly port: number }
        | {
              readonly protocol: "http";
              readonly port: number;
              readonly path: string;
              readonly domain?: string;
              readonly tls?: boolean;
          };
}

export interface LoadBalancerArgs {
    readonly loadBalancerType: string;
    readonly location: pulumi.Input<string>;
    readonly subnetId: pulumi.Input<string>;
    /** Its fixed private address (hosts' user data names it). */
    readonly privateIp: string;
    /** False for an internal endpoint: reachable on the private network only. */
    readonly publicInterface: boolean;
    /** hcloud label selector of the targets, e.g. `stack=phase3,role=backend`. */
    readonly targetSelector: string;
    readonly services: readonly LoadBalancerServiceSpec[];
    readonly labels: Readonly<Record<string, string>>;
}

/**
 * A Hetzner load balancer on the private network whose targets are chosen by label and reached at their private
 * addresses, so it does not depend on the servers (no cycle: their user data may name its address). TCP
 * passthrough with an HTTP or TCP health check per service, in 5 s intervals, three misses to take a target out.
 */
export class LoadBalancer extends pulumi.ComponentResource {
    public readonly ipv4: pulumi.Output<string>;
    public readonly ipv6: pulumi.Output<string>;
    public readonly privateIp: string;

    constructor(name: string, args: LoadBalancerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("phase-stacks:fleet:LoadBalancer", name, {}, opts);
        const lb = new hcloud.LoadBalancer(
            `${name}-lb`,
            {
                loadBalancerType: args.loadBalancerType,
                location: args.location,
                algorithm: { type: "round_robin" },
                labels: { ...args.labels },
            },
            { parent: this, ignoreChanges: ["location"] },
        );
        const lbId = lb.id.apply(Number);
        const attachment = new hcloud.LoadBalancerNetwork(
            `${name}-network`,
            {
                loadBalancerId: lbId,
                subnetId: args.subnetId,
                ip: args.privateIp,
                enablePublicInterface: args.publicInterface,
            },
            { parent: this },
        );
        for (const svc of args.services) {
            const h = svc.health;
            new hcloud.LoadBalancerService(
                `${name}-service-${svc.listenPort}`,
                {
                    loadBalancerId: lb.id,
                    protocol: "tcp",
                    listenPort: svc.listenPort,
                    destinationPort: svc.destinationPort,
                    healthCheck: {
                        protocol: h.protocol,
                        port: h.port,
                        interval: 5,
                        timeout: 3,
                        retries: 3,
                        ...(h.protocol === "http"
                            ? {
                                  http: {
                                      path: h.path,
                                      ...(h.domain ? { domain: h.domain } : {}),
                                      tls: h.tls ?? false,
                                      statusCodes: ["2??", "3??"],
                                  },
                              }
                            : {}),
                    },
                },
                { parent: this },
            );
        }
        new hcloud.LoadBalancerTarget(
            `${name}-targets`,
            {
                loadBalancerId: lbId,
                type: "label_selector",
                labelSelector: args.targetSelector,
                usePrivateIp: true,
            },
            { parent: this, dependsOn: [attachment] },
        );
        this.ipv4 = lb.ipv4;
        this.ipv6 = lb.ipv6;
        this.privateIp = args.privateIp;
        this.registerOutputs({ ipv4: this.ipv4, ipv6: this.ipv6 });
    }
}
