/**
 * The phase-3 plan: a load balancer in front of two backends and a frontend, a database primary and replica
 * behind per-role internal load balancers, three Sentinels on three hosts; within the seed's budget, free of
 * mandatory policy violations, with the database tier untouched by config edits. Both load balancer kinds.
 */
import { parse } from "yaml";
import { beforeAll, describe, expect, it } from "vitest";
import { statefulChanges } from "../../tools/plan/diff";
import { runPlan, type Plan, type PlanResource } from "../../tools/plan/run";
import { sharedPlanObject } from "../helpers/sharedPlans";
import { shippedStack, withValues } from "../helpers/stackFiles";
import { isStateful, SERVER, splitStackCost } from "./splitStacks";

const P = "phase-stacks";
const base = shippedStack("phase3");
let plan: Plan;
let haproxy: Plan;
beforeAll(async () => {
    // One after the other: the Pulumi runtime the plan runs on is process-global.
    plan = sharedPlanObject("phase3");
    haproxy = await runPlan(withValues(base, { [`${P}:loadBalancer`]: { kind: "haproxy" } }));
}, 60_000);

const ofType = (p: Plan, type: string) => p.resources.filter((r) => r.type === type);
const named = (p: Plan, name: string) => p.resources.find((r) => r.name === name) as PlanResource;
const file = (machine: string, target: string) =>
    plan.artifacts.find((a) => a.machine === machine && a.target === target)?.content ?? "";
const LB = "hcloud:index/loadBalancer:LoadBalancer";

