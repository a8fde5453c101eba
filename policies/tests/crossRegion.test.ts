/**
 * Phase 4's cross-region replication checks: the tables (pass and fail fixtures for every rule), the pg_hba and
 * listen readers on their own, and phase 3's real database servers, whose patroni.yml must be read (not skipped)
 * and pass, together with the data ports' firewall policy.
 */
import { describe, expect, it } from "vitest";
import { PATRONI_CONFIG_SECRET } from "../../core/render/data/patroniNode";
import { sharedPlanObject } from "../../tests/helpers/sharedPlans";
import { patroniConfigOf } from "../data/patroniConfig";
import { parseHbaLine } from "../data/pgHba";
import {
    listenHosts,
    publicListenTls,
    publicReplicationHostsslCert,
    standbyVerifyFull,
} from "../data/replication";
import type { PolicyResource } from "../evaluate";
import { runPolicy } from "../lib/run";
import { T } from "../lib/typeTokens";
import { dataPortsExactPeers } from "../network/dataPorts";
import { runTable } from "./table";
import {
    CROSS_REGION_TABLES,
    databaseUserData,
    PRIMARY_PATRONI_YML,
    STANDBY_PATRONI_YML,
} from "./tables/crossRegion";

for (const t of CROSS_REGION_TABLES) runTable(t);

const CROSS_REGION = [dataPortsExactPeers, standbyVerifyFull, publicReplicationHostsslCert, publicListenTls];

describe("parseHbaLine", () => {
    it("reads a cross-region row", () => {
        expect(
            parseHbaLine(
                "hostssl replication replicator 198.51.100.21/32 scram-sha-256 clientcert=verify-full",
            ),
        ).toEqual({
            type: "hostssl",
            replication: true,
            user: "replicator",
            address: "198.51.100.21/32",
            publicSource: true,
            method: "scram-sha-256",
            options: { clientcert: "verify-full" },
        });
    });

    it.each([
        ["local replication postgres peer", { replication: true, address: undefined, method: "peer" }],
        ["host all all 0.0.0.0/0 reject", { replication: false, publicSource: true, method: "reject" }],
        ['host "replication" app 203.0.113.0/24 md5', { replication: false }],
        ["host @dbs app 203.0.113.0/24 md5", { replication: true }],
        ["host replication r 10.0.0.0 255.0.0.0 md5", { address: "10.0.0.0 255.0.0.0", publicSource: false }],
        ["host replication r 10.0.0.0 255.0.255.0 md5", { publicSource: true }],
        ["host replication r 10.0.0.0/8 md5 # 203.0.113.0/24", { publicSource: false, options: {} }],
        ['host replication r "samehost" md5', { publicSource: true }],
        ["host replication r samehost md5", { publicSource: false }],
        ["host replication r fd00::/8 md5", { publicSource: false }],
    ])("%s", (line, expected) => {
        expect(parseHbaLine(line)).toMatchObject(expected);
    });

    it.each(["", "# a comment", "include pg_hba.d/extra.conf", "host replication", "hostssl replication r"])(
        "skips %j",
        (line) => {
            expect(parseHbaLine(line)).toBeUndefined();
        },
    );
});

describe("listenHosts", () => {
    it.each([
        ["10.0.1.11:5432", ["10.0.1.11"]],
        ["10.0.1.11,203.0.113.11:5432", ["10.0.1.11", "203.0.113.11"]],
        ["[::]:5432", ["::"]],
        ["10.0.1.11, 2001:db8::11:5432", ["10.0.1.11", "2001:db8::11"]],
        ["*:5432", ["*"]],
    ])("%s", (listen, hosts) => {
        expect(listenHosts(listen)).toEqual(hosts);
    });
});

describe("the patroni.yml fixtures", () => {
    it("are read from the user data as the policies read them", () => {
        for (const yml of [PRIMARY_PATRONI_YML, STANDBY_PATRONI_YML]) {
            const reading = patroniConfigOf(databaseUserData(yml));
            expect(reading && "doc" in reading && reading.doc["scope"]).toMatch(/^phase4-/);
        }
    });
});

describe("phase 3's shipped database servers", () => {
    const plan = sharedPlanObject("phase3");
    const userData = new Map(
        plan.artifacts.filter((a) => a.kind === "cloud-config").map((a) => [a.machine, a.content]),
    );
    const resources: PolicyResource[] = plan.resources
        .filter((r) => r.type === T.hcloudServer || r.type === T.hcloudFirewall)
        .map((r) => ({
            type: r.type,
            name: r.name,
            urn: r.urn,
            props: { ...r.inputs, ...(userData.has(r.name) ? { userData: userData.get(r.name) } : {}) },
        }));
    const databases = resources.filter((r) => patroniConfigOf(r.props["userData"]) !== undefined);

    it("ship a readable patroni.yml the policies judge", () => {
        expect(databases.map((r) => r.name).sort()).toEqual([
            "db-primary-host-server",
            "db-replica1-host-server",
        ]);
        for (const r of databases) expect(patroniConfigOf(r.props["userData"])).toHaveProperty("doc");
    });

    it("pass every cross-region policy", () => {
        const found = CROSS_REGION.flatMap((p) => runPolicy(p, resources, { phase: "phase3" }));
        expect(found.map((v) => v.message)).toEqual([]);
    });

    it("fail once their file admits replication from a public address", () => {
        const edited = databases.map((r) => {
            const reading = patroniConfigOf(r.props["userData"]);
            const doc = reading && "doc" in reading ? reading.doc : {};
            const postgresql = doc["postgresql"] as Record<string, unknown>;
            const yml = JSON.stringify({
                ...doc,
                postgresql: {
                    ...postgresql,
                    pg_hba: ["host replication replicator 198.51.100.21/32 scram-sha-256"],
                    listen: "0.0.0.0:5432",
                },
            });
            return { ...r, props: { ...r.props, userData: databaseUserData(yml) } };
        });
        const found = [publicReplicationHostsslCert, publicListenTls].flatMap((p) =>
            runPolicy(p, edited, { phase: "phase3" }),
        );
        expect(found).toHaveLength(databases.length * 3);
        expect(found.map((v) => v.message).join("\n")).toContain(
            `(${PATRONI_CONFIG_SECRET}) postgresql.pg_hba[0]`,
        );
    });
});
