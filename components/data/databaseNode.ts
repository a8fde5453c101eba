import * as pulumi from "@pulumi/pulumi";
import { Server } from "../hetzner/server";
import { DataVolume } from "../hetzner/dataVolume";

export interface DatabaseNodeArgs {
    readonly serverType: string;
    readonly image: string;
    readonly location: pulumi.Input<string>;
    readonly sshKeyIds: pulumi.Input<string[]>;
    readonly firewallIds: pulumi.Input<pulumi.Input<number>[]>;
    readonly subnetId: pulumi.Input<string>;
    readonly privateIp: string;
    readonly placementGroupId?: pulumi.Input<number>;
    /** A reserved primary IPv4 (phase 4): other regions' firewalls and certificates name it before the server exists. */
    readonly primaryIpv4Id?: pulumi.Input<number>;
    readonly volumeGb: number;
    /** The node's cloud-config, given the device path its Volume will have. */
    readonly userData: (volumeDevice: pulumi.Output<string>) => pulumi.Input<string>;
    readonly labels: Readonly<Record<string, string>>;
}

/**
 * One node of the data tier: a protected Volume for PGDATA and a protected server on the private network that
 * mounts it. Phase 2's data server is one of these; phase 3's primary and replicas are several.
 */
export class DatabaseNode extends pulumi.ComponentResource {
    public readonly server: Server;

    constructor(name: string, args: DatabaseNodeArgs, opts?: pulumi.ComponentResourceOptions) {
        super("phase-stacks:data:DatabaseNode", name, {}, opts);
        const volume = new DataVolume(
            `${name}-postgres`,
            { sizeGb: args.volumeGb, location: args.location, labels: args.labels },
            { parent: this },
        );
        this.server = new Server(
            `${name}-host`,
            {
                durability: "stateful",
                serverType: args.serverType,
                image: args.image,
                location: args.location,
                sshKeyIds: args.sshKeyIds,
                firewallIds: args.firewallIds,
                userData: pulumi.secret(args.userData(volume.devicePath)),
                network: { subnetId: args.subnetId, ip: args.privateIp },
                placementGroupId: args.placementGroupId,
                ...(args.primaryIpv4Id !== undefined ? { primaryIpv4Id: args.primaryIpv4Id } : {}),
                volumeId: volume.volumeId,
                labels: args.labels,
            },
            // It was a FleetServer before the server component was one for every phase.
            { parent: this, aliases: [{ type: "phase-stacks:fleet:FleetServer" }] },
        );
        this.registerOutputs({ privateIp: args.privateIp });
    }
}
