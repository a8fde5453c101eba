import { afterAll, describe, expect, it } from "vitest";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import {
    SEVERITIES,
    renderAlertmanagerConfig,
    type AlertReceiver,
} from "../../../core/render/monitoring/alertmanager";
import { MIGRATION_ALERT, renderAlertRules } from "../../../core/render/monitoring/alertRules";
import { renderPrometheusConfig } from "../../../core/render/monitoring/prometheus";
import { runTool } from "../../helpers/tools";
import { pyYamlLoad, removeDir, tempDir } from "../fixtures";

const EMAIL: AlertReceiver = {
    kind: "email",
    to: "ops@example.com",
    from: "alerts@example.com",
    smarthost: "smtp.example.com:587",
    username: "alerts",
    passwordFile: "/run/secrets/smtp-password",
};
const WEBHOOK: AlertReceiver = {
    kind: "webhook",
    url: "https://hooks.example.com/alerts",
    tokenFile: "/run/secrets/alert-webhook-token",
};

interface AmConfig {
    route: {
        receiver: string;
        group_by: string[];
        routes: { matchers: string[]; repeat_interval: string }[];
    };
    inhibit_rules: { source_matchers: string[]; target_matchers: string[]; equal: string[] }[];
    receivers: Record<string, unknown>[];
}

const dirs: string[] = [];
afterAll(() => dirs.forEach(removeDir));

function fileOf(name: string, text: string): string {
    const dir = tempDir("am");
    dirs.push(dir);
    const file = join(dir, name);
    writeFileSync(file, text);
    return file;
}

function amtool(...args: string[]) {
    return runTool("amtool", args);
}

describe("alertmanager.yml", () => {
    for (const [label, receiver] of [
        ["email", EMAIL],
        ["webhook", WEBHOOK],
        ["no receiver", undefined],
    ] as const) {
        it(`passes \`amtool check-config\` (${label})`, () => {
            const r = amtool("check-config", fileOf("alertmanager.yml", renderAlertmanagerConfig(receiver)));
            expect(r.output).toContain("SUCCESS");
            expect(r.status).toBe(0);
        });
    }

    it("is rejected by amtool when broken (the check can fail)", () => {
        const text = renderAlertmanagerConfig(EMAIL).replace("group_wait: 30s", "group_wait: thirty");
        expect(amtool("check-config", fileOf("alertmanager.yml", text)).status).not.toBe(0);
    });

    it("names the files that hold the secrets, never a secret", () => {
        const email = parse(renderAlertmanagerConfig(EMAIL)) as AmConfig;
        expect(email.receivers[0]).toMatchObject({
            email_configs: [{ auth_password_file: "/run/secrets/smtp-password", require_tls: true }],
        });
        expect(JSON.stringify(email)).not.toMatch(/auth_password"|auth_secret/);
        const hook = parse(renderAlertmanagerConfig(WEBHOOK)) as AmConfig;
        expect(hook.receivers[0]).toMatchObject({
            webhook_configs: [
                {
                    url: "https://hooks.example.com/alerts",
                    http_config: {
                        authorization: {
                            type: "Bearer",
                            credentials_file: "/run/secrets/alert-webhook-token",
                        },
                    },
                },
            ],
        });
        expect(JSON.stringify(hook)).not.toMatch(/"credentials"|"bearer_token"/);
    });

    it("routes every severity the rules use, with its own repeat interval", () => {
        const c = parse(renderAlertmanagerConfig(WEBHOOK)) as AmConfig;
        const used = new Set(
            [...renderAlertRules("phase1").matchAll(/severity: (\w+)/g)].map((m) => m[1] as string),
        );
        expect(used.size).toBeGreaterThan(0);
        for (const s of used) expect(SEVERITIES as readonly string[]).toContain(s);
        const intervals = c.route.routes.map((r) => r.repeat_interval);
        expect(new Set(intervals).size).toBe(SEVERITIES.length);
        expect(c.route.routes.map((r) => r.matchers)).toEqual(SEVERITIES.map((s) => [`severity="${s}"`]));
    });

    it("routes a scaling trigger and the migration alert to the operators (amtool routes test)", () => {
        const file = fileOf("alertmanager.yml", renderAlertmanagerConfig(WEBHOOK));
        for (const labels of [
            ["alertname=ScalingTriggerCpu", "severity=info", "stack=phase1"],
            [`alertname=${MIGRATION_ALERT}`, "severity=warning", "stack=phase1"],
        ]) {
            const r = amtool(
                "config",
                "routes",
                "test",
                `--config.file=${file}`,
                "--verify.receivers=operators",
                ...labels,
            );
            expect(r.output).toContain("operators");
            expect(r.status).toBe(0);
        }
        const wrong = amtool(
            "config",
            "routes",
            "test",
            `--config.file=${file}`,
            "--verify.receivers=nobody",
            "severity=info",
        );
        expect(wrong.status).not.toBe(0);
    });

    it("the migration alert silences the triggers it counts, in the same stack and transition", () => {
        const c = parse(renderAlertmanagerConfig(undefined)) as AmConfig;
        expect(c.inhibit_rules).toContainEqual({
            source_matchers: [`alertname="${MIGRATION_ALERT}"`],
            target_matchers: ['severity="info"'],
            equal: ["stack", "transition"],
        });
        expect(c.route.group_by).toEqual(["alertname", "stack", "transition"]);
    });

    it("reads the same in a YAML 1.1 reader", () => {
        const text = renderAlertmanagerConfig(EMAIL);
        expect(pyYamlLoad(text)).toEqual(parse(text));
    });
});

describe("prometheus.yml pointing at Alertmanager", () => {
    it("lists the Alertmanager targets and passes `promtool check config`", () => {
        const text = renderPrometheusConfig("phase1", [], [], ["alertmanager:9093"]);
        expect(parse(text)).toMatchObject({
            alerting: { alertmanagers: [{ static_configs: [{ targets: ["alertmanager:9093"] }] }] },
        });
        const r = runTool("promtool", ["check", "config", fileOf("prometheus.yml", text)]);
        expect(r.output).toContain("SUCCESS");
        expect(r.status).toBe(0);
    });

    it("has no alerting section when there is no Alertmanager", () => {
        expect(parse(renderPrometheusConfig("phase1", []))).not.toHaveProperty("alerting");
    });
});