describe("phase3 plan", () => {
    it("runs the seed's fleet: 2 backends and a frontend (cx23), a primary and a replica (cx33), spread", () => {
        const servers = ofType(plan, SERVER).filter((s) => !s.name.startsWith("agents-"));
        expect(servers.map((s) => [s.name, s.inputs["serverType"]]).sort()).toEqual([
            ["db-primary-host-server", "cx33"],
            ["db-replica1-host-server", "cx33"],
            ["eu-central-backend-1-server", "cx23"],
            ["eu-central-backend-2-server", "cx23"],
            ["eu-central-frontend-server", "cx23"],
        ]);
        const groups = ofType(plan, "hcloud:index/placementGroup:PlacementGroup").filter(
            (g) => g.inputs["type"] === "spread",
        );
        expect(groups.length).toBeGreaterThanOrEqual(2);
        for (const name of ["db-primary-host-server", "db-replica1-host-server"]) {
            const s = named(plan, name);
            expect(s.protect, name).toBe(true);
            expect(s.inputs, name).toMatchObject({ backups: true, deleteProtection: true });
            expect(s.inputs["placementGroupId"]).toBeDefined();
        }
        expect(named(plan, "eu-central-backend-1-server").protect).toBe(false);
    });

    it("fronts the backends with an lb11 whose HTTPS health check targets them by label at private addresses", () => {
        const lb = named(plan, "eu-central-web-lb");
        expect(lb.inputs).toMatchObject({ loadBalancerType: "lb11", algorithm: { type: "round_robin" } });
        expect(named(plan, "eu-central-web-network").inputs).toMatchObject({
            enablePublicInterface: true,
            ip: "10.0.1.2",
        });
        expect(named(plan, "eu-central-web-targets").inputs).toMatchObject({
            type: "label_selector",
            labelSelector: "stack=phase3,role=backend,region=eu-central",
            usePrivateIp: true,
        });
        expect(named(plan, "eu-central-web-service-443").inputs).toMatchObject({
            protocol: "tcp",
            listenPort: 443,
            healthCheck: {
                protocol: "http",
                port: 443,
                http: { path: "/health", domain: "api.example.com", tls: true },
            },
        });
    });

    it("gives the data tier writer and reader endpoints that only the node holding the role passes", () => {
        for (const role of ["writer", "reader"]) {
            expect(named(plan, `db-${role}-network`).inputs).toMatchObject({ enablePublicInterface: false });
            expect(named(plan, `db-${role}-targets`).inputs).toMatchObject({
                labelSelector: "stack=phase3,role=database,region=eu-central",
                usePrivateIp: true,
            });
        }
        const check = (name: string) =>
            named(plan, name).inputs["healthCheck"] as { port: number; http: { path: string; tls: boolean } };
        // PgBouncer follows Patroni's roles (its REST API over TLS); Redis follows the role responder.
        expect(
            [
                check("db-writer-service-6432"),
                check("db-writer-service-6379"),
                check("db-reader-service-6432"),
            ].map((c) => [c.port, c.http.path, c.http.tls]),
        ).toEqual([
            [8008, "/primary", true],
            [8009, "/redis-primary", false],
            [8008, `/replica?lag=${16 * 1024 * 1024}`, true],
        ]);
        // The backends reach Postgres (PgBouncer) and Redis through the writer endpoint, so a promotion needs no change on them.
        expect(file("eu-central-backend-1-server", "/opt/phase-stacks/compose.yaml")).not.toMatch(
            /^ {2}postgres:/m,
        );
    });

    it("runs Patroni on every node: synchronous, slots with capped WAL, pg_rewind, pg_hba narrowed to its hosts", () => {
        const yml = (m: string) =>
            parse(file(m, "/etc/phase-stacks/secrets/patroni.yml")) as {
                name: string;
                etcd3: { hosts: string[] };
                bootstrap: {
                    dcs: Record<string, unknown> & { postgresql: { parameters: Record<string, unknown> } };
                };
                postgresql: { pg_hba: string[] };
                watchdog: { mode: string };
            };
        const [first, second] = [yml("db-primary-host-server"), yml("db-replica1-host-server")];
        expect([first.name, second.name]).toEqual(["pg1", "pg2"]);
        expect(first.etcd3.hosts).toEqual(["10.0.1.100:2379", "10.0.1.101:2379", "10.0.1.20:2379"]);
        expect(first.bootstrap.dcs).toMatchObject({
            synchronous_mode: true,
            synchronous_mode_strict: false,
            failsafe_mode: true,
            postgresql: { use_pg_rewind: true, use_slots: true },
        });
        expect(first.bootstrap.dcs.postgresql.parameters["max_slot_wal_keep_size"]).toBe("20GB");
        expect(first.watchdog.mode).toBe("automatic");
        // Replication from the database nodes only, the application from its hosts only: no subnet-wide line.
        expect(second.postgresql.pg_hba).toContain("host replication replicator 10.0.1.100/32 scram-sha-256");
        expect(second.postgresql.pg_hba).toContain("host app app 10.0.1.30/32 scram-sha-256");
        expect(second.postgresql.pg_hba.join("\n")).not.toContain("10.0.1.0/24");
        // The frontend is etcd's third member; the manual promote script is gone.
        expect(file("eu-central-frontend-server", "/etc/phase-stacks/etcd-new.yml")).toContain(
            "initial-cluster: pg1=https://10.0.1.100:2380,pg2=https://10.0.1.101:2380,frontend=https://10.0.1.20:2380",
        );
        expect(plan.artifacts.some((a) => a.target.endsWith("postgres-promote.sh"))).toBe(false);
    });

    it("runs three Sentinels on three different hosts, all watching the primary", () => {
        const sentinels = plan.artifacts.filter((a) => a.kind === "sentinel-conf");
        expect(new Set(sentinels.map((s) => s.machine)).size).toBe(3);
        for (const s of sentinels)
            expect(s.content).toContain("sentinel monitor phase-stacks 10.0.1.100 6379 2");
    });

    it("backs up hourly with the phase's 30-day retention", () => {
        expect(
            file("db-primary-host-server", "/etc/systemd/system/phase-stacks-data-backup.timer"),
        ).toContain("OnCalendar=*-*-* *:05:00");
        expect(file("db-primary-host-server", "/opt/phase-stacks/bin/base-backup.sh")).toContain(
            "readonly retention_days=30",
        );
    });

    it("with loadBalancer.kind haproxy, runs the seed's HAProxy server (CPX21 is now cpx22) behind the origin firewall", () => {
        expect(ofType(haproxy, LB)).toEqual([]);
        expect(named(haproxy, "eu-central-web-server").inputs["serverType"]).toBe("cpx22");
        const cfg = haproxy.artifacts.find((a) => a.kind === "haproxy")?.content ?? "";
        expect(cfg).toMatch(
            /server backend-1 10\.0\.1\.30:443 check\n {4}server backend-2 10\.0\.1\.31:443 check/,
        );
        // The role endpoints on its private address: Patroni's checks pick the primary and the replicas.
        const lbIp = "10.0.1.2";
        const section = (name: string) => cfg.split(`listen ${name}\n`)[1]?.split("\n\n")[0] ?? "";
        expect(section("writer")).toContain(`bind ${lbIp}:6432`);
        expect(section("writer")).toContain("http-check send meth OPTIONS uri /primary");
        expect(section("reader")).toContain(`bind ${lbIp}:6433`);
        expect(section("reader")).toMatch(/uri \/replica\?lag=\d+/);
        expect(section("redis-writer")).toContain(`bind ${lbIp}:6379`);
        expect(section("redis-writer")).toContain("check port 8009");
        for (const s of ["writer", "reader"])
            expect(section(s)).toMatch(/server pg1 10\.0\.1\.\d+:6432 check port 8008\n {4}server pg2 /);
        expect(haproxy.artifacts.some((a) => a.target === "/etc/haproxy/cluster-ca.pem")).toBe(true);
        // The app hosts reach Postgres and Redis through it.
        const env = haproxy.artifacts.find(
            (a) => a.machine === "eu-central-backend-1-server" && a.target.endsWith("/app.env"),
        );
        expect(env?.content).toContain(`@${lbIp}:6432/`);
        expect(env?.content).not.toContain("10.0.1.3:");
        const rules = named(haproxy, "eu-central-web-firewall").inputs["rules"] as { port: string }[];
        expect(rules.map((r) => r.port)).toEqual(["22", "80", "443"]);
    });

    it("costs less than the seed's EUR 65.35 either way (without the ClawHQ agent pools), with no mandatory violation", () => {
        for (const p of [plan, haproxy]) {
            expect(splitStackCost(p)).toBeLessThanOrEqual(65.35);
            expect(p.cost.unpriced).toEqual([]);
            expect(p.policy.violations.filter((v) => v.level === "mandatory")).toEqual([]);
        }
    });
});

