/**
 * A real Alertmanager on the rendered config: alerts posted the way Prometheus posts them, read back through
 * its API to check the inhibitions an operator relies on (one message per migration, not one per trigger).
 */
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MIGRATION_ALERT } from "../../core/render/monitoring/alertRules";
import { renderAlertmanagerConfig } from "../../core/render/monitoring/alertmanager";
import { cleanup, startAlertmanager, tempDir, waitFor, writeOwned } from "./support";

const PORT = 25653;
const API = `http://127.0.0.1:${PORT}/api/v2`;

interface ApiAlert {
    labels: Record<string, string>;
    status: { state: string; inhibitedBy: string[] };
}

async function post(alerts: Record<string, string>[]): Promise<void> {
    const r = await fetch(`${API}/alerts`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(alerts.map((labels) => ({ labels }))),
    });
    expect(r.ok, await r.text()).toBe(true);
}

async function stateOf(alertname: string, stack: string): Promise<string | undefined> {
    const alerts = (await (await fetch(`${API}/alerts`)).json()) as ApiAlert[];
    return alerts.find((a) => a.labels["alertname"] === alertname && a.labels["stack"] === stack)?.status
        .state;
}

beforeAll(async () => {
    const dir = tempDir("alertmanager");
    const config = writeOwned(join(dir, "alertmanager.yml"), renderAlertmanagerConfig(undefined), 0o644);
    await startAlertmanager(config, dir, PORT);
});

afterAll(cleanup);

describe("Alertmanager on the rendered config", () => {
    it("the migration alert suppresses its triggers in its stack and transition, not in another stack", async () => {
        const transition = "phase1-to-phase2";
        await post([
            { alertname: "ScalingTriggerCpu", severity: "info", stack: "phase1", transition },
            { alertname: "ScalingTriggerCpu", severity: "info", stack: "other", transition },
            { alertname: MIGRATION_ALERT, severity: "warning", stack: "phase1", transition },
        ]);
        const suppressed = await waitFor(
            "the phase1 trigger to be inhibited",
            async () => ((await stateOf("ScalingTriggerCpu", "phase1")) === "suppressed" ? true : undefined),
            10_000,
        );
        expect(suppressed).toBe(true);
        expect(await stateOf("ScalingTriggerCpu", "other")).toBe("active");
        expect(await stateOf(MIGRATION_ALERT, "phase1")).toBe("active");
    });

    it("a critical alert suppresses the warnings of its stack", async () => {
        await post([
            { alertname: "UptimeProbeFailed", severity: "critical", stack: "phase2" },
            {
                alertname: MIGRATION_ALERT,
                severity: "warning",
                stack: "phase2",
                transition: "phase2-to-phase3",
            },
        ]);
        await waitFor(
            "the phase2 warning to be inhibited",
            async () => ((await stateOf(MIGRATION_ALERT, "phase2")) === "suppressed" ? true : undefined),
            10_000,
        );
        expect(await stateOf("UptimeProbeFailed", "phase2")).toBe("active");
    });
});
