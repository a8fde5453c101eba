import * as hcloud from "@pulumi/hcloud";
import * as pulumi from "@pulumi/pulumi";

export interface OriginFirewallArgs {
    /** Ranges allowed to reach SSH (22). */
    readonly sshAllowedCidrs: readonly string[];
    /** Ranges allowed to reach HTTP and HTTPS: Cloudflare's edge, so the origin cannot be reached around it. */
    readonly webAllowedCidrs: readonly string[];
    readonly labels: Readonly<Record<string, string>>;
}

/**
 * Inbound rules for a public origin server: SSH from admin ranges, 80/443 from the edge, nothing else.
 * No outbound rule is set, because any outbound rule turns Hetzner's egress default to deny-all.
 */
export class OriginFirewall extends pulumi.ComponentResource {
    public readonly firewallId: pulumi.Output<number>;

    constructor(name: string, args: OriginFirewallArgs, opts?: pulumi.ComponentResourceOptions) {
        super("phase-stacks:hetzner:OriginFirewall", name, {}, opts);
        const web = [...args.webAllowedCidrs];
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
                    {
                        direction: "in",
                        protocol: "tcp",
                        port: "80",
                        sourceIps: web,
                        description: "HTTP from Cloudflare",
                    },
                    {
                        direction: "in",
                        protocol: "tcp",
                        port: "443",
                        sourceIps: web,
                        description: "HTTPS from Cloudflare",
                    },
                ],
            },
            { parent: this },
        );
        this.firewallId = firewall.id.apply(Number);
        this.registerOutputs({ firewallId: this.firewallId });
    }
}
