import * as pulumi from "@pulumi/pulumi";
import { FleetServer } from "../fleet/fleetServer";
import { DataVolume } from "../hetzner/dataVolume";

export interface DatabaseNodeArgs {
    readonly serverType: string;
    readonly image: string;
    readonly location: pulumi.Input<string>;
    readonly sshKeyIds: pulumi.Input<string[]>;
    readonly firewallIds: pulumi.Input<number>[];
    readonly subnetId: pulumi.Input<string>;
    readonly privateIp: string;
    readonly placementGroupId?: pulumi.Input<number>;
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
    public readonly server: FleetServer;

    constructor(name: string, args: DatabaseNodeArgs, opts?: pulumi.ComponentResourceOptions) {
        super("phase-stacks:data:DatabaseNode", name, {}, opts);
        const volume = new DataVolume(
            `${name}-postgres`,
            { sizeGb: args.volumeGb, location: args.location, labels: args.labels },
            { parent: this },
        );
        this.server = new FleetServer(
            `${name}-host`,
            {
                serverType: args.serverType,
                image: args.image,
                location: args.location,
                sshKeyIds: args.sshKeyIds,
                firewallIds: args.firewallIds,
                userData: pulumi.secret(args.userData(volume.devicePath)),
                subnetId: args.subnetId,
                privateIp: args.privateIp,
                placementGroupId: args.placementGroupId,
                volumeId: volume.volumeId,
                stateful: true,
                labels: args.labels,
            },
            { parent: this },
        );
        this.registerOutputs({ privateIp: args.privateIp });
    }
}
