import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";

/** Generated credentials the services share; RandomPassword results are secrets in state. */
export class ServiceCredentials extends pulumi.ComponentResource {
    public readonly postgresPassword: pulumi.Output<string>;
    public readonly redisPassword: pulumi.Output<string>;
    public readonly meiliMasterKey: pulumi.Output<string>;
    public readonly grafanaAdminPassword: pulumi.Output<string>;

    constructor(name: string, opts?: pulumi.ComponentResourceOptions) {
        super("phase-stacks:secrets:ServiceCredentials", name, {}, opts);
        // Alphanumeric only: these land in env files, redis.conf and connection URLs without quoting.
        const password = (role: string, length: number): pulumi.Output<string> =>
            new random.RandomPassword(`${name}-${role}`, { length, special: false }, { parent: this }).result;
        this.postgresPassword = password("postgres", 32);
        this.redisPassword = password("redis", 32);
        this.meiliMasterKey = password("meilisearch", 40);
        this.grafanaAdminPassword = password("grafana", 24);
        this.registerOutputs({});
    }
}
