import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";

export interface ServiceCredentialsArgs {
    /** Credential name → length. */
    readonly lengths: Readonly<Record<string, number>>;
}

/** Generated credentials the services share; RandomPassword results are secrets in state. */
export class ServiceCredentials<K extends string> extends pulumi.ComponentResource {
    public readonly values: Readonly<Record<K, pulumi.Output<string>>>;

    constructor(
        name: string,
        args: ServiceCredentialsArgs & { readonly lengths: Readonly<Record<K, number>> },
        opts?: pulumi.ComponentResourceOptions,
    ) {
        super("phase-stacks:secrets:ServiceCredentials", name, {}, opts);
        // Alphanumeric only: these land in env files, redis.conf and connection URLs without quoting.
        this.values = Object.fromEntries(
            Object.entries<number>(args.lengths).map(([key, length]) => [
                key,
                new random.RandomPassword(`${name}-${key}`, { length, special: false }, { parent: this })
                    .result,
            ]),
        ) as Record<K, pulumi.Output<string>>;
        this.registerOutputs({});
    }
}
