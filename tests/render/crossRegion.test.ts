/**
 * Phase 4's cross-region replication in patroni.yml, pg_hba and the data node's files: what a primary region's
 * and a standby region's node say, that phase 3's output is the same without it, and that bad input is refused
 * with the field named. The loopback servers check the same files in tests/integration/crossRegion.test.ts.
 */
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { Patroni } from "../../core/config/patroni";
import {
    REPLICATION_TLS,
    replicationTlsPathsIn,
    type CrossRegionPatroniSpec,
    type CrossRegionSpec,
    type ReplicationTlsMaterial,
} from "../../core/render/data/crossRegion";
import { renderHaPostgres, type HaPostgresSpec } from "../../core/render/data/haPostgres";
import {
    crossRegionCompatibility,
    patroniConfig,
    renderPatroniYml,
    type PatroniNodeSpec,
} from "../../core/render/data/patroni";
import { PATRONI_UNIT } from "../../core/render/data/patroniNode";
import { renderPgHba } from "../../core/render/data/pgHba";

const EU_PUBLIC = ["203.0.113.11", "203.0.113.12", "203.0.113.13"];
const US_PUBLIC = ["198.51.100.21", "198.51.100.22"];
const TLS = replicationTlsPathsIn("/run/credentials/x");

const base: PatroniNodeSpec = {
    scope: "app-pg-eu",
    name: "pg-eu-1",
    address: "10.0.1.11",
    restPort: 8008,
    pgPort: 5432,
    etcdHosts: ["10.0.1.11:2379", "10.0.1.12:2379", "10.0.1.13:2379"],
    tls: { caFile: "/c/ca.crt", certFile: "/c/node.crt", keyFile: "/c/node.key" },
    timings: { ttlSeconds: 30, loopWaitSeconds: 10, retryTimeoutSeconds: 10 },
    synchronousMode: true,
    synchronousStrict: false,
    maximumLagOnFailoverBytes: 1048576,
    maxSlotWalKeepSizeGb: 20,
    memoryMb: 4096,
    maxConnections: 200,
    dataDir: "/srv/pgdata",
    binDir: "/usr/lib/postgresql/16/bin",
    socketDir: "/var/run/postgresql",
    pgpassFile: "/var/lib/postgresql/.pgpass-patroni",
    hba: {
        database: "app",
        appUser: "app",
        allowedCidrs: ["127.0.0.1/32", "10.0.1.21/32"],
        peerCidrs: ["10.0.1.11/32", "10.0.1.12/32", "10.0.1.13/32"],
    },
    replicationUser: "replicator",
    archiveCommand: "/a %p %f",
    restoreCommand: "/f %f %p",
    archiveTimeoutSeconds: 300,
    postBootstrap: "/init.sh",
    watchdog: "automatic",
    passwords: { superuser: "s", replication: "r", rewind: "w", restApi: "a" },
};

const euX: CrossRegionPatroniSpec = {
    publicAddress: EU_PUBLIC[0] as string,
    tls: TLS,
    peerAddresses: US_PUBLIC,
    standbySlots: ["us_ash"],
};
const usX: CrossRegionPatroniSpec = {
    publicAddress: US_PUBLIC[0] as string,
    tls: TLS,
    peerAddresses: EU_PUBLIC,
    upstream: { hosts: EU_PUBLIC, port: 5432, slotName: "us_ash" },
    standbySlots: [],
};
const eu: PatroniNodeSpec = { ...base, crossRegion: euX };
const us: PatroniNodeSpec = {
    ...base,
    scope: "app-pg-us",
    name: "pg-us-1",
    address: "10.1.1.11",
    etcdHosts: ["10.1.1.11:2379"],
    hba: { ...base.hba, allowedCidrs: ["127.0.0.1/32"], peerCidrs: ["10.1.1.11/32", "10.1.1.12/32"] },
    crossRegion: usX,
};

type Yml = {
    bootstrap: { dcs: Record<string, unknown> & { postgresql: { parameters: Record<string, unknown> } } };
    postgresql: {
        listen: string;
        connect_address: string;
        parameters: Record<string, unknown>;
        authentication: Record<string, Record<string, string>>;
        pg_hba: string[];
    };
    tags: Record<string, unknown>;
};
const yml = (s: PatroniNodeSpec) => parse(renderPatroniYml(s), { version: "1.1" }) as Yml;

