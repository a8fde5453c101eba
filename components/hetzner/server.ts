import * as hcloud from "@pulumi/hcloud";
import * as pulumi from "@pulumi/pulumi";
import { replacingInputsSet } from "../../core/catalog/replacement";

/**
 * How a server lives through config edits:
 * - `stateful`: holds data (Postgres). Protected, Hetzner backups, delete and rebuild protection; every input
 *   that would force a replacement is ignored after creation, so no edit rebuilds it.
 * - `pinned`: holds nothing, but others know it by address (an agent host's primary IP names it in its Docker
 *   certificate). Forcing inputs are ignored too; it is rolled on purpose with `pulumi up --replace`, delete
 *   first, because its addresses cannot be held twice.
 * - `replaceable`: stateless at a fixed private address. A user-data or image edit replaces it, delete first
 *   (a create-first replacement would ask for the private IP its predecessor still holds); the caller rolls
 *   several one at a time (`rollAfter`).
 */
export type Durability = "stateful" | "pinned" | "replaceable";

export interface ServerArgs {
    readonly durability: Durability;
    readonly serverType: string;
    readonly image: string;
    readonly location: pulumi.Input<string>;
    readonly sshKeyIds: pulumi.Input<string[]>;
    readonly firewallIds: pulumi.Input<pulumi.Input<number>[]>;
    /** Cloud-config; secret when it carries credentials. Always an input, never read back from the host. */
    readonly userData: pulumi.Input<string>;
    /**
     * The private network: the subnet and the fixed address other hosts' user data names; without `ip`
     * Hetzner assigns a free one (a Kubernetes node finds its own at boot).
     */
    readonly network?: { readonly subnetId: pulumi.Input<string>; readonly ip?: string };
    readonly placementGroupId?: pulumi.Input<number>;
    /** A reserved primary IPv4 (agent hosts): the address survives the server. */
    readonly primaryIpv4Id?: pulumi.Input<number>;
    /** A DataVolume to attach (its device path is already in the user data). */
    readonly volumeId?: pulumi.Input<number>;
    readonly labels: Readonly<Record<string, string>>;
    /** A replaceable server of a fleet: created (and so replaced) only after this one is up. */
    readonly rollAfter?: pulumi.Resource;
    /** Former addresses of the hcloud server when it moved here from another component. */
    readonly serverAliases?: pulumi.Input<pulumi.Alias>[];
}

const SERVER_TYPE = "hcloud:index/server:Server";

/** The server options each kind gets; exported for the unit tests' expectations. */
export function serverOptions(
    durability: Durability,
    inputs: object,
): Pick<pulumi.CustomResourceOptions, "protect" | "ignoreChanges" | "deleteBeforeReplace"> {
    const forcing = replacingInputsSet(SERVER_TYPE, inputs);
    switch (durability) {
        case "stateful":
            // Moving a data node between placement groups needs it powered off: never as a side effect.
            return { protect: true, ignoreChanges: [...forcing, "placementGroupId"] };
        case "pinned":
            return { ignoreChanges: forcing, deleteBeforeReplace: true };
        case "replaceable":
            // A fallback location chosen later must not move a running host; everything else rolls it.
            return { ignoreChanges: ["location"], deleteBeforeReplace: true };
    }
}

/** A Hetzner server of any phase: public IPv4/IPv6, optionally on the private network and with a volume. */
export class Server extends pulumi.ComponentResource {
    public readonly server: hcloud.Server;
    public readonly serverId: pulumi.Output<number>;
    public readonly ipv4Address: pulumi.Output<string>;
    public readonly ipv6Address: pulumi.Output<string>;

    constructor(name: string, args: ServerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("phase-stacks:hetzner:Server", name, {}, opts);
        const stateful = args.durability === "stateful";
        const inputs: hcloud.ServerArgs = {
            serverType: args.serverType,
            image: args.image,
            location: args.location,
            sshKeys: args.sshKeyIds,
            firewallIds: args.firewallIds,
            userData: args.userData,
            ...(args.network
                ? // `aliasIps: []` stops the provider's detach/attach churn.
                  {
                      networks: [
                          {
                              subnetId: args.network.subnetId,
                              ...(args.network.ip ? { ip: args.network.ip } : {}),
                              aliasIps: [],
                          },
                      ],
                  }
                : {}),
            ...(args.placementGroupId !== undefined ? { placementGroupId: args.placementGroupId } : {}),
            backups: stateful,
            deleteProtection: stateful,
            rebuildProtection: stateful,
            shutdownBeforeDeletion: true,
            publicNets: [
                args.primaryIpv4Id !== undefined
                    ? { ipv4Enabled: true, ipv4: args.primaryIpv4Id, ipv6Enabled: true }
                    : { ipv4Enabled: true, ipv6Enabled: true },
            ],
            labels: { ...args.labels },
        };
        this.server = new hcloud.Server(`${name}-server`, inputs, {
            parent: this,
            ...serverOptions(args.durability, inputs),
            ...(args.rollAfter ? { dependsOn: [args.rollAfter] } : {}),
            ...(args.serverAliases ? { aliases: args.serverAliases } : {}),
        });
        this.serverId = this.server.id.apply(Number);
        if (args.volumeId !== undefined) {
            new hcloud.VolumeAttachment(
                `${name}-volume-attachment`,
                { volumeId: args.volumeId, serverId: this.serverId, automount: false },
                { parent: this },
            );
        }
        this.ipv4Address = this.server.ipv4Address;
        this.ipv6Address = this.server.ipv6Address;
        this.registerOutputs({
            serverId: this.serverId,
            ipv4Address: this.ipv4Address,
            ipv6Address: this.ipv6Address,
        });
    }
}
