/**
 * Two Patroni "regions" on loopback for tests/integration/crossRegion.test.ts, ports 25700-25749: each region one
 * etcd and one Patroni node, the primary region a normal cluster and the standby region a standby cluster. The
 * certificates come from openssl here in the layout ReplicationTlsAuthority makes (server: SANs = private and
 * public IP; clients: CN = replicator and rewind_user), plus a foreign CA's client certificate.
 *
 * Loopback layout. Linux picks 127.0.0.1 as the source of every loopback connection, so 127.0.0.1 plays each
 * node's public address (where the other region's connections come from) and 127.0.0.2 its private one. The
 * regions have one node each, so no intra-region replication rows: every replication connection the primary
 * sees must match the cross-region hostssl rows, or it is rejected.
 */
import { readFileSync } from "node:fs";
import { request } from "node:https";
import { join } from "node:path";
import type { ClusterTlsPaths } from "../../core/render/data/clusterTls";
import { replicationTlsPathsIn, type ReplicationTlsPaths } from "../../core/render/data/crossRegion";
import type { EtcdMember } from "../../core/render/data/etcd";
import type { PatroniNodeSpec } from "../../core/render/data/patroni";
import { renderPrimaryInit } from "../../core/render/data/pgBootstrap";
import { requireTool } from "../helpers/tools";
import { APP, REST_PASSWORD, startEtcd } from "./patroniCluster";
import { TIMINGS } from "./patroniNodes";
import { asPostgres, PG_BIN, run, runOk, script, writeOwned } from "./support";

export const PUBLIC = "127.0.0.1";
export const PRIVATE = "127.0.0.2";
export const SLOT = "itest_standby";
export const REPLICATION_PASSWORD = "itest-replication";

export const REGIONS = {
    primary: {
        scope: "itest-eu",
        name: "pg-eu-1",
        restPort: 25711,
        pgPort: 25721,
        etcd: { name: "etcd-eu", address: PUBLIC, clientPort: 25701, peerPort: 25702 },
    },
    standby: {
        scope: "itest-us",
        name: "pg-us-1",
        restPort: 25712,
        pgPort: 25722,
        etcd: { name: "etcd-us", address: PUBLIC, clientPort: 25703, peerPort: 25704 },
    },
} as const;
export type Region = (typeof REGIONS)[keyof typeof REGIONS];

const ossl = (args: string[]) => runOk([requireTool("openssl"), ...args]);
const EC = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-noenc"];

function ca(dir: string, name: string, cn: string): { cert: string; key: string } {
    const cert = join(dir, `${name}.crt`);
    const key = join(dir, `${name}.key`);
    ossl(["req", "-x509", ...EC, "-keyout", key, "-out", cert, "-days", "1", "-subj", `/CN=${cn}`]);
    return { cert, key };
}

/** A leaf certificate signed by `by`, with the extensions the tls provider writes for the same allowed uses. */
function leaf(
    dir: string,
    name: string,
    by: { cert: string; key: string },
    cn: string,
    ext: { /** `IP:...` or `DNS:...` */ sans?: readonly string[]; use: string },
): { cert: string; key: string } {
    const cert = join(dir, `${name}.crt`);
    const key = join(dir, `${name}.key`);
    const csr = join(dir, `${name}.csr`);
    ossl(["req", ...EC, "-keyout", key, "-out", csr, "-subj", `/CN=${cn}`]);
    const extFile = writeOwned(
        join(dir, `${name}.ext`),
        [
            "basicConstraints=critical,CA:FALSE",
            "keyUsage=critical,digitalSignature,keyAgreement",
            `extendedKeyUsage=${ext.use}`,
            ...(ext.sans ? [`subjectAltName=${ext.sans.join(",")}`] : []),
            "",
        ].join("\n"),
    );
    ossl([
        ...["x509", "-req", "-in", csr, "-CA", by.cert, "-CAkey", by.key, "-CAcreateserial", "-days", "1"],
        ...["-extfile", extFile, "-out", cert],
    ]);
    return { cert, key };
}

/** Re-owns every file for the postgres user at 0600: PostgreSQL and libpq refuse keys others may read. */
function own(...files: string[]): void {
    for (const f of files) writeOwned(f, readFileSync(f, "utf8"), 0o600);
}

/** The data tier's cluster TLS (etcd and the REST API) for both loopback addresses. */
export function makeClusterTls(dir: string): ClusterTlsPaths {
    const c = ca(dir, "ca", "itest cluster CA");
    // etcd's and Patroni's clients present the same certificate: both uses.
    const n = leaf(dir, "node", c, "itest node", {
        sans: [`IP:${PUBLIC}`, `IP:${PRIVATE}`],
        use: "serverAuth,clientAuth",
    });
    const paths = { dir, caFile: c.cert, certFile: n.cert, keyFile: n.key };
    own(paths.caFile, paths.certFile, paths.keyFile);
    return paths;
}

export interface ReplicationCerts {
    /** Per region: the node's files where patroni.yml points. */
    readonly nodes: Record<keyof typeof REGIONS, ReplicationTlsPaths>;
    /** A client certificate with the right CN from a CA the servers do not trust. */
    readonly foreign: { readonly cert: string; readonly key: string };
}

