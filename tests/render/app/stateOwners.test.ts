/**
 * The script the compose unit runs before start, run by bash with a fake `docker` and a recording `chown` on PATH:
 * every named volume and the writable Postgres bind go to the user of the service that mounts them.
 */
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { renderStateOwnersScript, stateOwners } from "../../../core/render/app/stateOwners";
import { ALL_LOCAL } from "../../../core/topology/placement";
import { RUNTIME } from "../../../core/workload/runtime";
import { runTool } from "../../helpers/tools";
import { RESERVATIONS, WORKLOAD, removeDir, tempDir } from "../fixtures";

const spec = {
    workload: WORKLOAD,
    reservationsMb: RESERVATIONS,
    placement: ALL_LOCAL,
    hostnames: { app: "app.example.com", api: "api.example.com" },
    postgres: { database: "app", user: "app", dataDir: "/mnt/postgres" },
};
const owner = (name: keyof typeof RUNTIME) => `${RUNTIME[name].user.uid}:${RUNTIME[name].user.gid}`;
const work = tempDir("state-owners");
afterAll(() => removeDir(work));

describe("stateOwners", () => {
    it("owns each named volume and writable bind to its service's user, and no read-only bind", () => {
        expect(stateOwners(spec)).toEqual([
            { of: { volume: "caddy-data" }, owner: owner("proxy") },
            { of: { volume: "caddy-config" }, owner: owner("proxy") },
            { of: { dir: "/mnt/postgres" }, owner: owner("postgres") },
            { of: { volume: "redis-data" }, owner: owner("redis") },
            { of: { volume: "meili-data" }, owner: owner("meilisearch") },
            { of: { volume: "prometheus-data" }, owner: owner("prometheus") },
            { of: { volume: "grafana-data" }, owner: owner("grafana") },
            { of: { volume: "loki-data" }, owner: owner("loki") },
            { of: { volume: "log-agent-data" }, owner: owner("logAgent") },
            { of: { volume: "alertmanager-data" }, owner: owner("alertmanager") },
        ]);
    });

    it("hands each one over when run, looking the volumes up under the project's name", () => {
        const bin = join(work, "bin");
        const volumes = join(work, "volumes");
        mkdirSync(bin, { recursive: true });
        const fake = (name: string, body: string) => {
            writeFileSync(join(bin, name), `#!/usr/bin/env bash\n${body}\n`);
            chmodSync(join(bin, name), 0o755);
        };
        // `docker volume inspect --format ... NAME` prints the volume's directory, made on the spot.
        fake("docker", `mkdir -p "${volumes}/\${!#}" && echo "${volumes}/\${!#}"`);
        fake("chown", `echo "$*" >>"${work}/chown.log"`);
        const pgdata = join(work, "pg");
        mkdirSync(pgdata);
        const script = join(work, "own.sh");
        writeFileSync(
            script,
            renderStateOwnersScript(spec).content.replace("'/mnt/postgres'", `'${pgdata}'`),
        );
        const r = runTool("bash", [script], {
            env: { ...process.env, PATH: `${bin}:${process.env["PATH"]}` },
        });
        expect(r.output).toBe("");
        expect(r.status).toBe(0);
        const log = readFileSync(join(work, "chown.log"), "utf8").trim().split("\n");
        expect(log).toContain(`-R ${owner("proxy")} ${volumes}/phase-stacks_caddy-data`);
        expect(log).toContain(`-R ${owner("meilisearch")} ${volumes}/phase-stacks_meili-data`);
        expect(log).toContain(`-R ${owner("postgres")} ${pgdata}`);
    });
});
