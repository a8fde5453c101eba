/**
 * PostgreSQL under Patroni on one database node of a replicated tier (phase 3, and each region of phase 4): the
 * node's patroni.yml, unit and watchdog, its etcd member, the cluster TLS files, and the post-bootstrap script
 * that creates the application's role and database on the first leader. A function of the node list and the
 * subnet's addresses only, so a region fleet can call it with its own.
 */
import type { PatroniConfig } from "../../config/patroni";
import type { RenderedFile } from "../base/artifact";
import { PITR_PATHS } from "./walArchive";
import { renderClusterTlsFiles, CLUSTER_TLS, type ClusterTlsMaterial } from "./clusterTls";
import { REPLICATION_TLS, renderReplicationTlsFiles, type CrossRegionSpec } from "./crossRegion";
import { DATA_PATHS, PG_BIN, PG_SOCKET_DIR, REPLICATION_USER } from "./dataLayout";
import { ETCD_CLIENT_PORT, ETCD_PEER_PORT, ETCD_UNIT, renderEtcdMember, type EtcdMember } from "./etcd";
import { PATRONI_REST_PORT } from "./patroni";
import { PATRONI_CREDENTIAL, PATRONI_UNIT, renderPatroniNode } from "./patroniNode";
import { renderPrimaryInit } from "./pgBootstrap";

export interface ClusterHost {
    readonly name: string;
    readonly ip: string;
}

export interface HaPostgresSpec {
    /** The cluster's name in etcd: one per region. */
    readonly scope: string;
    readonly self: ClusterHost;
    /** Every database node, this one included. */
    readonly nodes: readonly ClusterHost[];
    /** Every etcd member: the database nodes, plus a witness host when there are two. */
    readonly etcd: readonly ClusterHost[];
    /** Hosts whose application connects (PgBouncer on this node connects from 127.0.0.1). */
    readonly appHostIps: readonly string[];
    readonly config: PatroniConfig;
    readonly synchronous: boolean;
    readonly maxSlotWalKeepSizeGb: number;
    readonly memoryMb: number;
    readonly pgPort: number;
    readonly database: string;
    readonly appUser: string;
    readonly mountPoint: string;
    readonly tls: ClusterTlsMaterial;
    readonly passwords: {
        readonly superuser: string;
        readonly replication: string;
        readonly rewind: string;
        readonly restApi: string;
    };
    /** Phase 4: replication with the other regions over the internet (crossRegion.ts); unset in phase 3. */
    readonly crossRegion?: CrossRegionSpec;
}

const MB = 1024 * 1024;

export function etcdMember(h: ClusterHost): EtcdMember {
    return { name: h.name, address: h.ip, clientPort: ETCD_CLIENT_PORT, peerPort: ETCD_PEER_PORT };
}

/** One etcd member on a host that runs no database (the witness beside two database nodes). */
export function renderEtcdWitness(
    self: ClusterHost,
    etcd: readonly ClusterHost[],
    tls: ClusterTlsMaterial,
): RenderedFile[] {
    return [...renderEtcdMemberOf(self, etcd), ...renderClusterTlsFiles(tls)];
}

function renderEtcdMemberOf(self: ClusterHost, etcd: readonly ClusterHost[]): RenderedFile[] {
    // Heartbeat and election from etcd's tuning guide for one data centre (sub-millisecond round trips).
    return renderEtcdMember({
        self: etcdMember(self),
        members: etcd.map(etcdMember),
        heartbeatMs: 100,
        electionMs: 1000,
    });
}

export const HA_UNITS = [ETCD_UNIT, PATRONI_UNIT] as const;
export const HA_PACKAGES = ["patroni", "etcd-server", "etcd-client"] as const;

export function renderHaPostgres(s: HaPostgresSpec): RenderedFile[] {
    const c = s.config;
    const pgData = `${s.mountPoint}/pgdata`;
    const peers = s.nodes.map((n) => `${n.ip}/32`);
    const x = s.crossRegion;
    return [
        ...renderEtcdMemberOf(s.self, s.etcd),
        ...renderClusterTlsFiles(s.tls),
        {
            path: DATA_PATHS.primaryInit,
            content: renderPrimaryInit({
                pgData,
                pgBin: PG_BIN,
                socketDir: PG_SOCKET_DIR,
                port: s.pgPort,
                database: s.database,
                appUser: s.appUser,
                replicationUser: REPLICATION_USER,
                // Patroni creates and drops the members' slots itself.
                replicaNames: [],
                appPasswordFile: PATRONI_CREDENTIAL("postgres-password"),
                replicationPasswordFile: PATRONI_CREDENTIAL("replication-password"),
            }),
            kind: "shell",
            permissions: "0755",
        },
        ...renderPatroniNode(
            {
                scope: s.scope,
                name: s.self.name,
                address: s.self.ip,
                restPort: PATRONI_REST_PORT,
                pgPort: s.pgPort,
                etcdHosts: s.etcd.map((m) => `${m.ip}:${ETCD_CLIENT_PORT}`),
                tls: CLUSTER_TLS.forUnit(PATRONI_UNIT),
                timings: c,
                synchronousMode: s.synchronous,
                synchronousStrict: c.synchronousStrict,
                maximumLagOnFailoverBytes: c.maximumLagOnFailoverMb * MB,
                maxSlotWalKeepSizeGb: s.maxSlotWalKeepSizeGb,
                memoryMb: s.memoryMb,
                maxConnections: 200,
                dataDir: pgData,
                binDir: PG_BIN,
                socketDir: PG_SOCKET_DIR,
                pgpassFile: "/var/lib/postgresql/.pgpass-patroni",
                hba: {
                    database: s.database,
                    appUser: s.appUser,
                    allowedCidrs: ["127.0.0.1/32", ...s.appHostIps.map((ip) => `${ip}/32`)],
                    peerCidrs: peers,
                },
                replicationUser: REPLICATION_USER,
                archiveCommand: `${PITR_PATHS.walArchive} %p %f`,
                restoreCommand: `${PITR_PATHS.walFetch} %f %p`,
                archiveTimeoutSeconds: 300,
                postBootstrap: DATA_PATHS.primaryInit,
                watchdog: "automatic",
                passwords: s.passwords,
                ...(x ? { crossRegion: { ...x, tls: REPLICATION_TLS.forUnit(PATRONI_UNIT) } } : {}),
            },
            { mountPoint: s.mountPoint },
        ),
        ...(x ? renderReplicationTlsFiles(x.tls, PATRONI_UNIT) : []),
    ];
}
