/**
 * patroni.yml of one database node (Patroni 3.0.2 from Ubuntu's and Debian's packages, keys from its SETTINGS.rst,
 * `primary_*` names only so the file keeps working under Patroni 4). Patroni owns PostgreSQL on the node: it
 * initialises the first node, clones the others, writes postgresql.conf and pg_hba.conf, and holds the leader key
 * in etcd (v3 API over mutual TLS). The leader alone is writable; a replica is promoted only when it is the
 * synchronous standby, so no commit a client saw succeed is lost.
 */
import { toYaml } from "../base/yaml";
import {
    assertCrossRegion,
    crossRegionDcs,
    crossRegionProblems,
    libpqTls,
    serverTlsParameters,
    type CrossRegionPatroniSpec,
} from "./crossRegion";
import { memorySettings } from "./postgresConf";
import { pgHbaRows, type PgHbaSpec } from "./pgHba";

export const PATRONI_REST_PORT = 8008;
export const REWIND_USER = "rewind_user";
export const REST_USER = "patroni";

export interface PatroniTlsFiles {
    readonly caFile: string;
    readonly certFile: string;
    readonly keyFile: string;
}

export interface PatroniTimings {
    readonly ttlSeconds: number;
    readonly loopWaitSeconds: number;
    readonly retryTimeoutSeconds: number;
}

export interface PatroniNodeSpec {
    /** The cluster's name in etcd (`/service/<scope>/`); one per region. */
    readonly scope: string;
    /** This member's name, also its replication slot and application_name. */
    readonly name: string;
    /** The private address Patroni's REST API and PostgreSQL listen on and announce. */
    readonly address: string;
    readonly restPort: number;
    readonly pgPort: number;
    /** `host:port` of every etcd member's client URL. */
    readonly etcdHosts: readonly string[];
    /** Etcd client and REST API: one CA, the node's certificate (its addresses as SANs) and key. */
    readonly tls: PatroniTlsFiles;
    readonly timings: PatroniTimings;
    /** Only the synchronous standby may be promoted; strict also stops writes while there is none. */
    readonly synchronousMode: boolean;
    readonly synchronousStrict: boolean;
    readonly maximumLagOnFailoverBytes: number;
    readonly maxSlotWalKeepSizeGb: number;
    readonly memoryMb: number;
    readonly maxConnections: number;
    readonly dataDir: string;
    readonly binDir: string;
    readonly socketDir: string;
    /** Where Patroni writes the libpq password file it clones and rewinds with (a directory postgres owns). */
    readonly pgpassFile: string;
    /** Who may connect (replication and rewind from the peers only). */
    readonly hba: Omit<PgHbaSpec, "replicationUser" | "rewindUser" | "sslPeerAddresses">;
    readonly replicationUser: string;
    /** The WAL archive (archive_command, %p %f) and its way back (restore_command, %f %p). */
    readonly archiveCommand: string;
    readonly restoreCommand: string;
    readonly archiveTimeoutSeconds: number;
    /** Run once on the first node after initdb: the application's role and database. */
    readonly postBootstrap: string;
    /** `automatic` on servers (softdog); `off` where no watchdog device exists (the loopback tests). */
    readonly watchdog: "automatic" | "required" | "off";
    readonly passwords: {
        readonly superuser: string;
        readonly replication: string;
        readonly rewind: string;
        readonly restApi: string;
    };
    /**
     * Phase 4: this region's cluster exchanges WAL with the other regions over the internet, TLS verified both
     * ways (crossRegion.ts). Unset, the file is phase 3's.
     */
    readonly crossRegion?: CrossRegionPatroniSpec;
}