/** The replication CA and each node's one certificate: its addresses as SANs, the replication role as CN. */
export function makeReplicationCerts(dir: string): ReplicationCerts {
    const c = ca(dir, "repl-ca", "itest replication CA");
    const nodes = Object.fromEntries(
        (Object.keys(REGIONS) as (keyof typeof REGIONS)[]).map((region) => {
            const d = join(dir, region);
            runOk(["mkdir", "-p", d]);
            const p = replicationTlsPathsIn(d);
            // Plus localhost, an artefact of loopback: Patroni 3.0.2 makes its own replication connection (the
            // replica's timeline) to "localhost" when listen_addresses holds 127.0.0.1, and to the first listen
            // address (the private IP, in the certificate) otherwise.
            const node = leaf(d, "node", c, "replicator", {
                sans: [`IP:${PRIVATE}`, `IP:${PUBLIC}`, "DNS:localhost"],
                use: "serverAuth,clientAuth",
            });
            const copies: [string, string][] = [
                [c.cert, p.caFile],
                [node.cert, p.certFile],
                [node.key, p.keyFile],
            ];
            for (const [from, to] of copies) writeOwned(to, readFileSync(from, "utf8"), 0o600);
            runOk(["chown", "-R", "--reference", dir, d]);
            return [region, p];
        }),
    ) as Record<keyof typeof REGIONS, ReplicationTlsPaths>;
    const other = ca(dir, "foreign-ca", "itest foreign CA");
    const foreign = leaf(dir, "foreign-client", other, "replicator", { use: "clientAuth" });
    own(foreign.cert, foreign.key);
    return { nodes, foreign };
}

/** A region's own one-member etcd: one etcd never spans regions. */
export const startRegionEtcd = (dir: string, tls: ClusterTlsPaths, member: EtcdMember) =>
    startEtcd(dir, tls, member, [member]);

/** A region's one node as phase 4 renders it, on loopback. */
export function regionSpec(
    r: Region,
    at: { dir: string; bin: string; secrets: string; tls: ClusterTlsPaths },
    crossRegion: PatroniNodeSpec["crossRegion"],
): PatroniNodeSpec {
    return {
        scope: r.scope,
        name: r.name,
        address: PRIVATE,
        restPort: r.restPort,
        pgPort: r.pgPort,
        etcdHosts: [`${r.etcd.address}:${r.etcd.clientPort}`],
        tls: at.tls,
        timings: TIMINGS,
        synchronousMode: true,
        synchronousStrict: false,
        maximumLagOnFailoverBytes: 1024 * 1024,
        maxSlotWalKeepSizeGb: 1,
        memoryMb: 256,
        maxConnections: 50,
        dataDir: join(at.dir, "data"),
        binDir: PG_BIN,
        socketDir: at.dir,
        pgpassFile: join(at.dir, "pgpass"),
        // The test's application connects from 127.0.0.1; a one-node region has no intra-region peers.
        hba: { database: APP.database, appUser: APP.user, allowedCidrs: [`${PUBLIC}/32`], peerCidrs: [] },
        replicationUser: "replicator",
        // No WAL archive here: the standby lives on streaming alone.
        archiveCommand: "/bin/true %p %f",
        restoreCommand: "/bin/false %f %p",
        archiveTimeoutSeconds: 60,
        postBootstrap: script(
            at.bin,
            `${r.name}-post-bootstrap.sh`,
            renderPrimaryInit({
                pgData: join(at.dir, "data"),
                pgBin: PG_BIN,
                socketDir: at.dir,
                port: r.pgPort,
                database: APP.database,
                appUser: APP.user,
                replicationUser: "replicator",
                replicaNames: [],
                appPasswordFile: writeOwned(join(at.secrets, "app-password"), APP.password),
                replicationPasswordFile: writeOwned(
                    join(at.secrets, "replication-password"),
                    REPLICATION_PASSWORD,
                ),
            }),
        ),
        watchdog: "off",
        // One set for both regions: the standby is a physical copy of the primary's roles.
        passwords: {
            superuser: "itest-superuser",
            replication: REPLICATION_PASSWORD,
            rewind: "itest-rewind",
            restApi: REST_PASSWORD,
        },
        crossRegion,
    };
}

/** GET on a node's REST API (it listens on the private address); status 0 when it does not answer. */
export function restStatus(tls: ClusterTlsPaths, port: number, path: string): Promise<number> {
    return new Promise((resolve) => {
        const req = request(
            { host: PRIVATE, port, path, ca: readFileSync(tls.caFile), timeout: 2000 },
            (res) => {
                res.resume();
                res.on("end", () => resolve(res.statusCode ?? 0));
            },
        );
        req.on("timeout", () => req.destroy());
        req.on("error", () => resolve(0));
        req.end();
    });
}

/**
 * One replication connection as the standby makes it (verify-full, a client certificate), running
 * IDENTIFY_SYSTEM: ok and libpq's error text. `conn` overrides any keyword.
 */
export function replicationProbe(
    port: number,
    tls: ReplicationTlsPaths,
    conn: Record<string, string | undefined> = {},
): { ok: boolean; output: string } {
    const kw: Record<string, string | undefined> = {
        host: PUBLIC,
        port: String(port),
        user: "replicator",
        dbname: "replication",
        replication: "true",
        sslmode: "verify-full",
        sslrootcert: tls.caFile,
        sslcert: tls.certFile,
        sslkey: tls.keyFile,
        connect_timeout: "3",
        ...conn,
    };
    const dsn = Object.entries(kw)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => `${k}=${v}`)
        .join(" ");
    const r = run(
        asPostgres([`${PG_BIN}/psql`, "-XAtq", dsn, "-c", "IDENTIFY_SYSTEM"]),
        {
            PGPASSWORD: REPLICATION_PASSWORD,
        },
        10_000,
    );
    return { ok: r.status === 0, output: r.output.trim() };
}
