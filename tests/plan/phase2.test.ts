/**
 * The phase-2 plan: an app server and a data server on a private network, the data server reachable only by SSH
 * from the admin ranges, within the seed's budget, free of mandatory policy violations, and its stateful
 * resources untouched by config edits.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { CLOUDFLARE_RANGES } from "../../core/catalog/cloudflare";
import { statefulChanges } from "../../tools/plan/diff";
import { runPlan, type Plan, type PlanResource } from "../../tools/plan/run";
import { sharedPlanObject } from "../helpers/sharedPlans";
import { shippedStack, withValues } from "../helpers/stackFiles";
import { isStateful, SERVER, splitStackCost } from "./splitStacks";

const P = "phase-stacks";
const base = shippedStack("phase2");
let plan: Plan;
beforeAll(() => {
    plan = sharedPlanObject("phase2");
}, 60_000);

const ofType = (type: string) => plan.resources.filter((r) => r.type === type);
const server = (role: string) =>
    ofType(SERVER).find(
        (r) => (r.inputs["labels"] as Record<string, string>)["role"] === role,
    ) as PlanResource;
const file = (machine: string, target: string) =>
    plan.artifacts.find((a) => a.machine === machine && a.target === target)?.content ?? "";

describe("phase2 plan", () => {
    it("runs the seed's two servers (CX22 is now cx23): an app server and a protected data server", () => {
        expect(
            ofType(SERVER)
                .filter((s) => !s.name.startsWith("agents-"))
                .map((s) => [s.name, s.inputs["serverType"]])
                .sort(),
        ).toEqual([
            ["app-server", "cx23"],
            ["data-host-server", "cx23"],
        ]);
        const data = server("database");
        expect(data.protect).toBe(true);
        expect(data.inputs).toMatchObject({ backups: true, deleteProtection: true, rebuildProtection: true });
        expect(data.ignoreChanges).toEqual(
            expect.arrayContaining(["userData", "sshKeys", "image", "location"]),
        );
        expect(server("app").protect).toBe(false);
        const volume = ofType("hcloud:index/volume:Volume");
        expect(volume.map((v) => [v.protect, v.inputs["deleteProtection"]])).toEqual([[true, true]]);
    });

    it("puts both on one private subnet at fixed addresses, the subnet created first", () => {
        const [subnet] = ofType("hcloud:index/networkSubnet:NetworkSubnet");
        expect(subnet?.inputs).toMatchObject({
            type: "cloud",
            networkZone: "eu-central",
            ipRange: "10.0.1.0/24",
        });
        for (const [role, ip] of [
            ["app", "10.0.1.10"],
            ["database", "10.0.1.100"],
        ] as const) {
            const s = server(role);
            expect(s.inputs["networks"]).toEqual([expect.objectContaining({ ip, aliasIps: [] })]);
            expect(s.dependencies).toContain(subnet?.urn);
        }
    });

    it("opens the app server to Cloudflare and the data server to SSH from the admin ranges only", () => {
        const rules = (name: string) =>
            (ofType("hcloud:index/firewall:Firewall").find((f) => f.name === name)?.inputs["rules"] ??
                []) as { port: string; sourceIps: string[] }[];
        expect(rules("data-firewall").map((r) => [r.port, r.sourceIps])).toEqual([
            ["22", ["203.0.113.0/24", "2001:db8:1234::/48"]],
        ]);
        expect(rules("origin-firewall").map((r) => r.port)).toEqual(["22", "80", "443"]);
        expect(rules("origin-firewall")[1]?.sourceIps).toEqual([...CLOUDFLARE_RANGES]);
    });

    it("runs PgBouncer, Postgres and Redis on the data server's private address, replication from the subnet only", () => {
        expect(file("data-host-server", "/etc/phase-stacks/pgbouncer.ini")).toMatch(
            /listen_addr=127\.0\.0\.1,10\.0\.1\.100\nlisten_port=6432/,
        );
        expect(file("data-host-server", "/etc/phase-stacks/postgresql.conf")).toContain(
            "listen_addresses = '127.0.0.1,10.0.1.100'",
        );
        expect(file("data-host-server", "/etc/phase-stacks/pg_hba.conf")).toMatch(
            /host +replication +replicator +10\.0\.1\.0\/24 +scram-sha-256/,
        );
        // The app reaches Meilisearch published on the data server's private address, and Postgres through PgBouncer.
        expect(file("data-host-server", "/opt/phase-stacks/compose.yaml")).toContain("10.0.1.100:7700:7700");
        const appCompose = file("app-server", "/opt/phase-stacks/compose.yaml");
        expect(appCompose).not.toMatch(/^ {2}(postgres|redis|meilisearch):/m);
        expect(plan.artifacts.filter((a) => a.machine === "app-server").map((a) => a.target)).not.toContain(
            "/etc/phase-stacks/secrets/postgres-password",
        );
    });

    it("archives WAL and takes daily base backups with the phase's 7-day retention", () => {
        expect(file("data-host-server", "/etc/phase-stacks/postgresql.conf")).toContain(
            "archive_command = '/opt/phase-stacks/bin/wal-archive.sh %p %f'",
        );
        expect(file("data-host-server", "/opt/phase-stacks/bin/base-backup.sh")).toContain(
            "readonly retention_days=7",
        );
        expect(file("data-host-server", "/etc/systemd/system/phase-stacks-data-backup.timer")).toContain(
            "OnCalendar=*-*-* 03:15:00",
        );
    });

    it("costs less than the seed's EUR 31.90 (without the ClawHQ agent pools) and has no mandatory policy violation", () => {
        expect(plan.cost.withinBudget).toBe(true);
        expect(splitStackCost(plan)).toBeLessThanOrEqual(31.9);
        expect(plan.cost.unpriced).toEqual([]);
        expect(plan.policy.violations.filter((v) => v.level === "mandatory")).toEqual([]);
    });
});

const EDITS: Record<string, Record<string, unknown>> = {
    "new image and SSH key": {
        [`${P}:servers`]: {
            app: { type: "cx23", image: "debian-12" },
            data: { type: "cx23", image: "debian-12" },
        },
        [`${P}:admin`]: {
            sshPublicKeys: [
                "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGrmxnwCbR8z6DFr8BApfwxtwZm0UpAqtd+rDtI7PLTV second@example.com",
            ],
            sshAllowedCidrs: ["198.51.100.0/24"],
        },
    },
    "bigger data server and volume, other location": {
        [`${P}:location`]: "hel1",
        [`${P}:fallbackLocations`]: ["nbg1"],
        [`${P}:servers`]: { app: { type: "cx23" }, data: { type: "cx33" } },
        [`${P}:postgres`]: { volumeGb: 80 },
    },
    "new application images and backup bucket": {
        [`${P}:workloadOverrides`]: {
            api: { image: "ghcr.io/acme/api:3.0.0" },
            postgres: { memoryMb: 1280 },
            meilisearch: { memoryMb: 512 },
            crawler: { memoryMb: 960 },
        },
        [`${P}:backup`]: {
            endpoint: "https://hel1.your-objectstorage.com",
            bucket: "other-bucket",
            retentionDays: 14,
        },
    },
};

describe("phase2 stateful resources across config edits", () => {
    it.each(Object.keys(EDITS))(
        "%s: the data server and its volume are neither deleted nor replaced",
        async (edit) => {
            const before = plan.resources.filter(isStateful);
            expect(before.map((r) => r.name)).toEqual(
                expect.arrayContaining(["data-host-server", "data-postgres-volume"]),
            );
            const after = await runPlan(withValues(base, EDITS[edit] ?? {}));
            expect(statefulChanges(before, after.resources)).toEqual([]);
        },
        60_000,
    );

    it("would replace the data server if ignoreChanges were gone (the guard is what protects)", async () => {
        const after = await runPlan(withValues(base, EDITS["new image and SSH key"] ?? {}));
        const unguarded = after.resources.map((r) => ({ ...r, ignoreChanges: [] }));
        expect(statefulChanges(plan.resources.filter(isStateful), unguarded).map((c) => c.op)).toContain(
            "replace",
        );
    }, 60_000);
});
