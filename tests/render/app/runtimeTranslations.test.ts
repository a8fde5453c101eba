import { describe, expect, it } from "vitest";
import { buildCompose } from "../../../core/render/app/compose";
import { secretFileOwners } from "../../../core/render/app/composeUnit";
import { devContainers } from "../../../core/render/dev/devContainers";
import { renderDevStack } from "../../../core/render/dev/devStack";
import { SECRET_PATHS } from "../../../core/render/base/paths";
import { RUNTIME } from "../../../core/workload/runtime";
import { SERVICE_NAMES } from "../../../core/workload/services";
import { ALL_LOCAL, instanceHosts } from "../../../core/topology/placement";
import { RESERVATIONS, WORKLOAD } from "../fixtures";

const compose = buildCompose({
    workload: WORKLOAD,
    reservationsMb: RESERVATIONS,
    placement: ALL_LOCAL,
    hostnames: { app: "app.example.com", api: "api.example.com" },
    postgres: { database: "app", user: "app", dataDir: "/mnt/data/postgres" },
}).services as Record<string, Record<string, unknown>>;
const dev = devContainers("dev", WORKLOAD, renderDevStack({ workload: WORKLOAD }));

describe("compose and dev containers translate the one runtime table", () => {
    it.each(SERVICE_NAMES)("%s: same networks, limits and scratch paths in both", (name) => {
        const rt = RUNTIME[name];
        for (const c of dev.filter((d) => d.service === name)) {
            expect(c.user).toBe(`${rt.user.uid}:${rt.user.gid}`);
            expect(c.capAdd).toEqual(rt.capabilities);
            expect(c.networks.map((n) => n.network)).toEqual(rt.networks);
            for (const w of rt.writable.filter((p) => p.keeps === "scratch"))
                expect(c.tmpfs[w.path], w.path).toMatch(new RegExp(`size=${w.memoryMb}m$`));
        }
        for (const host of instanceHosts(name, WORKLOAD[name])) {
            const s = compose[host]!;
            expect(s["user"]).toBe(`${rt.user.uid}:${rt.user.gid}`);
            expect(s["read_only"]).toBe(true);
            expect(s["pids_limit"]).toBe(rt.pidsLimit);
            expect(s["cap_add"] ?? []).toEqual(rt.capabilities);
            for (const w of rt.writable.filter((p) => p.keeps === "scratch"))
                expect(s["tmpfs"], w.path).toContain(w.path);
        }
    });

    it("chowns each secret file on the app host to the uid the dev container reads it as", () => {
        const owners = secretFileOwners(ALL_LOCAL);
        expect(owners).toEqual([
            { path: SECRET_PATHS.originCert, uid: RUNTIME.proxy.user.uid },
            { path: SECRET_PATHS.originKey, uid: RUNTIME.proxy.user.uid },
            { path: SECRET_PATHS.postgresPassword, uid: RUNTIME.postgres.user.uid },
            { path: SECRET_PATHS.redisAuth, uid: RUNTIME.redis.user.uid },
            { path: SECRET_PATHS.grafanaAdminPassword, uid: RUNTIME.grafana.user.uid },
            { path: SECRET_PATHS.redisExporterPasswords, uid: RUNTIME.redisExporter.user.uid },
            { path: SECRET_PATHS.alertReceiverCredential, uid: RUNTIME.alertmanager.user.uid },
        ]);
        for (const service of ["postgres", "grafana"] as const) {
            const container = dev.find((c) => c.service === service)!;
            const secret = container.uploads.find((u) => "secret" in u)!;
            const owner = owners.find((o) => o.uid === RUNTIME[service].user.uid)!;
            expect(secret.owner.split(":")[0]).toBe(String(owner.uid));
        }
    });
});