/** The cross-region settings taken out again: what is left must be phase 3's file. */
function withoutCrossRegion(y: Yml): unknown {
    const c = structuredClone(y) as Yml & { bootstrap: { pg_hba: string[] } };
    delete c.bootstrap.dcs["standby_cluster"];
    delete c.bootstrap.dcs["slots"];
    for (const k of ["ssl", "ssl_cert_file", "ssl_key_file", "ssl_ca_file", "ssl_min_protocol_version"])
        delete c.postgresql.parameters[k];
    for (const role of ["replication", "rewind"])
        for (const k of ["sslmode", "sslrootcert", "sslcert", "sslkey"])
            delete c.postgresql.authentication[role]?.[k];
    const phase3Hba = (l: string[]) => l.filter((r) => !r.startsWith("hostssl"));
    c.postgresql.pg_hba = phase3Hba(c.postgresql.pg_hba);
    c.bootstrap.pg_hba = phase3Hba(c.bootstrap.pg_hba);
    c.postgresql.listen = c.postgresql.connect_address;
    return c;
}

describe("patroni.yml with crossRegion", () => {
    it("a primary region's node serves TLS 1.3 with the replication CA, listens on its public IP and keeps one permanent slot per standby region", () => {
        const y = yml(eu);
        expect(y.postgresql.listen).toBe("10.0.1.11,203.0.113.11:5432");
        expect(y.postgresql.connect_address).toBe("10.0.1.11:5432");
        expect(y.postgresql.parameters).toMatchObject({
            ssl: "on",
            ssl_cert_file: TLS.certFile,
            ssl_key_file: TLS.keyFile,
            ssl_ca_file: TLS.caFile,
            ssl_min_protocol_version: "TLSv1.3",
        });
        expect(y.bootstrap.dcs["slots"]).toEqual({ us_ash: { type: "physical" } });
        expect(y.bootstrap.dcs["standby_cluster"]).toBeUndefined();
        expect(y.postgresql.authentication["replication"]).toEqual({
            username: "replicator",
            password: "r",
            sslmode: "verify-full",
            sslrootcert: TLS.caFile,
            sslcert: TLS.certFile,
            sslkey: TLS.keyFile,
        });
        expect(y.postgresql.authentication["rewind"]).toMatchObject({
            username: "rewind_user",
            sslmode: "verify-full",
            sslcert: TLS.certFile,
            sslkey: TLS.keyFile,
        });
        // A standby cluster is asynchronous by construction (it is no member of this etcd): no nosync tag.
        expect(y.tags["nosync"]).toBe(false);
    });

    it("a standby region's node streams from the primary region's nodes as one libpq host list, through its slot", () => {
        const y = yml(us);
        expect(y.bootstrap.dcs["standby_cluster"]).toEqual({
            host: "203.0.113.11,203.0.113.12,203.0.113.13",
            port: 5432,
            primary_slot_name: "us_ash",
        });
        expect(y.bootstrap.dcs["slots"]).toBeUndefined();
        expect(y.postgresql.listen).toBe("10.1.1.11,198.51.100.21:5432");
    });

    it("pg_hba admits the other regions by /32 with TLS, scram-sha-256 and a verified client certificate, before the rejects", () => {
        for (const lines of [
            yml(us).postgresql.pg_hba,
            (yml(us).bootstrap as { pg_hba?: string[] }).pg_hba,
        ]) {
            const cross = lines?.filter((l) => l.startsWith("hostssl")) ?? [];
            expect(cross).toEqual(
                EU_PUBLIC.flatMap((ip) => [
                    `hostssl replication replicator ${ip}/32 scram-sha-256 clientcert=verify-full`,
                    `hostssl postgres rewind_user ${ip}/32 scram-sha-256 clientcert=verify-ca`,
                ]),
            );
            const firstReject = lines?.findIndex((l) => l.endsWith("reject")) ?? -1;
            const lastCross = (lines ?? []).reduce((last, l, i) => (l.startsWith("hostssl") ? i : last), 99);
            expect(lastCross).toBeLessThan(firstReject);
            // Nothing else from the internet: every other row is local or a private /32.
            expect(
                lines?.filter((l) => /^host /.test(l) && !/ (10\.|127\.|0\.0\.0\.0\/0|::\/0)/.test(l)),
            ).toEqual([]);
        }
        const hba = renderPgHba({
            database: "app",
            appUser: "app",
            replicationUser: "replicator",
            allowedCidrs: ["10.0.1.0/24"],
            sslPeerAddresses: ["198.51.100.21"],
        });
        expect(hba).toMatch(
            /^hostssl replication replicator 198\.51\.100\.21\/32\s+scram-sha-256 clientcert=verify-full$/m,
        );
    });

    it("changes nothing else: without the cross-region keys the file is phase 3's, and without crossRegion it is phase 3's byte for byte", () => {
        expect(withoutCrossRegion(yml(eu))).toEqual(yml(base));
        expect(withoutCrossRegion(yml(us))).toEqual(yml({ ...us, crossRegion: undefined }));
        const { crossRegion: _, ...noKey } = eu;
        expect(renderPatroniYml({ ...base, crossRegion: undefined })).toBe(renderPatroniYml(noKey));
        expect(renderPatroniYml(base)).not.toMatch(/ssl|standby_cluster|^ {4}slots:|clientcert/m);
    });

    it("keeps the two regions' clusters compatible, and says what breaks that", () => {
        expect(crossRegionCompatibility(eu, us)).toEqual([]);
        expect(
            crossRegionCompatibility(eu, {
                ...us,
                name: eu.name,
                maxConnections: 100,
                passwords: { ...us.passwords, replication: "other" },
            }),
        ).toEqual([
            "max_connections: the standby's 100 is below the primary's 200",
            "passwords.replication differs: the standby logs in with the primary region's roles",
            "member name pg-eu-1 is used in both regions",
        ]);
        const dcs = (s: PatroniNodeSpec) => (patroniConfig(s)["bootstrap"] as Yml["bootstrap"]).dcs;
        const { standby_cluster: _s, ...usDcs } = dcs(us);
        const { slots: _l, ...euDcs } = dcs(eu);
        expect(usDcs).toEqual(euDcs);
    });

    it("refuses bad input and names the field", () => {
        const bad =
            (x: Partial<CrossRegionPatroniSpec>, s: PatroniNodeSpec = us) =>
            () =>
                renderPatroniYml({
                    ...s,
                    crossRegion: { ...(s.crossRegion as CrossRegionPatroniSpec), ...x },
                });
        expect(bad({ publicAddress: "pg-us-1.example" })).toThrow(
            /publicAddress 'pg-us-1.example' is not an IPv4/,
        );
        expect(bad({ publicAddress: "10.1.1.11" })).toThrow(
            /publicAddress '10.1.1.11' is the node's private/,
        );
        expect(bad({ peerAddresses: ["203.0.113.11", "2001:db8::1"] })).toThrow(
            /peerAddresses\[1\] '2001:db8::1'/,
        );
        expect(bad({ peerAddresses: [] })).toThrow(/peerAddresses is empty/);
        expect(bad({ peerAddresses: ["10.1.1.12", ...EU_PUBLIC] })).toThrow(
            /peerAddresses\[0\] '10.1.1.12' lies in the region's own 10.1.1.12\/32/,
        );
        expect(bad({ upstream: { hosts: ["203.0.113.11"], port: 5432, slotName: "US-Ash" } })).toThrow(
            /upstream.slotName 'US-Ash' is not a slot name Postgres accepts/,
        );
        expect(bad({ upstream: { hosts: ["203.0.113.11"], port: 5432, slotName: "a".repeat(64) } })).toThrow(
            /upstream.slotName/,
        );
        expect(bad({ upstream: { hosts: ["eu.example"], port: 5432, slotName: "us_ash" } })).toThrow(
            /upstream.hosts\[0\] 'eu.example'/,
        );
        expect(bad({ upstream: { hosts: ["192.0.2.1"], port: 5432, slotName: "us_ash" } })).toThrow(
            /upstream.hosts\[0\] '192.0.2.1' is not in peerAddresses/,
        );
        expect(bad({ upstream: { hosts: EU_PUBLIC, port: 0, slotName: "us_ash" } })).toThrow(
            /upstream.port '0'/,
        );
        expect(bad({ standbySlots: ["eu_fsn"] })).toThrow(/standbySlots is for the primary region only/);
        expect(bad({ standbySlots: ["us-west"] }, eu)).toThrow(
            /standbySlots\[0\] 'us-west' is not a slot name/,
        );
        expect(bad({ standbySlots: ["us_ash", "us_ash"] }, eu)).toThrow(/standbySlots holds a name twice/);
        expect(bad({ standbySlots: ["pg_eu_1"] }, eu)).toThrow(
            /standbySlots 'pg_eu_1' is member pg-eu-1's own slot/,
        );
        expect(bad({ standbySlots: [] }, eu)).toThrow(/needs standbySlots, a standby region upstream/);
        expect(() =>
            renderPgHba({
                database: "app",
                appUser: "app",
                replicationUser: "replicator",
                allowedCidrs: ["10.0.1.0/24"],
                sslPeerAddresses: ["198.51.100.0/24"],
            }),
        ).toThrow(/sslPeerAddresses '198.51.100.0\/24' is not an IPv4 address/);
    });
});

