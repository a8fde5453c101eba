import * as hcloud from "@pulumi/hcloud";
import * as pulumi from "@pulumi/pulumi";

export interface AdminFirewallArgs {
    readonly sshAllowedCidrs: readonly string[];
    readonly labels: Readonly<Record<string, string>>;
}

/**
 * Inbound rules for a host with no public service (data, backend and frontend servers): SSH from the admin
 * ranges, nothing else. Hetzner firewalls filter only the public interface; the private network carries
 * Postgres, Redis and the load balancers' traffic, and pg_hba admits the private subnet alone.
 */
export class AdminFirewall extends pulumi.ComponentResource {
    public readonly firewallId: pulumi.Output<number>;

    constructor(name: string, args: AdminFirewallArgs, opts?: pulumi.ComponentResourceOptions) {
        super("phase-stacks:network:AdminFirewall", name, {}, opts);
        const firewall = new hcloud.Firewall(
            `${name}-firewall`,
            {
                labels: { ...args.labels },
                rules: [
                    {
                        direction: "in",
                        protocol: "tcp",
                        port: "22",
                        sourceIps: [...args.sshAllowedCidrs],
                        description: "SSH from admin ranges",
                    },
                ],
            },
            { parent: this },
        );
        this.firewallId = firewall.id.apply(Number);
        this.registerOutputs({ firewallId: this.firewallId });
    }
}
