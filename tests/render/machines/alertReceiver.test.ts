/**
 * A monitoring host with a receiver configured: alertmanager.yml names the compose secret the credential is
 * mounted at, never the credential, and passes amtool; the credential travels only in its 0600 secret file.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import {
    CONTAINER_PATHS,
    COMPOSE_FILE,
    HOST_PATHS,
    SECRET_PATHS,
    UNITS,
} from "../../../core/render/base/paths";
import type { AlertReceiverSpec } from "../../../core/render/monitoring/alertmanager";
import { renderAppHost } from "../../../core/render/machines/appHost";
import { runTool } from "../../helpers/tools";
import { fileAt, phase1Spec, removeDir, tempDir } from "../fixtures";

const dirs: string[] = [];
afterAll(() => dirs.forEach(removeDir));

const RECEIVERS: readonly AlertReceiverSpec[] = [
    {
        kind: "email",
        to: "ops@example.com",
        from: "alerts@example.com",
        smarthost: "smtp.example.com:587",
        username: "alerts@example.com",
    },
    { kind: "webhook", url: "https://hooks.example.com/alerts" },
];

describe.each(RECEIVERS)("the phase-1 host with a $kind receiver", (receiver) => {
    const spec = phase1Spec({ alertReceiver: receiver });
    const credential = spec.secrets.alertReceiverCredential;
    const { files } = renderAppHost(spec);
    const config = fileAt(files, HOST_PATHS.alertmanagerConfig).content;

    it("sends to it, reading the credential from the compose secret, and passes `amtool check-config`", () => {
        const r0 = (parse(config) as { receivers: Record<string, unknown>[] }).receivers[0]!;
        const integration = (
            r0[receiver.kind === "email" ? "email_configs" : "webhook_configs"] as object[]
        )[0];
        expect(JSON.stringify(integration)).toContain(CONTAINER_PATHS.alertReceiverCredential);
        expect(config).not.toContain(credential);
        const dir = tempDir("am-receiver");
        dirs.push(dir);
        writeFileSync(join(dir, "alertmanager.yml"), config);
        const r = runTool("amtool", ["check-config", join(dir, "alertmanager.yml")]);
        expect(r.status, r.output).toBe(0);
    });

    it("ships the credential only in its secret file, mounted into Alertmanager and owned by its user", () => {
        expect(fileAt(files, SECRET_PATHS.alertReceiverCredential)).toMatchObject({
            content: credential,
            permissions: "0600",
            secret: true,
        });
        expect(files.filter((f) => f.content.includes(credential)).map((f) => f.path)).toEqual([
            SECRET_PATHS.alertReceiverCredential,
        ]);
        const compose = parse(fileAt(files, COMPOSE_FILE).content) as {
            services: { alertmanager: { secrets: { source: string; target: string }[] } };
            secrets: Record<string, { file: string }>;
        };
        expect(compose.services.alertmanager.secrets).toEqual([
            { source: "alertReceiverCredential", target: CONTAINER_PATHS.alertReceiverCredential },
        ]);
        expect(compose.secrets["alertReceiverCredential"]).toEqual({
            file: SECRET_PATHS.alertReceiverCredential,
        });
        expect(fileAt(files, `/etc/systemd/system/${UNITS.compose}`).content).toContain(
            `/usr/bin/chown 65534 ${SECRET_PATHS.alertReceiverCredential}`,
        );
    });
});

describe("the phase-1 host without a receiver", () => {
    it("keeps alerts in Alertmanager (a receiver with no integration) and ships the credential file empty", () => {
        const { files } = renderAppHost(
            phase1Spec({ secrets: { ...phase1Spec().secrets, alertReceiverCredential: "" } }),
        );
        const config = parse(fileAt(files, HOST_PATHS.alertmanagerConfig).content) as { receivers: object[] };
        expect(config.receivers).toEqual([{ name: "operators" }]);
        expect(fileAt(files, SECRET_PATHS.alertReceiverCredential).content).toBe("");
    });
});
