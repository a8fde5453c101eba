/**
 * The backups' textfile metrics across the shipped plans: every Compose host's node exporter reads the textfile
 * directory (its unit creates the bind's source before Compose starts), and every machine that ships a backup
 * script runs it from a unit that creates the directory for the script's user.
 */
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { COMPOSE_FILE, HOST_PATHS, TEXTFILE_COLLECTOR_DIR, UNITS } from "../../core/render/base/paths";
import { TEXTFILE_STATE_DIRECTORY } from "../../core/render/data/backupMetrics";
import { PITR_PATHS } from "../../core/render/data/walArchive";
import type { Plan } from "../../tools/plan/run";
import { SHIPPED_STACKS, sharedPlanObject } from "../helpers/sharedPlans";

const BACKUP_SCRIPTS = [HOST_PATHS.backupScript, PITR_PATHS.baseBackup, PITR_PATHS.redisSnapshot];

interface NodeExporterService {
    command?: string[];
    volumes?: string[];
}

const machinesWith = (plan: Plan, target: string) =>
    plan.artifacts.filter((a) => a.target === target).map((a) => a.machine);
const artifact = (plan: Plan, machine: string, target: string) =>
    plan.artifacts.find((a) => a.machine === machine && a.target === target)?.content ?? "";
const lines = (unit: string) => unit.split("\n");

describe.each(SHIPPED_STACKS)("%s plan: backup metrics", (stack) => {
    it("every Compose host's node exporter reads the textfile directory, which its unit creates first", () => {
        const plan = sharedPlanObject(stack);
        const hosts = machinesWith(plan, COMPOSE_FILE);
        if (stack !== "dev" && stack !== "phase5") expect(hosts.length).toBeGreaterThan(0);
        for (const machine of hosts) {
            const compose = parse(artifact(plan, machine, COMPOSE_FILE)) as {
                services: Record<string, NodeExporterService>;
            };
            const exporter = compose.services["node-exporter"];
            expect(exporter, machine).toBeDefined();
            expect(exporter?.command, machine).toContain("--collector.textfile.directory=/host/textfile");
            expect(exporter?.volumes, machine).toContain(`${TEXTFILE_COLLECTOR_DIR}:/host/textfile:ro`);
            const unit = lines(artifact(plan, machine, `/etc/systemd/system/${UNITS.compose}`));
            const creates = unit.indexOf(`ExecStartPre=/usr/bin/mkdir -p ${TEXTFILE_COLLECTOR_DIR}`);
            expect(creates, machine).toBeGreaterThan(-1);
            expect(creates, machine).toBeLessThan(unit.findIndex((l) => l.endsWith(" create")));
        }
    });

    it("every machine that ships a backup script runs it from a unit that creates the directory", () => {
        const plan = sharedPlanObject(stack);
        for (const script of BACKUP_SCRIPTS)
            for (const machine of machinesWith(plan, script)) {
                expect(artifact(plan, machine, script), `${machine} ${script}`).toMatch(
                    /^\s*record_success /m,
                );
                const units = plan.artifacts.filter(
                    (a) =>
                        a.machine === machine &&
                        a.target.endsWith(".service") &&
                        lines(a.content).includes(`ExecStart=${script}`),
                );
                expect(units.length, `${machine} ${script}`).toBe(1);
                expect(lines(units[0]!.content), `${machine} ${units[0]!.target}`).toContain(
                    `StateDirectory=${TEXTFILE_STATE_DIRECTORY}`,
                );
            }
    });
});
