import * as pulumi from "@pulumi/pulumi";

/** A phase whose config is valid but whose topology the program does not build yet. */
export class TopologyNotBuiltError extends pulumi.RunError {
    constructor(stack: string, phase: string) {
        super(`${stack}: the ${phase} topology is not built yet; its configuration is valid.`);
    }
}
