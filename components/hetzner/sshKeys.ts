import * as hcloud from "@pulumi/hcloud";
import * as pulumi from "@pulumi/pulumi";

export interface SshKeysArgs {
    /** OpenSSH public key lines of the people allowed to log in as root. */
    readonly publicKeys: readonly string[];
    readonly labels: Readonly<Record<string, string>>;
    /** Fixed Hetzner names by index, for keys others name before they exist (the cluster-autoscaler). */
    readonly keyName?: (index: number) => string;
}

/** The admin SSH keys, registered with Hetzner so servers boot with key-only root login. */
export class SshKeys extends pulumi.ComponentResource {
    public readonly ids: pulumi.Output<string[]>;

    constructor(name: string, args: SshKeysArgs, opts?: pulumi.ComponentResourceOptions) {
        super("phase-stacks:hetzner:SshKeys", name, {}, opts);
        const keys = args.publicKeys.map(
            (publicKey, i) =>
                new hcloud.SshKey(
                    `${name}-${i}`,
                    {
                        publicKey,
                        ...(args.keyName ? { name: args.keyName(i) } : {}),
                        labels: { ...args.labels },
                    },
                    { parent: this },
                ),
        );
        this.ids = pulumi.all(keys.map((k) => k.id));
        this.registerOutputs({ ids: this.ids });
    }
}
