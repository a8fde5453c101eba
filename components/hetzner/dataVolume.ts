import * as hcloud from "@pulumi/hcloud";
import * as pulumi from "@pulumi/pulumi";

export interface DataVolumeArgs {
    readonly sizeGb: number;
    readonly location: pulumi.Input<string>;
    readonly labels: Readonly<Record<string, string>>;
}

/**
 * A Hetzner Volume for database files. Server backups skip volumes, so this is where the data must survive:
 * `protect` stops Pulumi deleting or replacing it, Hetzner's delete protection stops the console and API,
 * and changes to inputs that would force a replacement are ignored. Size may grow in place.
 */
export class DataVolume extends pulumi.ComponentResource {
    public readonly volumeId: pulumi.Output<number>;
    /** The stable device path the server mounts (the by-id name embeds the volume id). */
    public readonly devicePath: pulumi.Output<string>;

    constructor(name: string, args: DataVolumeArgs, opts?: pulumi.ComponentResourceOptions) {
        super("phase-stacks:hetzner:DataVolume", name, {}, opts);
        const volume = new hcloud.Volume(
            `${name}-volume`,
            {
                size: args.sizeGb,
                location: args.location,
                format: "ext4",
                automount: false,
                deleteProtection: true,
                labels: { ...args.labels },
            },
            { parent: this, protect: true, ignoreChanges: ["location", "format", "name"] },
        );
        this.volumeId = volume.id.apply(Number);
        this.devicePath = pulumi.interpolate`/dev/disk/by-id/scsi-0HC_Volume_${volume.id}`;
        this.registerOutputs({ volumeId: this.volumeId, devicePath: this.devicePath });
    }
}
