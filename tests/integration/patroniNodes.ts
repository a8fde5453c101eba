/**
 * The loopback Patroni nodes of tests/integration/patroni.test.ts: their ports (25500-25549), their patroni.yml
 * specs, and the WAL archive they use (the rendered archive scripts on an rclone remote that is a local directory).
 */
import { join } from "node:path";
import type { ClusterTlsPaths } from "../../core/render/data/clusterTls";
import type { PatroniNodeSpec } from "../../core/render/data/patroni";
import { renderPrimaryInit } from "../../core/render/data/pgBootstrap";
import { renderWalArchive, renderWalFetch } from "../../core/render/data/walArchive";
import { localBackupEnv, loopbackPitr } from "./localArchive";
import { APP, ETCD_MEMBERS, REST_PASSWORD } from "./patroniCluster";
import { PG_BIN, script, writeOwned } from "./support";

/** Short enough for a quick suite, with loop_wait + 2 x retry_timeout <= ttl as Patroni needs. */
export const TIMINGS = { ttlSeconds: 8, loopWaitSeconds: 1, retryTimeoutSeconds: 3 };
export const NODES = [
    { name: "pg1", restPort: 25511, pgPort: 25521 },
    { name: "pg2", restPort: 25512, pgPort: 25522 },
] as const;

/** A node's patroni.yml spec on loopback: its own dir (data, socket, pgpass), the shared scripts and TLS files. */
export function patroniSpec(
    n: (typeof NODES)[number],
    at: {
        dir: string;
        bin: string;
        secrets: string;
        tls: ClusterTlsPaths;
        timings: PatroniNodeSpec["timings"];
    },
): PatroniNodeSpec {
    const { dir, bin, secrets, tls } = at;
    return {
        scope: "itest",
        name: n.name,
        address: "127.0.0.1",
        restPort: n.restPort,
        pgPort: n.pgPort,
        etcdHosts: ETCD_MEMBERS.map((m) => `${m.address}:${m.clientPort}`),
        tls,
        timings: at.timings,
        synchronousMode: true,
        synchronousStrict: false,
        maximumLagOnFailoverBytes: 1024 * 1024,
        maxSlotWalKeepSizeGb: 1,
        memoryMb: 256,
        maxConnections: 50,
        dataDir: join(dir, "data"),
        binDir: PG_BIN,
        socketDir: dir,
        pgpassFile: join(dir, "pgpass"),
        hba: {
            database: APP.database,
            appUser: APP.user,
            allowedCidrs: ["127.0.0.1/32"],
            peerCidrs: ["127.0.0.1/32"],
        },
        replicationUser: "replicator",
        archiveCommand: `${join(bin, "wal-archive.sh")} %p %f`,
        restoreCommand: `${join(bin, "wal-fetch.sh")} %f %p`,
        archiveTimeoutSeconds: 60,
        postBootstrap: script(
            bin,
            `${n.name}-post-bootstrap.sh`,
            renderPrimaryInit({
                pgData: join(dir, "data"),
                pgBin: PG_BIN,
                socketDir: dir,
                port: n.pgPort,
                database: APP.database,
                appUser: APP.user,
                replicationUser: "replicator",
                replicaNames: [],
                appPasswordFile: writeOwned(join(secrets, "app-password"), APP.password),
                replicationPasswordFile: writeOwned(
                    join(secrets, "replication-password"),
                    "itest-replication",
                ),
            }),
        ),
        watchdog: "off",
        passwords: {
            superuser: "itest-superuser",
            replication: "itest-replication",
            rewind: "itest-rewind",
            restApi: REST_PASSWORD,
        },
    };
}

/** Writes the archive scripts into `bin`; returns the environment Patroni (and so PostgreSQL) runs them with. */
export function archiveEnv(bin: string, archive: string): NodeJS.ProcessEnv {
    const pitr = loopbackPitr(bin, 1);
    script(bin, "wal-archive.sh", renderWalArchive(pitr));
    script(bin, "wal-fetch.sh", renderWalFetch(pitr));
    return localBackupEnv(bin, archive);
}
