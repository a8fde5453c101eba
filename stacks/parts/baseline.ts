/**
 * What every cloud phase starts from: the hostnames, the admins' SSH keys, the origin certificate and the
 * credentials the hosts share. Resource names ("admin", "origin", "services") are the same in every phase.
 */
import type * as pulumi from "@pulumi/pulumi";
import { SshKeys } from "../../components/hetzner/sshKeys";
import { hetznerLabels, type Role } from "../../core/contracts/labels";
import type { ExternalCost } from "../../core/cost/model";
import type { CloudStackConfig } from "../../core/config/schema";
import { stackSecrets, type StackSecrets } from "./credentials";
import { edgeHostnames, originCertificate, type Hostnames } from "./edge";

export interface Baseline<K extends string> {
    readonly hostnames: Hostnames;
    readonly sshKeyIds: pulumi.Output<string[]>;
    readonly secrets: pulumi.Output<StackSecrets<K>>;
}

export function baseline<K extends string>(
    c: CloudStackConfig,
    stack: string,
    passwords: Readonly<Record<K, number>>,
    /** The role the keys are labelled with (the phase's first host; a label only). */
    keysRole: Role,
): Baseline<K> {
    const hostnames = edgeHostnames(c);
    const sshKeys = new SshKeys("admin", {
        publicKeys: c.admin.sshPublicKeys,
        labels: hetznerLabels(stack, keysRole),
    });
    const secrets = stackSecrets(passwords, originCertificate(c, hostnames));
    return { hostnames, sshKeyIds: sshKeys.ids, secrets };
}

/** The stack output every cloud phase lists: what it costs outside Pulumi. */
export function externalCosts(c: CloudStackConfig): ExternalCost[] {
    return [
        {
            item: "object storage for backups (outside Pulumi)",
            monthlyEur: c.backup.storageMonthlyEur,
            basis: "unverified",
        },
        ...(c.backup.copy
            ? [
                  {
                      item: `object storage for the backup copy at ${new URL(c.backup.copy.endpoint).hostname} (outside Pulumi)`,
                      monthlyEur: c.backup.storageMonthlyEur,
                      basis: "unverified" as const,
                  },
              ]
            : []),
    ];
}
