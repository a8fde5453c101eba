/**
 * Every file the phase-2 and phase-3 plans ship to a machine, fed to the program that will read it: cloud-init,
 * docker-compose, shellcheck, systemd-analyze, haproxy -c, promtool. Each check is also shown to fail on a broken
 * file. The data tier's daemons started with their files are in ../data/dataTierDaemons.test.ts.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Artifact } from "../../../tools/plan/artifacts";
import { ofKind as byKind, phase23Artifacts } from "../../helpers/phase23Artifacts";
import { runTool } from "../../helpers/tools";
import { HAPROXY_CLUSTER_CA } from "../../../core/render/machines/haproxyHost";
import { originCert } from "../fixtures";
import { cleanup, tempDir } from "../../integration/support";

let artifacts: Artifact[];
let all: Artifact[];

beforeAll(async () => {
    ({ all, distinct: artifacts } = await phase23Artifacts());
}, 120_000);

afterAll(cleanup);

const ofKind = (kind: string, target?: RegExp) => byKind(artifacts, kind, target);

/** Writes artifacts into a temp tree at their target paths, with /etc/phase-stacks and /opt/phase-stacks moved under it. */
function tree(files: readonly Artifact[]): string {
    const root = tempDir("tree");
    for (const f of files) {
        const path = join(root, f.target);
        mkdirSync(dirname(path), { recursive: true });
        writeFileSync(path, relocate(f.content, root), { mode: f.kind === "shell" ? 0o755 : 0o644 });
    }
    return root;
}

function relocate(content: string, root: string): string {
    return content
        .split("/etc/phase-stacks/")
        .join(`${root}/etc/phase-stacks/`)
        .split("/opt/phase-stacks/")
        .join(`${root}/opt/phase-stacks/`);
}

describe("phase 2 and 3 machine files", () => {
    it("every user data passes `cloud-init schema`", () => {
        const docs = ofKind("cloud-config");
        expect(docs.length).toBeGreaterThanOrEqual(6);
        for (const d of docs) {
            const dir = tempDir("ud");
            writeFileSync(join(dir, "user-data"), d.content);
            const r = runTool("cloud-init", ["schema", "--config-file", join(dir, "user-data")]);
            expect(r.output, d.machine).toContain("Valid cloud-config");
        }
        const dir = tempDir("ud-bad");
        writeFileSync(join(dir, "user-data"), `${docs[0]?.content ?? ""}\nruncmd: 3\n`);
        expect(runTool("cloud-init", ["schema", "--config-file", join(dir, "user-data")]).status).not.toBe(0);
    });

    it("every compose project passes `docker-compose config`", () => {
        for (const machine of new Set(ofKind("compose").map((a) => a.machine))) {
            const root = tree(all.filter((a) => a.machine === machine));
            const r = runTool("docker-compose", [
                "-p",
                "phase-stacks",
                "-f",
                join(root, "opt/phase-stacks/compose.yaml"),
                "config",
                "-q",
            ]);
            expect(r.output, machine).toBe("");
            expect(r.status, machine).toBe(0);
        }
    });

    it("every script is shellcheck-clean", () => {
        const scripts = ofKind("shell");
        expect(scripts.map((s) => s.target)).toEqual(
            expect.arrayContaining([
                "/opt/phase-stacks/bin/wal-archive.sh",
                "/opt/phase-stacks/bin/restore-pitr.sh",
                "/opt/phase-stacks/bin/postgres-primary-init.sh",
                "/opt/phase-stacks/bin/role-health.sh",
            ]),
        );
        const root = tree(scripts);
        const r = runTool("shellcheck", ["-x", ...scripts.map((s) => join(root, s.target))]);
        expect(r.output).toBe("");
        expect(r.status).toBe(0);
    });

    it("every systemd unit passes `systemd-analyze verify`", () => {
        // Ubuntu 24.04 ships PostgreSQL 16; this machine has 15 at the same place.
        // Drop-ins (unit.d/*.conf) extend a packaged unit and cannot be verified on their own.
        const units = all
            .filter((a) => a.kind === "systemd" && !/\.d\/[^/]+\.conf$/.test(a.target))
            .map((u) => ({
                ...u,
                content: u.content.split("/usr/lib/postgresql/16/").join("/usr/lib/postgresql/15/"),
            }));
        for (const machine of new Set(units.map((u) => u.machine))) {
            const root = tree([
                ...units.filter((u) => u.machine === machine),
                ...all.filter((s) => s.kind === "shell" && s.machine === machine),
            ]);
            const paths = units.filter((u) => u.machine === machine).map((u) => join(root, u.target));
            const r = runTool("systemd-analyze", ["verify", ...paths]);
            expect(r.output, machine).toBe("");
            expect(r.status, machine).toBe(0);
        }
    });

    it("the HAProxy config (web entry and role endpoints) passes `haproxy -c`, and a broken one does not", () => {
        const [cfg] = ofKind("haproxy");
        expect(cfg?.content).toContain("check-ssl verify required ca-file /etc/haproxy/cluster-ca.pem");
        // HAProxy loads the CA file while checking; the plan's mocked CA is a placeholder, so a real one stands in.
        const content = (cfg?.content ?? "").split(HAPROXY_CLUSTER_CA).join(originCert().certFile);
        const dir = tempDir("haproxy");
        writeFileSync(join(dir, "ok.cfg"), content);
        writeFileSync(join(dir, "bad.cfg"), content.replace("balance roundrobin", "balance sometimes"));
        expect(runTool("haproxy", ["-c", "-f", join(dir, "ok.cfg")]).status).toBe(0);
        expect(runTool("haproxy", ["-c", "-f", join(dir, "bad.cfg")]).status).not.toBe(0);
    });

    it("Prometheus configs pass `promtool check config`", () => {
        for (const p of ofKind("prometheus-config")) {
            const dir = tempDir("prom");
            writeFileSync(join(dir, "prometheus.yml"), p.content);
            const r = runTool("promtool", ["check", "config", join(dir, "prometheus.yml")]);
            expect(r.status, `${p.machine}\n${r.output}`).toBe(0);
        }
    });
});