const EDITS: Record<string, Record<string, unknown>> = {
    "three backends, synchronous replication, HAProxy": {
        [`${P}:servers`]: {
            app: { type: "cx23" },
            backend: { type: "cx23", count: 3 },
            frontend: { type: "cx23" },
            database: { type: "cx33" },
            lb: { type: "cpx22" },
        },
        [`${P}:replication`]: { replicas: 1, synchronous: true },
        [`${P}:loadBalancer`]: { kind: "haproxy" },
    },
    "a second replica, bigger database servers and volumes": {
        [`${P}:servers`]: { app: { type: "cx23" }, frontend: { type: "cx23" }, database: { type: "cx43" } },
        [`${P}:replication`]: { replicas: 2 },
        [`${P}:postgres`]: { volumeGb: 100 },
    },
    "new image, SSH keys, hostnames and application images": {
        [`${P}:servers`]: {
            app: { type: "cx23", image: "debian-12" },
            frontend: { type: "cx23", image: "debian-12" },
            database: { type: "cx33", image: "debian-12" },
        },
        [`${P}:admin`]: {
            sshPublicKeys: [
                "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGrmxnwCbR8z6DFr8BApfwxtwZm0UpAqtd+rDtI7PLTV second@example.com",
            ],
            sshAllowedCidrs: ["198.51.100.0/24"],
        },
        [`${P}:edge`]: { zone: "example.org", zoneId: "fedcba9876543210fedcba9876543210" },
        // The stack file's crawler override, which the edit replaces with the whole map.
        [`${P}:workloadOverrides`]: {
            api: { image: "ghcr.io/acme/api:3.0.0" },
            crawler: { memoryMb: 1472 },
        },
    },
};

describe("phase3 database tier across config edits", () => {
    it.each(Object.keys(EDITS))(
        "%s: no database node or volume is deleted or replaced",
        async (edit) => {
            const before = plan.resources.filter(isStateful);
            expect(before.map((r) => r.name)).toEqual(
                expect.arrayContaining([
                    "db-primary-host-server",
                    "db-replica1-host-server",
                    "db-primary-postgres-volume",
                    "db-replica1-postgres-volume",
                ]),
            );
            const after = await runPlan(withValues(base, EDITS[edit] ?? {}));
            expect(statefulChanges(before, after.resources)).toEqual([]);
        },
        60_000,
    );
});
