import * as hcloud from "@pulumi/hcloud";
import * as pulumi from "@pulumi/pulumi";

/** A spread placement group: its servers land on different physical hosts (at most 10 per group). */
export class SpreadGroup extends pulumi.ComponentResource {
    public readonly placementGroupId: pulumi.Output<number>;

    constructor(
        name: string,
        args: { readonly labels: Readonly<Record<string, string>> },
        opts?: pulumi.ComponentResourceOptions,
    ) {
        super("phase-stacks:fleet:SpreadGroup", name, {}, opts);
        const group = new hcloud.PlacementGroup(
            `${name}-placement`,
            { type: "spread", labels: { ...args.labels } },
            { parent: this },
        );
        this.placementGroupId = group.id.apply(Number);
        this.registerOutputs({ placementGroupId: this.placementGroupId });
    }
}
