import * as hcloud from "@pulumi/hcloud";
import * as pulumi from "@pulumi/pulumi";
import type { InboundRule } from "../../core/topology/firewallRules";

export interface HostFirewallArgs {
    /** From the pure builders in core/topology/firewallRules.ts (SSH from admins, web from Cloudflare, ...). */
    readonly rules: readonly InboundRule<pulumi.Input<pulumi.Input<string>[]>>[];
    readonly labels: Readonly<Record<string, string>>;
    /** A fixed Hetzner name, for a firewall others name before it exists (the cluster-autoscaler's nodes). */
    readonly firewallName?: string;
    /** Former addresses of the firewall itself when it moved here from another parent. */
    readonly firewallAliases?: pulumi.Input<pulumi.Alias>[];
}

/**
 * One host firewall: inbound rules only (Hetzner filters the public interface; no outbound rule, which would
 * make egress deny-all). Every host of every phase gets one of these, fed by the pure rule builders.
 */
export class HostFirewall extends pulumi.ComponentResource {
    public readonly firewallId: pulumi.Output<number>;

    constructor(name: string, args: HostFirewallArgs, opts?: pulumi.ComponentResourceOptions) {
        super("phase-stacks:hetzner:HostFirewall", name, {}, opts);
        const firewall = new hcloud.Firewall(
            `${name}-firewall`,
            {
                ...(args.firewallName ? { name: args.firewallName } : {}),
                labels: { ...args.labels },
                rules: args.rules.map((r) => ({ ...r })),
            },
            { parent: this, ...(args.firewallAliases ? { aliases: args.firewallAliases } : {}) },
        );
        this.firewallId = firewall.id.apply(Number);
        this.registerOutputs({ firewallId: this.firewallId });
    }
}
