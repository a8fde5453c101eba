/**
 * alertmanager.yml: where the alerts of core/render/monitoring/alertRules.ts go. Secrets (the SMTP password,
 * the webhook's bearer token) are never written into this file: it names the files the host holds them in,
 * so the rendered config can be logged, diffed and snapshotted. Debian's Alertmanager (0.25) has no webhook
 * `url_file`, so a webhook's URL is plain and its secret travels as a bearer token.
 */
import { MIGRATION_ALERT } from "./alertRules";
import { toYaml } from "../base/yaml";

export type AlertReceiver =
    | {
          readonly kind: "email";
          readonly to: string;
          readonly from: string;
          /** host:port of the SMTP relay. */
          readonly smarthost: string;
          readonly username: string;
          readonly passwordFile: string;
      }
    | { readonly kind: "webhook"; readonly url: string; readonly tokenFile: string };

/** A receiver as the stack configures it; the host names the file its credential is in. */
export type AlertReceiverSpec =
    | Omit<Extract<AlertReceiver, { kind: "email" }>, "passwordFile">
    | Omit<Extract<AlertReceiver, { kind: "webhook" }>, "tokenFile">;

/** The receiver reading its SMTP password or webhook token from `credentialFile`. */
export function receiverWithCredential(spec: AlertReceiverSpec, credentialFile: string): AlertReceiver {
    return spec.kind === "email"
        ? { ...spec, passwordFile: credentialFile }
        : { ...spec, tokenFile: credentialFile };
}

/** Severities the rules label alerts with, most urgent first; each gets its own repeat interval. */
export const SEVERITIES = ["critical", "warning", "info"] as const;
export type Severity = (typeof SEVERITIES)[number];

/**
 * How often an unresolved alert is sent again: an outage every hour, a migration recommendation daily, a
 * single scaling trigger (a fact for the weekly review, not a page) weekly.
 */
const REPEAT_INTERVAL: Readonly<Record<Severity, string>> = {
    critical: "1h",
    warning: "24h",
    info: "168h",
};

const RECEIVER = "operators";
/** Alerts from one stack's one cause arrive as one message, not one per instance. */
const GROUP_BY = ["alertname", "stack", "transition"];

function receiverConfig(r: AlertReceiver | undefined): object {
    if (!r) return { name: RECEIVER };
    if (r.kind === "webhook") {
        return {
            name: RECEIVER,
            webhook_configs: [
                {
                    url: r.url,
                    http_config: { authorization: { type: "Bearer", credentials_file: r.tokenFile } },
                    send_resolved: true,
                },
            ],
        };
    }
    return {
        name: RECEIVER,
        email_configs: [
            {
                to: r.to,
                from: r.from,
                smarthost: r.smarthost,
                auth_username: r.username,
                auth_password_file: r.passwordFile,
                require_tls: true,
                send_resolved: true,
            },
        ],
    };
}

/** `receiver` undefined: alerts are kept and shown in Alertmanager's UI but sent nowhere (the dev stack). */
export function buildAlertmanagerConfig(receiver: AlertReceiver | undefined): object {
    return {
        route: {
            receiver: RECEIVER,
            group_by: GROUP_BY,
            group_wait: "30s",
            group_interval: "5m",
            repeat_interval: REPEAT_INTERVAL.warning,
            routes: SEVERITIES.map((s) => ({
                receiver: RECEIVER,
                matchers: [`severity="${s}"`],
                repeat_interval: REPEAT_INTERVAL[s],
                ...(s === "critical" ? { group_wait: "10s" } : {}),
            })),
        },
        inhibit_rules: [
            // Once the migration alert fires, the triggers it counts are in its message: don't send them again.
            {
                source_matchers: [`alertname="${MIGRATION_ALERT}"`],
                target_matchers: ['severity="info"'],
                equal: ["stack", "transition"],
            },
            // A stack that is down fires everything downstream of it; the outage is the one message that matters.
            // On a cluster, only within the namespace: a critical alert about one volume must not mute the rest.
            // (Alerts without a namespace, the VM phases' all, compare equal on it.)
            {
                source_matchers: ['severity="critical"'],
                target_matchers: ['severity=~"warning|info"'],
                equal: ["stack", "namespace"],
            },
        ],
        receivers: [receiverConfig(receiver)],
    };
}

export function renderAlertmanagerConfig(receiver: AlertReceiver | undefined): string {
    return toYaml(buildAlertmanagerConfig(receiver));
}
