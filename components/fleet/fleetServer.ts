import * as hcloud from "@pulumi/hcloud";
import * as pulumi from "@pulumi/pulumi";

export interface FleetServerArgs {
    readonly serverType: string;
    readonly image: string;
    readonly location: pulumi.Input<string>;
    readonly sshKeyIds: pulumi.Input<string[]>;
    readonly firewallIds: pulumi.Input<number>[];
    /** Cloud-config; secret when it carries generated credentials. */
    readonly userData: pulumi.Input<string>;
    readonly subnetId: pulumi.Input<string>;
    /** The fixed private address the other hosts' user data already names. */
    readonly privateIp: string;
    readonly placementGroupId?: pulumi.Input<number>;
    /** A DataVolume to attach (its device path is already in the user data). */
    readonly volumeId?: pulumi.Input<number>;
    /** Holds data (a database node): protected, backed up, never replaced by a config edit. */
    readonly stateful: boolean;
    readonly labels: Readonly<Record<string, string>>;
}

/**
 * A server of phases 2-3 on the private network at a fixed address. `aliasIps: []` stops the provider's
 * detach/attach churn. A stateful server gets Hetzner backups, delete and rebuild protection, `protect`, and
 * ignores the inputs that would force a replacement; a stateless one is replaced by a config edit on purpose
 * (new user data means a fresh host), which the load balancer's health checks absorb.
 */
export class FleetServer extends pulumi.ComponentResource {
    public readonly serverId: pulumi.Output<number>;
    public readonly ipv4Address: pulumi.Output<string>;
    public readonly ipv6Address: pulumi.Output<string>;
    public readonly privateIp: string;

    constructor(name: string, args: FleetServerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("phase-stacks:fleet:FleetServer", name, {}, opts);
        const stateful = args.stateful;
        const server = new hcloud.Server(
            `${name}-server`,
            {
                serverType: args.serverType,
                image: args.image,
                location: args.location,
                sshKeys: args.sshKeyIds,
                firewallIds: args.firewallIds,
                userData: args.userData,
                networks: [{ subnetId: args.subnetId, ip: args.privateIp, aliasIps: [] }],
                placementGroupId: args.placementGroupId,
                backups: stateful,
                deleteProtection: stateful,
                rebuildProtection: stateful,
                shutdownBeforeDeletion: true,
                publicNets: [{ ipv4Enabled: true, ipv6Enabled: true }],
                labels: { ...args.labels },
            },
            stateful
                ? {
                      parent: this,
                      protect: true,
                      ignoreChanges: ["userData", "sshKeys", "image", "location", "placementGroupId"],
                  }
                : { parent: this, ignoreChanges: ["location"] },
        );
        this.serverId = server.id.apply(Number);
        if (args.volumeId !== undefined) {
            new hcloud.VolumeAttachment(
                `${name}-volume-attachment`,
                { volumeId: args.volumeId, serverId: this.serverId, automount: false },
                { parent: this },
            );
        }
        this.ipv4Address = server.ipv4Address;
        this.ipv6Address = server.ipv6Address;
        this.privateIp = args.privateIp;
        this.registerOutputs({
            serverId: this.serverId,
            ipv4Address: this.ipv4Address,
            ipv6Address: this.ipv6Address,
        });
    }
}
