/**
 * The credentials a cloud phase's hosts share: passwords generated once per stack (resource "services"), the
 * backup keys from secret config, and the origin certificate. They reach hosts only as 0600 files.
 */
import * as pulumi from "@pulumi/pulumi";
import type { OriginCertificate } from "../../components/edge/originCertificate";
import { ServiceCredentials } from "../../components/secrets/serviceCredentials";

/** Lengths of the generated passwords every phase needs; alphanumeric, see ServiceCredentials. */
export const SERVICE_PASSWORDS = {
    postgresPassword: 32,
    redisPassword: 32,
    meiliMasterKey: 40,
    grafanaAdminPassword: 24,
} as const;
/** Phases with a replica also need the replication role's password. */
export const REPLICATED_SERVICE_PASSWORDS = { ...SERVICE_PASSWORDS, replicationPassword: 32 } as const;

export type StackSecrets<K extends string> = Record<
    | K
    | "backupAccessKeyId"
    | "backupSecretAccessKey"
    | "originCertPem"
    | "originKeyPem"
    | "alertReceiverCredential",
    string
>;

export function stackSecrets<K extends string>(
    lengths: Readonly<Record<K, number>>,
    origin: OriginCertificate,
): pulumi.Output<StackSecrets<K>> {
    const config = new pulumi.Config();
    const inputs: Record<string, pulumi.Input<string>> = {
        ...new ServiceCredentials("services", { lengths }).values,
        backupAccessKeyId: config.requireSecret("backupAccessKeyId"),
        backupSecretAccessKey: config.requireSecret("backupSecretAccessKey"),
        originCertPem: origin.certificatePem,
        originKeyPem: origin.privateKeyPem,
        // Required by the config check whenever alertReceiver is set; without a receiver nothing reads it.
        alertReceiverCredential: config.getSecret("alertReceiverCredential") ?? "",
    };
    return pulumi.output(inputs) as pulumi.Output<StackSecrets<K>>;
}
