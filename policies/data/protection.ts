/**
 * Stateful resources cannot be deleted by accident: Pulumi `protect` (the only guard against Pulumi itself),
 * Hetzner delete and rebuild protection (the guard against the console and the API), and Hetzner backups.
 */
import { z } from "zod";
import { PACK_FRAMEWORK, resourcePolicy, type Problem } from "../lib/policy";
import { strings } from "../lib/read";
import { T } from "../lib/typeTokens";
import { statefulReason, statefulRoles, statefulTypes } from "./stateful";

export const statefulProtected = resourcePolicy({
    name: "stateful-protected",
    description:
        "Stateful resources (database and Redis servers, the all-in-one server, volumes, tenant namespaces, CloudNativePG clusters) set Pulumi protect.",
    concern: "data",
    level: "mandatory",
    severity: "critical",
    framework: { ...PACK_FRAMEWORK, id: "PHS-DATA-1" },
    remediation:
        "Pass { protect: true } in the resource options; unprotect deliberately with `pulumi state unprotect` before a planned removal.",
    config: z.strictObject({ statefulRoles, statefulTypes }),
    appliesTo: () => true,
    judge: (r, config) => {
        const why = statefulReason(r, config.statefulRoles, config.statefulTypes);
        return why && r.opts.protect !== true
            ? [
                  {
                      field: "opts.protect",
                      problem: `is not true although ${why}, so a replace or destroy can delete it`,
                      fix: "set protect: true",
                  },
              ]
            : [];
    },
});

const HCLOUD_TYPES: readonly string[] = [T.hcloudServer, T.hcloudVolume];

export const hcloudDeleteProtection = resourcePolicy({
    name: "hcloud-delete-protection",
    description:
        "Stateful hcloud Servers set deleteProtection and rebuildProtection, and every hcloud Volume sets deleteProtection.",
    concern: "data",
    level: "mandatory",
    severity: "high",
    framework: {
        name: "Checkov",
        version: "3",
        id: "CKV_AWS_293 (hcloud analogue)",
        reference: "https://www.checkov.io/5.Policy%20Index/terraform.html",
    },
    remediation:
        "Set deleteProtection: true (and rebuildProtection: true on servers; Hetzner requires both equal).",
    config: z.strictObject({ statefulRoles }),
    appliesTo: (type) => HCLOUD_TYPES.includes(type),
    judge: (r, config) => {
        const why = statefulReason(r, config.statefulRoles, [T.hcloudVolume]);
        if (!why) return [];
        const fields =
            r.type === T.hcloudServer ? ["deleteProtection", "rebuildProtection"] : ["deleteProtection"];
        return fields
            .filter((f) => r.props[f] !== true)
            .map((field): Problem => ({
                field,
                problem: `is not true although ${why}`,
                fix: `set ${field}: true`,
            }));
    },
});

export const hcloudBackups = resourcePolicy({
    name: "hcloud-backups",
    description:
        "Stateful hcloud Servers enable Hetzner backups (7 daily images; they exclude volumes, so Postgres also needs its own backups).",
    concern: "data",
    level: "mandatory",
    severity: "high",
    framework: {
        name: "Prowler",
        version: "5",
        id: "compute_instance_backups_enabled (hcloud analogue)",
        reference: "https://hub.prowler.com/",
    },
    remediation: "Set backups: true on the server, and archive Postgres WAL to object storage.",
    config: z.strictObject({ statefulRoles }),
    appliesTo: (type) => type === T.hcloudServer,
    judge: (r, config) => {
        const why = statefulReason(r, config.statefulRoles, []);
        return why && r.props["backups"] !== true
            ? [{ field: "backups", problem: `is not true although ${why}`, fix: "set backups: true" }]
            : [];
    },
});

export const statefulIgnoreChanges = resourcePolicy({
    name: "stateful-server-ignore-changes",
    description:
        "Stateful hcloud Servers ignore changes to the inputs that force replacement (userData, sshKeys), so a config edit cannot demand a replace that protect then blocks mid-deploy.",
    concern: "data",
    level: "advisory",
    severity: "medium",
    framework: { ...PACK_FRAMEWORK, id: "PHS-DATA-2" },
    remediation:
        'Pass { ignoreChanges: ["userData", "sshKeys"] } and roll config changes out by rebuild or config management.',
    config: z.strictObject({
        statefulRoles,
        fields: z
            .array(z.string())
            .default(["userData", "sshKeys"])
            .describe("Replacement-forcing inputs stateful servers must ignore."),
    }),
    appliesTo: (type) => type === T.hcloudServer,
    judge: (r, config) => {
        if (!statefulReason(r, config.statefulRoles, [])) return [];
        const ignored = strings(r.opts.ignoreChanges);
        const missing = config.fields.filter((f) => !ignored.includes(f));
        return missing.length
            ? [
                  {
                      field: "opts.ignoreChanges",
                      problem: `does not include ${missing.join(", ")}, whose change replaces the server`,
                      fix: `add ${missing.join(", ")}`,
                  },
              ]
            : [];
    },
});