const PEM = (label: string) => `-----BEGIN ${label}-----\nAAAA\n-----END ${label}-----\n`;
const material: ReplicationTlsMaterial = {
    caCertPem: PEM("CERTIFICATE"),
    certPem: PEM("CERTIFICATE"),
    keyPem: PEM("EC PRIVATE KEY"),
};
const ha: HaPostgresSpec = {
    scope: "app-pg-us",
    self: { name: "pg-us-1", ip: "10.1.1.11" },
    nodes: [{ name: "pg-us-1", ip: "10.1.1.11" }],
    etcd: [{ name: "pg-us-1", ip: "10.1.1.11" }],
    appHostIps: ["10.1.1.21"],
    config: Patroni.parse({}),
    synchronous: true,
    maxSlotWalKeepSizeGb: 20,
    memoryMb: 4096,
    pgPort: 5432,
    database: "app",
    appUser: "app",
    mountPoint: "/srv/data",
    tls: { caCertPem: PEM("CERTIFICATE"), certPem: PEM("CERTIFICATE"), keyPem: PEM("EC PRIVATE KEY") },
    passwords: { superuser: "s", replication: "r", rewind: "w", restApi: "a" },
};
const haX: CrossRegionSpec = { ...usX, tls: material };

describe("the data node's files with crossRegion", () => {
    it("ship the replication TLS files as 0600 secrets, hand them to the Patroni unit and point patroni.yml at the unit's copies", () => {
        const files = renderHaPostgres({ ...ha, crossRegion: haX });
        const tlsFiles = files.filter((f) => /\/replication-[a-z]+\.(crt|key)$/.test(f.path));
        expect(tlsFiles.map((f) => [f.path, f.permissions, f.secret])).toEqual(
            ["ca.crt", "node.crt", "node.key"].map((n) => [
                `/etc/phase-stacks/secrets/replication-${n}`,
                "0600",
                true,
            ]),
        );
        const dropIn = files.find((f) => f.path.endsWith(".service.d/20-phase-stacks-replication-tls.conf"));
        expect(dropIn?.path).toBe(
            `/etc/systemd/system/${PATRONI_UNIT}.d/20-phase-stacks-replication-tls.conf`,
        );
        for (const c of REPLICATION_TLS.credentials)
            expect(dropIn?.content).toContain(`LoadCredential=${c}\n`);
        const patroniYml = files.find((f) => f.path.endsWith("/patroni.yml"))?.content ?? "";
        const unitTls = REPLICATION_TLS.forUnit(PATRONI_UNIT);
        expect(unitTls.keyFile).toBe(`/run/credentials/${PATRONI_UNIT}/repl-node.key`);
        for (const path of Object.values(unitTls)) expect(patroniYml).toContain(path);
        // The material travels only in the secret files, never in patroni.yml or the unit.
        expect(dropIn?.content).not.toContain("BEGIN");
        expect(patroniYml).not.toContain("BEGIN");
    });

    it("renders phase 3's files unchanged without crossRegion, and refuses material that is not PEM", () => {
        const { crossRegion: _, ...phase3 } = { ...ha, crossRegion: haX };
        expect(renderHaPostgres({ ...ha, crossRegion: undefined })).toEqual(renderHaPostgres(phase3));
        expect(
            renderHaPostgres(ha).some((f) => /replication-(ca|node)|hostssl/.test(f.path + f.content)),
        ).toBe(false);
        expect(() =>
            renderHaPostgres({ ...ha, crossRegion: { ...haX, tls: { ...material, keyPem: "key" } } }),
        ).toThrow(/tls.keyPem is not PEM/);
    });
});
