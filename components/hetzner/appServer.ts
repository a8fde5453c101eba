import * as hcloud from "@pulumi/hcloud";
import * as pulumi from "@pulumi/pulumi";

export interface AppServerArgs {
    readonly serverType: string;
    readonly image: string;
    readonly location: pulumi.Input<string>;
    readonly sshKeyIds: pulumi.Input<string[]>;
    readonly firewallIds: pulumi.Input<number>[];
    /** Cloud-config; secret when it carries generated credentials. */
    readonly userData: pulumi.Input<string>;
    /** A DataVolume to attach (its device path is already in the user data). */
    readonly volumeId?: pulumi.Input<number>;
    readonly labels: Readonly<Record<string, string>>;
}

/**
 * A server that holds state (it runs Postgres): Hetzner backups on, delete and rebuild protection, Pulumi
 * `protect`, and the inputs that force a replacement (user data, SSH keys, image, location) ignored after
 * creation, so editing config never rebuilds it. Cloud-init changes reach it by a deliberate rebuild.
 */
export class AppServer extends pulumi.ComponentResource {
    public readonly serverId: pulumi.Output<number>;
    public readonly ipv4Address: pulumi.Output<string>;
    public readonly ipv6Address: pulumi.Output<string>;

    constructor(name: string, args: AppServerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("phase-stacks:hetzner:AppServer", name, {}, opts);
        const server = new hcloud.Server(
            `${name}-server`,
            {
                serverType: args.serverType,
                image: args.image,
                location: args.location,
                sshKeys: args.sshKeyIds,
                firewallIds: args.firewallIds,
                userData: args.userData,
                backups: true,
                deleteProtection: true,
                rebuildProtection: true,
                shutdownBeforeDeletion: true,
                publicNets: [{ ipv4Enabled: true, ipv6Enabled: true }],
                labels: { ...args.labels },
            },
            { parent: this, protect: true, ignoreChanges: ["userData", "sshKeys", "image", "location"] },
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
        this.registerOutputs({
            serverId: this.serverId,
            ipv4Address: this.ipv4Address,
            ipv6Address: this.ipv6Address,
        });
    }
}
