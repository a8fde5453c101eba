/**
 * Phase 4's cross-region replication, the pure side: one Patroni cluster per region with its own etcd (never one
 * etcd across the Atlantic), the primary region's nodes serving WAL over the public internet and every other
 * region's cluster a Patroni standby cluster streaming from them. TLS is verified both ways with one replication
 * CA for the stack: a node's server certificate names its private and public IPs (libpq verify-full matches IP
 * SANs), and its client certificates name the role they log in as (pg_hba `clientcert=verify-full` compares the
 * CN with the user name), one for the replication role and one for pg_rewind's role.
 *
 * What Patroni 3.0.2 does with these settings (read in its code, `patroni/postgresql/config.py`, `rewind.py`,
 * `ha.py`, `dcs/__init__.py`, `postgresql/sync.py`):
 * - `standby_cluster.host` reaches primary_conninfo and pg_basebackup's conninfo as is, so a comma-separated list
 *   is libpq multi-host; the .pgpass it writes gets one line per host. With `primary_slot_name` set it adds
 *   `target_session_attrs=read-write`, so the standby leader always streams from the primary region's current
 *   leader (never cascades from one of its replicas) and follows its failovers without a config change.
 * - The standby leader checks for a diverged timeline against that remote leader with the rewind credentials
 *   (a normal connection to the `postgres` database) and runs pg_rewind against it: the rewind role must be
 *   admitted from the other regions too.
 * - Permanent physical `slots` live on the primary only (3.0.2 keeps none on replicas): after a failover in the
 *   primary region the new leader creates the slot at its current position, and the standby catches up from
 *   wal_keep_size or its restore_command.
 * - A synchronous standby is chosen only among the members of the cluster's own etcd, so a standby cluster is
 *   asynchronous by construction; `nosync` is not needed (and would keep its replicas from ever becoming
 *   synchronous once the region is promoted).
 */
import { isIP } from "node:net";
import type { RenderedFile } from "../base/artifact";
import { SECRETS_DIR } from "../base/artifact";
import { UNIT_DIR } from "../base/systemd";
import { renderIni } from "../base/ini";
import { secretFile } from "../app/secrets";

/**
 * The contents of one node's replication TLS files (PEM): the CA and the node's one certificate, which PostgreSQL
 * serves and libpq shows. Its SANs are the node's private and public IPv4 (what verify-full checks), its CN the
 * replication role (what `clientcert=verify-full` checks). One certificate for both uses keeps the database
 * node's user data under Hetzner's 32 KiB.
 */
export interface ReplicationTlsMaterial {
    readonly caCertPem: string;
    readonly certPem: string;
    readonly keyPem: string;
}

/** Where PostgreSQL and libpq find those files on the node. */
export interface ReplicationTlsPaths {
    readonly caFile: string;
    readonly certFile: string;
    readonly keyFile: string;
}

export interface CrossRegionUpstream {
    /** The primary region's database nodes' public IPv4s (libpq multi-host: the standby leader picks the writer). */
    readonly hosts: readonly string[];
    readonly port: number;
    /** This region's permanent slot on the primary region's leader. */
    readonly slotName: string;
}

interface CrossRegionCommon {
    /** This node's public IPv4 (a reserved Hetzner primary IP): PostgreSQL also listens there, for the other regions. */
    readonly publicAddress: string;
    /** Public IPv4s of every other region's database nodes: the only internet sources pg_hba admits. */
    readonly peerAddresses: readonly string[];
    /** Standby regions only: where the standby cluster streams from. */
    readonly upstream?: CrossRegionUpstream;
    /** Primary region only: the permanent physical slots, one per standby region. */
    readonly standbySlots: readonly string[];
}

/** A node's cross-region part as haPostgres takes it: the TLS material, shipped as 0600 secrets. */
export interface CrossRegionSpec extends CrossRegionCommon {
    readonly tls: ReplicationTlsMaterial;
}

/** The same as patroni.yml needs it: the TLS files' paths on the node. */
export interface CrossRegionPatroniSpec extends CrossRegionCommon {
    readonly tls: ReplicationTlsPaths;
}

const FILES = {
    caFile: ["repl-ca.crt", "replication-ca.crt"],
    certFile: ["repl-node.crt", "replication-node.crt"],
    keyFile: ["repl-node.key", "replication-node.key"],
} as const satisfies Record<keyof ReplicationTlsPaths, readonly [string, string]>;

const MATERIAL: Record<keyof ReplicationTlsPaths, keyof ReplicationTlsMaterial> = {
    caFile: "caCertPem",
    certFile: "certPem",
    keyFile: "keyPem",
};

const entries = Object.entries(FILES) as [keyof ReplicationTlsPaths, readonly [string, string]][];