export function patroniConfig(s: PatroniNodeSpec): Record<string, unknown> {
    const t = s.timings;
    if (t.loopWaitSeconds + 2 * t.retryTimeoutSeconds > t.ttlSeconds)
        throw new Error("patroni: ttl must be at least loop_wait + 2 x retry_timeout");
    const x = s.crossRegion;
    if (x)
        assertCrossRegion(x, {
            name: s.name,
            address: s.address,
            intraCidrs: s.hba.peerCidrs ?? s.hba.allowedCidrs,
        });
    const rest = `${s.address}:${s.restPort}`;
    const pg = `${s.address}:${s.pgPort}`;
    const hbaLines = pgHbaRows({
        ...s.hba,
        replicationUser: s.replicationUser,
        rewindUser: REWIND_USER,
        ...(x ? { sslPeerAddresses: x.peerAddresses } : {}),
    }).map((row) => row.filter((f) => f !== "").join(" "));
    // Every replication and rewind connection, in the region too, verifies the server's certificate and shows the
    // node's one certificate.
    const replicationTls = x ? libpqTls(x.tls.caFile, x.tls.certFile, x.tls.keyFile) : {};
    return {
        scope: s.scope,
        name: s.name,
        restapi: {
            listen: rest,
            connect_address: rest,
            certfile: s.tls.certFile,
            keyfile: s.tls.keyFile,
            cafile: s.tls.caFile,
            // Load balancers check /primary and /replica without a client certificate; changes need the password.
            verify_client: "none",
            authentication: { username: REST_USER, password: s.passwords.restApi },
            // Unsafe endpoints (switchover, restart, failsafe) only from the members and a local patronictl.
            allowlist: ["127.0.0.1/32"],
            allowlist_include_members: true,
        },
        ctl: { cacert: s.tls.caFile, certfile: s.tls.certFile, keyfile: s.tls.keyFile },
        etcd3: {
            hosts: [...s.etcdHosts],
            protocol: "https",
            cacert: s.tls.caFile,
            cert: s.tls.certFile,
            key: s.tls.keyFile,
        },
        bootstrap: {
            dcs: {
                ttl: t.ttlSeconds,
                loop_wait: t.loopWaitSeconds,
                retry_timeout: t.retryTimeoutSeconds,
                maximum_lag_on_failover: s.maximumLagOnFailoverBytes,
                primary_start_timeout: 300,
                synchronous_mode: s.synchronousMode,
                synchronous_mode_strict: s.synchronousMode && s.synchronousStrict,
                synchronous_node_count: 1,
                // With etcd unreachable the primary stays up only while every member confirms it over the REST API.
                failsafe_mode: true,
                postgresql: {
                    use_pg_rewind: true,
                    use_slots: true,
                    // Cluster-wide: a replica must run with at least the primary's values.
                    parameters: {
                        max_connections: s.maxConnections,
                        max_wal_senders: 10,
                        max_replication_slots: 10,
                        wal_level: "replica",
                        wal_log_hints: "on",
                        wal_keep_size: "256MB",
                        max_slot_wal_keep_size: `${s.maxSlotWalKeepSizeGb}GB`,
                        hot_standby: "on",
                        hot_standby_feedback: "on",
                        password_encryption: "scram-sha-256",
                        archive_mode: "on",
                        archive_command: s.archiveCommand,
                        archive_timeout: s.archiveTimeoutSeconds,
                    },
                },
                ...(x ? crossRegionDcs(x) : {}),
            },
            // Patroni replaces pg_hba.conf before the first start; these only close the window until then.
            initdb: [
                { encoding: "UTF8" },
                "data-checksums",
                { "auth-local": "peer" },
                { "auth-host": "scram-sha-256" },
            ],
            post_bootstrap: s.postBootstrap,
            // Appended to initdb's file for the first start; 3.0.2's --validate-config also requires the key.
            pg_hba: hbaLines,
        },
        postgresql: {
            // The public address too, for the other regions; the region's own members keep using the private one.
            listen: x ? `${s.address},${x.publicAddress}:${s.pgPort}` : pg,
            connect_address: pg,
            data_dir: s.dataDir,
            bin_dir: s.binDir,
            pgpass: s.pgpassFile,
            use_unix_socket: true,
            authentication: {
                superuser: { username: "postgres", password: s.passwords.superuser },
                replication: {
                    username: s.replicationUser,
                    password: s.passwords.replication,
                    ...replicationTls,
                },
                rewind: { username: REWIND_USER, password: s.passwords.rewind, ...replicationTls },
            },
            parameters: {
                unix_socket_directories: s.socketDir,
                ...Object.fromEntries(memorySettings(s.memoryMb, s.maxConnections)),
                log_destination: "stderr",
                log_line_prefix: "%m [%p] %q%u@%d ",
                log_connections: "on",
                log_replication_commands: "on",
                ...(x ? serverTlsParameters(x.tls) : {}),
            },
            recovery_conf: { restore_command: s.restoreCommand },
            // A new replica should not wait for the primary's next spread checkpoint (minutes) to start its clone.
            basebackup: [{ checkpoint: "fast" }],
            pg_hba: hbaLines,
        },
        watchdog: { mode: s.watchdog, device: "/dev/watchdog", safety_margin: 5 },
        tags: { nofailover: false, noloadbalance: false, clonefrom: false, nosync: false },
    };
}

export function renderPatroniYml(s: PatroniNodeSpec): string {
    return `# phase-stacks: Patroni member ${s.name} of ${s.scope}. Cluster-wide settings live in etcd after bootstrap.\n${toYaml(patroniConfig(s))}`;
}

/**
 * What keeps a standby region's cluster from running on the primary region's WAL (empty when nothing does): the
 * hot-standby parameters, the shared roles' passwords and distinct member names (crossRegion.ts).
 */
export function crossRegionCompatibility(primary: PatroniNodeSpec, standby: PatroniNodeSpec): string[] {
    const view = (s: PatroniNodeSpec) => {
        const dcs = (
            patroniConfig(s)["bootstrap"] as {
                dcs: { postgresql: { parameters: Record<string, string | number | boolean> } };
            }
        ).dcs;
        return { name: s.name, parameters: dcs.postgresql.parameters, passwords: s.passwords };
    };
    return crossRegionProblems(view(primary), view(standby));
}
