/**
 * The data-tier and fleet renderers refuse bad input with a message that names the field and the fix, never a
 * value that could be a secret; the pure sizing and placement helpers say why a topology cannot work.
 */
import { describe, expect, it } from "vitest";
import { renderHaproxyConfig } from "../../../core/render/app/haproxy";
import { renderPgHba } from "../../../core/render/data/pgHba";
import { renderPgPass } from "../../../core/render/data/pgBootstrap";
import { renderPostgresConf } from "../../../core/render/data/postgresConf";
import { renderRedisNodeConf } from "../../../core/render/data/sentinel";
import { hostAddress, subnetPlan } from "../../../core/topology/subnetPlan";
import { hostMemoryProblem, planHostMemory } from "../../../core/workload/memoryPlan";
import { sentinelHosts } from "../../../core/topology/placements";
import { WORKLOAD } from "../fixtures";

const conf = {
    nodeName: "primary",
    listenAddresses: ["127.0.0.1"],
    port: 5432,
    memoryMb: 2048,
    maxConnections: 100,
    hbaFile: "/etc/phase-stacks/pg_hba.conf",
    replicaNames: ["replica1"],
    synchronousStandbys: [],
    maxSlotWalKeepSizeGb: 20,
    archiveCommand: "/bin/true",
    archiveTimeoutSeconds: 300,
    socketDirectory: "/var/run/postgresql",
};

describe("data-tier renderer input", () => {
    it("names only replicas as synchronous standbys, and only identifiers as slot names", () => {
        expect(() => renderPostgresConf({ ...conf, synchronousStandbys: ["replica9"] })).toThrow(
            /replica9 are not replicas/,
        );
        expect(() => renderPostgresConf({ ...conf, replicaNames: ["Replica-1"] })).toThrow(
            /node name 'Replica-1' must be a lower-case identifier/,
        );
        expect(renderPostgresConf({ ...conf, synchronousStandbys: ["replica1"] })).toContain(
            "synchronous_standby_names = 'ANY 1 (replica1)'",
        );
    });

    it("quotes postgresql.conf strings so a quote cannot end the value", () => {
        expect(renderPostgresConf({ ...conf, archiveCommand: "echo 'x'" })).toContain(
            "archive_command = 'echo ''x'''",
        );
    });

    it("rejects a pg_hba range that is not a CIDR", () => {
        expect(() =>
            renderPgHba({
                database: "app",
                appUser: "app",
                replicationUser: "replicator",
                allowedCidrs: ["10.0.1.0"],
            }),
        ).toThrow(/'10.0.1.0' is not a CIDR/);
    });

    it("escapes the libpq password file and never echoes a password in an error", () => {
        expect(renderPgPass("replicator", "a:b\\c")).toBe("*:*:*:replicator:a\\:b\\\\c\n");
        expect(() => renderPgPass("replicator", "line\nbreak-secret")).toThrow(/must be one line/);
        expect(() =>
            renderRedisNodeConf({
                bind: ["127.0.0.1"],
                port: 6379,
                announceIp: "127.0.0.1",
                dir: "/d",
                maxmemoryMb: 64,
                password: "has space-secret",
            }),
        ).toThrow(/^redis password must be a bare token/);
        try {
            renderPgPass("replicator", "line\nbreak-secret");
        } catch (e) {
            expect(String(e)).not.toContain("break-secret");
        }
    });

    it("refuses an HAProxy health path or backend address the config cannot carry", () => {
        const spec = {
            bind: { address: "0.0.0.0", port: 443 },
            backends: [{ name: "b1", address: "10.0.1.30", port: 443 }],
            health: {
                path: "/health",
                host: "api.example.com",
                tls: true,
                intervalMs: 2000,
                fall: 2,
                rise: 2,
            },
            log: "/dev/log",
            maxconn: 100,
            statsSocket: "/run/haproxy/admin.sock",
        };
        expect(() =>
            renderHaproxyConfig({ ...spec, health: { ...spec.health, path: "/health check" } }),
        ).toThrow(/health path/);
        expect(() => renderHaproxyConfig({ ...spec, backends: [] })).toThrow(/at least one backend/);
        expect(() =>
            renderHaproxyConfig({
                ...spec,
                backends: [{ name: "b1", address: "10.0.1.30 backup", port: 443 }],
            }),
        ).toThrow(/backend address/);
    });
});

describe("topology helpers", () => {
    it("plans fixed addresses in a /24 and refuses anything else", () => {
        const plan = subnetPlan("10.0.1.0/24");
        expect([
            hostAddress(plan, "data"),
            hostAddress(plan, "data", 1),
            hostAddress(plan, "backend", 2),
        ]).toEqual(["10.0.1.100", "10.0.1.101", "10.0.1.32"]);
        expect(() => subnetPlan("10.0.0.0/16")).toThrow(/network.subnet '10.0.0.0\/16' must be an IPv4 \/24/);
        expect(() => hostAddress(plan, "data", 200)).toThrow(/too many data hosts/);
    });

    it("counts native daemons against a host's RAM and names the fix when containers overcommit it", () => {
        const plan = planHostMemory(
            "data",
            WORKLOAD,
            ["meilisearch", "prometheus", "grafana", "nodeExporter"],
            ["postgres", "redis"],
            4,
            1024,
        );
        expect(plan.usableMb).toBe(4096 - 1024 - WORKLOAD.postgres.memoryMb - WORKLOAD.redis.memoryMb);
        expect(hostMemoryProblem(plan, 1.25)).toMatch(
            /^data: container memory limits total \d+ MiB, .* workloadOverrides$/,
        );
        expect(hostMemoryProblem(planHostMemory("tiny", WORKLOAD, [], ["postgres"], 2, 1024), 1.25)).toMatch(
            /choose a larger server type/,
        );
    });

    it("needs three hosts for the Sentinels", () => {
        expect(sentinelHosts(["10.0.1.100", "10.0.1.101"], ["10.0.1.20", "10.0.1.30"])).toEqual([
            "10.0.1.100",
            "10.0.1.101",
            "10.0.1.20",
        ]);
        expect(() => sentinelHosts(["10.0.1.100"], ["10.0.1.20"])).toThrow(/three hosts/);
    });
});