/** The replication TLS files in `dir`, under their credential names. */
export function replicationTlsPathsIn(dir: string): ReplicationTlsPaths {
    return Object.fromEntries(
        entries.map(([k, [name]]) => [k, `${dir}/${name}`]),
    ) as unknown as ReplicationTlsPaths;
}

export const REPLICATION_TLS = {
    /** The Patroni unit's LoadCredential lines (PostgreSQL, the walreceiver and pg_rewind run inside it). */
    credentials: entries.map(([, [name, source]]) => `${name}:${SECRETS_DIR}/${source}`),
    forUnit: (unit: string): ReplicationTlsPaths => replicationTlsPathsIn(`/run/credentials/${unit}`),
} as const;

/** What Postgres accepts as a slot name (and Patroni as a permanent slot's). */
const SLOT_NAME = /^[a-z0-9_]{1,63}$/;

/** Patroni's slot_name_from_member_name: a member's own slot on the leader. */
export function memberSlotName(member: string): string {
    return member
        .toLowerCase()
        .replace(/[^a-z0-9_]/g, "_")
        .slice(0, 63);
}

const ipv4Bits = (ip: string) => ip.split(".").reduce((n, o) => n * 256 + Number(o), 0);

function insideCidr(ip: string, cidr: string): boolean {
    const [net = "", prefix = "32"] = cidr.split("/");
    if (isIP(net) !== 4) return false;
    const size = 2 ** (32 - Number(prefix));
    return Math.floor(ipv4Bits(ip) / size) === Math.floor(ipv4Bits(net) / size);
}

function assertIpv4(field: string, v: string): void {
    if (isIP(v) !== 4) throw new Error(`crossRegion: ${field} '${v}' is not an IPv4 address`);
}

function assertSlot(field: string, v: string): void {
    if (!SLOT_NAME.test(v))
        throw new Error(`crossRegion: ${field} '${v}' is not a slot name Postgres accepts ([a-z0-9_]{1,63})`);
}

/**
 * Throws, naming the field, unless the spec describes one node of a primary region (standbySlots, no upstream) or
 * of a standby region (upstream, no standbySlots). `intraCidrs` are the ranges the region's own replication rows
 * admit: a peer inside one would match that row first and skip the certificate check.
 */
export function assertCrossRegion(
    c: CrossRegionCommon,
    self: { readonly name: string; readonly address: string; readonly intraCidrs: readonly string[] },
): void {
    assertIpv4("publicAddress", c.publicAddress);
    if (c.publicAddress === self.address)
        throw new Error(`crossRegion: publicAddress '${c.publicAddress}' is the node's private address`);
    if (c.peerAddresses.length === 0) throw new Error("crossRegion: peerAddresses is empty");
    c.peerAddresses.forEach((p, i) => {
        assertIpv4(`peerAddresses[${i}]`, p);
        const inside = self.intraCidrs.find((cidr) => insideCidr(p, cidr));
        if (inside)
            throw new Error(
                `crossRegion: peerAddresses[${i}] '${p}' lies in the region's own ${inside}, whose rows need no certificate`,
            );
    });
    c.standbySlots.forEach((s, i) => assertSlot(`standbySlots[${i}]`, s));
    if (new Set(c.standbySlots).size !== c.standbySlots.length)
        throw new Error("crossRegion: standbySlots holds a name twice");
    const own = memberSlotName(self.name);
    if (c.standbySlots.includes(own))
        throw new Error(`crossRegion: standbySlots '${own}' is member ${self.name}'s own slot`);
    if (c.upstream) {
        const u = c.upstream;
        if (c.standbySlots.length > 0)
            throw new Error(
                "crossRegion: standbySlots is for the primary region only, upstream for standby regions",
            );
        if (u.hosts.length === 0) throw new Error("crossRegion: upstream.hosts is empty");
        u.hosts.forEach((h, i) => assertIpv4(`upstream.hosts[${i}]`, h));
        if (!Number.isInteger(u.port) || u.port < 1 || u.port > 65535)
            throw new Error(`crossRegion: upstream.port '${u.port}' is not a TCP port`);
        assertSlot("upstream.slotName", u.slotName);
        for (const [i, h] of u.hosts.entries())
            if (!c.peerAddresses.includes(h))
                throw new Error(
                    `crossRegion: upstream.hosts[${i}] '${h}' is not in peerAddresses (pg_rewind and a fail-back come from there)`,
                );
    } else if (c.standbySlots.length === 0)
        throw new Error("crossRegion: a primary region needs standbySlots, a standby region upstream");
}

