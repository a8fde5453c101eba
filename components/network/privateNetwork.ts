import * as hcloud from "@pulumi/hcloud";
import * as pulumi from "@pulumi/pulumi";

export interface PrivateNetworkArgs {
    readonly ipRange: string;
    readonly subnet: string;
    /** The location's network zone (eu-central...): a private network cannot span zones. */
    readonly networkZone: string;
    readonly labels: Readonly<Record<string, string>>;
}

/**
 * The private network every host of phases 2-3 joins. Servers join the subnet, not the network, and must be
 * created after it (`subnet` is exported for `dependsOn`). Delete protection: removing it cuts the data tier off.
 */
export class PrivateNetwork extends pulumi.ComponentResource {
    public readonly networkId: pulumi.Output<number>;
    public readonly subnetId: pulumi.Output<string>;
    public readonly subnet: hcloud.NetworkSubnet;

    constructor(name: string, args: PrivateNetworkArgs, opts?: pulumi.ComponentResourceOptions) {
        super("phase-stacks:network:PrivateNetwork", name, {}, opts);
        const network = new hcloud.Network(
            `${name}-network`,
            { ipRange: args.ipRange, labels: { ...args.labels }, deleteProtection: true },
            { parent: this },
        );
        this.networkId = network.id.apply(Number);
        this.subnet = new hcloud.NetworkSubnet(
            `${name}-subnet`,
            { networkId: this.networkId, type: "cloud", networkZone: args.networkZone, ipRange: args.subnet },
            { parent: this },
        );
        this.subnetId = this.subnet.id;
        this.registerOutputs({ networkId: this.networkId, subnetId: this.subnetId });
    }
}