/** The pg_hba rows for the other regions: TLS, a password and a client certificate whose CN is the user. */
export function crossRegionHbaRows(
    peers: readonly string[],
    users: { readonly replication: string; readonly rewind?: string },
): string[][] {
    const row = (db: string, user: string, ip: string, clientcert: "verify-full" | "verify-ca") => [
        "hostssl",
        db,
        user,
        `${ip}/32`,
        "scram-sha-256",
        `clientcert=${clientcert}`,
    ];
    return peers.flatMap((ip) => [
        // Streaming and base backups of the standby leader (and, after a promotion, the other way round).
        row("replication", users.replication, ip, "verify-full"),
        // The standby leader's timeline check and pg_rewind against the remote leader. They show the node's one
        // certificate, whose CN is the replication role, so the rewind role asks for the replication CA's
        // signature (verify-ca) beside its password rather than a CN of its own.
        ...(users.rewind ? [row("postgres", users.rewind, ip, "verify-ca")] : []),
    ]);
}

/** libpq's TLS options: verify the server's certificate against the replication CA, show our own. */
export function libpqTls(caFile: string, certFile: string, keyFile: string): Record<string, string> {
    return { sslmode: "verify-full", sslrootcert: caFile, sslcert: certFile, sslkey: keyFile };
}

/** PostgreSQL's server TLS: the node's certificate, the replication CA for client certificates, TLS 1.3 only. */
export function serverTlsParameters(t: ReplicationTlsPaths): Record<string, string> {
    return {
        ssl: "on",
        ssl_cert_file: t.certFile,
        ssl_key_file: t.keyFile,
        ssl_ca_file: t.caFile,
        ssl_min_protocol_version: "TLSv1.3",
    };
}

/** `bootstrap.dcs` additions: a standby region's `standby_cluster`, a primary region's permanent `slots`. */
export function crossRegionDcs(c: CrossRegionCommon): Record<string, unknown> {
    if (c.upstream)
        return {
            standby_cluster: {
                host: c.upstream.hosts.join(","),
                port: c.upstream.port,
                primary_slot_name: c.upstream.slotName,
            },
        };
    return { slots: Object.fromEntries(c.standbySlots.map((s) => [s, { type: "physical" }])) };
}

const PEM = /^-----BEGIN [A-Z ]+-----\n[\s\S]+-----END [A-Z ]+-----\n?$/;

/** The replication TLS files as 0600 secrets, and the Patroni unit's drop-in that hands them over. */
export function renderReplicationTlsFiles(m: ReplicationTlsMaterial, unit: string): RenderedFile[] {
    for (const [field, pem] of Object.entries<string>({ ...m }))
        if (!PEM.test(pem)) throw new Error(`crossRegion: tls.${field} is not PEM`);
    return [
        ...entries.map(([k, [, source]]) => secretFile(`${SECRETS_DIR}/${source}`, m[MATERIAL[k]], "pem")),
        {
            path: `${UNIT_DIR}/${unit}.d/20-phase-stacks-replication-tls.conf`,
            content: renderIni({ Service: { LoadCredential: REPLICATION_TLS.credentials } }, [
                "Written by phase-stacks: the cross-region replication certificates, for PostgreSQL and libpq.",
            ]),
            kind: "systemd",
            permissions: "0644",
        },
    ];
}

/**
 * Whether a standby region's cluster can run on the primary region's WAL: a hot standby needs at least the
 * primary's values of these (PostgreSQL refuses to start otherwise), the roles it logs in as are the primary's
 * (a physical copy), and member names must differ (the primary's pg_stat_replication tells its own members
 * from the standby leader by application_name, which is the member name).
 */
export function crossRegionProblems(
    primary: {
        readonly name: string;
        readonly parameters: Readonly<Record<string, string | number | boolean | undefined>>;
        readonly passwords: Readonly<Record<string, string>>;
    },
    standby: typeof primary,
): string[] {
    const problems: string[] = [];
    for (const p of [
        "max_connections",
        "max_worker_processes",
        "max_wal_senders",
        "max_prepared_transactions",
        "max_locks_per_transaction",
    ]) {
        const a = primary.parameters[p];
        const b = standby.parameters[p];
        if (a !== undefined && (b === undefined || Number(b) < Number(a)))
            problems.push(`${p}: the standby's ${b ?? "default"} is below the primary's ${a}`);
    }
    for (const p of ["wal_level", "wal_log_hints", "password_encryption"])
        if (primary.parameters[p] !== standby.parameters[p])
            problems.push(`${p} differs between the regions`);
    for (const k of ["replication", "rewind", "superuser"])
        if (primary.passwords[k] !== standby.passwords[k])
            problems.push(`passwords.${k} differs: the standby logs in with the primary region's roles`);
    if (primary.name === standby.name) problems.push(`member name ${primary.name} is used in both regions`);
    return problems;
}
