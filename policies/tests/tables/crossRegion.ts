/**
 * Tables for phase 4's cross-region replication checks on the patroni.yml of a primary region member and of a
 * standby region member. The two patroni.yml fixtures are what phase 3's renderer
 * (core/render/data/patroni.ts) writes plus its `crossRegion` option (ssl on with the server's certificate, key
 * and CA, TLSv1.3 at least, verify-full replication credentials, hostssl rows with clientcert=verify-full for the
 * peer regions' /32s, and bootstrap.dcs.standby_cluster on a standby region), with only keys Patroni 3.0.2 reads
 * (docs/SETTINGS.rst; `standby_cluster` and the replication credentials as patroni/config.py lists them). They
 * ship as the program ships them: gz+b64 write_files entries under the secrets directory, mode 0600.
 */
import { gzipSync, gunzipSync } from "node:zlib";
import { parse, stringify } from "yaml";
import { PATRONI_CONFIG_SECRET } from "../../../core/render/data/patroniNode";
import { publicListenTls, publicReplicationHostsslCert, standbyVerifyFull } from "../../data/replication";
import type { Json } from "../../lib/read";
import { T } from "../../lib/typeTokens";
import { res, type Change, type PolicyTable } from "../table";
import { EU, PEERS, US_EAST } from "./regions";

const CRED = "/run/credentials/phase-stacks-patroni.service";

/** Shared by both regions' members as phase 3 renders it: scope, name, the REST API, patronictl and etcd3 over the cluster TLS. */
const common = (scope: string, name: string, address: string, etcd: string[]) => `
scope: ${scope}
name: ${name}
restapi:
  listen: ${address}:8008
  connect_address: ${address}:8008
  certfile: ${CRED}/node.crt
  keyfile: ${CRED}/node.key
  cafile: ${CRED}/ca.crt
  verify_client: none
  authentication:
    username: patroni
    password: <secret:patroni-restApi>
  allowlist:
    - 127.0.0.1/32
  allowlist_include_members: true
ctl:
  cacert: ${CRED}/ca.crt
  certfile: ${CRED}/node.crt
  keyfile: ${CRED}/node.key
etcd3:
  hosts:
${etcd.map((h) => `    - ${h}:2379`).join("\n")}
  protocol: https
  cacert: ${CRED}/ca.crt
  cert: ${CRED}/node.crt
  key: ${CRED}/node.key`;

const dcsParameters = `
      parameters:
        max_connections: 200
        max_wal_senders: 10
        max_replication_slots: 10
        wal_level: replica
        wal_log_hints: "on"
        wal_keep_size: 256MB
        max_slot_wal_keep_size: 20GB
        hot_standby: "on"
        hot_standby_feedback: "on"
        password_encryption: scram-sha-256
        archive_mode: "on"
        archive_command: /opt/phase-stacks/bin/wal-archive.sh %p %f
        archive_timeout: 300`;

const postgresql = (address: string, publicAddress: string, hba: string[]) => `
postgresql:
  # Members reach each other on the private address; the peer regions' standbys on the public one.
  listen: ${address},${publicAddress}:5432
  connect_address: ${address}:5432
  data_dir: /mnt/postgres/pgdata
  bin_dir: /usr/lib/postgresql/16/bin
  pgpass: /var/lib/postgresql/.pgpass-patroni
  use_unix_socket: true
  authentication:
    superuser:
      username: postgres
      password: <secret:patroni-superuser>
    replication:
      username: replicator
      password: <secret:services-replicationPassword>
      sslmode: verify-full
      sslrootcert: ${CRED}/ca.crt
      sslcert: ${CRED}/replicator.crt
      sslkey: ${CRED}/replicator.key
    rewind:
      username: rewind_user
      password: <secret:patroni-rewind>
  parameters:
    ssl: "on"
    ssl_cert_file: ${CRED}/pg-server.crt
    ssl_key_file: ${CRED}/pg-server.key
    ssl_ca_file: ${CRED}/ca.crt
    ssl_min_protocol_version: TLSv1.3
    unix_socket_directories: /var/run/postgresql
    shared_buffers: 512MB
    effective_cache_size: 1536MB
    work_mem: 4MB
    maintenance_work_mem: 128MB
    log_destination: stderr
    log_line_prefix: "%m [%p] %q%u@%d "
    log_connections: "on"
    log_replication_commands: "on"
  recovery_conf:
    restore_command: /opt/phase-stacks/bin/wal-fetch.sh %f %p
  basebackup:
    - checkpoint: fast
  pg_hba:
${hba.map((l) => `    - ${l}`).join("\n")}
watchdog:
  mode: automatic
  device: /dev/watchdog
  safety_margin: 5`;

const peerRows = (peers: string[]) => [
    "local all postgres peer",
    "local replication postgres peer",
    "host app app 127.0.0.1/32 scram-sha-256",
    "host app app 10.0.1.30/32 scram-sha-256",
    "host app app 10.0.1.31/32 scram-sha-256",
    ...peers.flatMap((p) => [
        `host replication replicator ${p}/32 scram-sha-256`,
        `host postgres replicator ${p}/32 scram-sha-256`,
        `host postgres rewind_user ${p}/32 scram-sha-256`,
    ]),
];
const REJECT_REST = ["host all all 0.0.0.0/0 reject", "host all all ::/0 reject"];

/** Index of the first cross-region row in PRIMARY_HBA (its position in postgresql.pg_hba and bootstrap.pg_hba). */
export const FIRST_PEER_ROW = peerRows(EU.private).length;

const PRIMARY_HBA = [
    ...peerRows(EU.private),
    ...PEERS.map((p) => `hostssl replication replicator ${p} scram-sha-256 clientcert=verify-full`),
    ...REJECT_REST,
];

/** pg-eu-1 of the EU primary region: a normal Patroni cluster, with permanent slots for the standby regions. */
export const PRIMARY_PATRONI_YML = `# phase-stacks: Patroni member pg-eu-1 of phase4-eu-central. Cluster-wide settings live in etcd after bootstrap.
${common("phase4-eu-central", "pg-eu-1", EU.private[0] ?? "", EU.private)}
bootstrap:
  dcs:
    ttl: 30
    loop_wait: 10
    retry_timeout: 10
    maximum_lag_on_failover: 1048576
    primary_start_timeout: 300
    synchronous_mode: true
    synchronous_mode_strict: false
    synchronous_node_count: 1
    failsafe_mode: true
    # The standby regions' slots survive a failover inside the EU.
    slots:
      us_east:
        type: physical
      us_west:
        type: physical
    postgresql:
      use_pg_rewind: true
      use_slots: true${dcsParameters}
  initdb:
    - encoding: UTF8
    - data-checksums
    - auth-local: peer
    - auth-host: scram-sha-256
  post_bootstrap: /opt/phase-stacks/bin/postgres-primary-init.sh
  pg_hba:
${PRIMARY_HBA.map((l) => `    - ${l}`).join("\n")}
${postgresql(EU.private[0] ?? "", EU.public[0] ?? "", PRIMARY_HBA)}
tags:
  nofailover: false
  noloadbalance: false
  clonefrom: false
  nosync: false
`;

const STANDBY_HBA = [...peerRows(US_EAST.private), ...REJECT_REST];

/** pg-us-east-1 of the us-east standby region: its own etcd, streaming from the EU writer over the internet. */
export const STANDBY_PATRONI_YML = `# phase-stacks: Patroni member pg-us-east-1 of phase4-us-east. Cluster-wide settings live in etcd after bootstrap.
${common("phase4-us-east", "pg-us-east-1", US_EAST.private[0] ?? "", US_EAST.private)}
bootstrap:
  dcs:
    ttl: 30
    loop_wait: 10
    retry_timeout: 10
    maximum_lag_on_failover: 1048576
    primary_start_timeout: 300
    synchronous_mode: false
    failsafe_mode: true
    standby_cluster:
      host: ${EU.public[0] ?? ""}
      port: 5432
      primary_slot_name: us_east
    postgresql:
      use_pg_rewind: true
      use_slots: true${dcsParameters}
  initdb:
    - encoding: UTF8
    - data-checksums
  pg_hba:
${STANDBY_HBA.map((l) => `    - ${l}`).join("\n")}
${postgresql(US_EAST.private[0] ?? "", US_EAST.public[0] ?? "", STANDBY_HBA)}
tags:
  nofailover: false
  noloadbalance: false
  clonefrom: false
  nosync: true
`;

const gzb64 = (text: string) => gzipSync(Buffer.from(text)).toString("base64");

/** A database server's cloud-config, shipping `patroniYml` as the program does (gz+b64, 0600). */
export function databaseUserData(patroniYml: string, encoding: "gz+b64" | "text/plain" = "gz+b64"): string {
    const doc = {
        package_update: true,
        packages: ["patroni", "postgresql-16", "etcd-server", "pgbouncer"],
        write_files: [
            { path: "/etc/phase-stacks/secrets/cluster-ca.crt", permissions: "0600", content: "[secret]" },
            { path: "/etc/phase-stacks/secrets/cluster-node.key", permissions: "0600", content: "[secret]" },
            {
                path: PATRONI_CONFIG_SECRET,
                permissions: "0600",
                ...(encoding === "gz+b64"
                    ? { encoding, content: gzb64(patroniYml) }
                    : { content: patroniYml }),
            },
            {
                path: "/etc/modules-load.d/phase-stacks-softdog.conf",
                permissions: "0644",
                content: "softdog\n",
            },
        ],
        runcmd: ["systemctl enable --now phase-stacks-patroni.service"],
    };
    return `#cloud-config\n${stringify(doc)}`;
}

export function databaseServer(name: string, patroniYml: string) {
    return res(T.hcloudServer, name, {
        serverType: "ccx23",
        image: "ubuntu-24.04",
        location: name.includes("us-east") ? "ash" : "fsn1",
        labels: { "managed-by": "phase-stacks", stack: "phase4", role: "database", stateful: "true" },
        firewallIds: [2001],
        userData: databaseUserData(patroniYml),
    });
}

type WriteFile = Record<string, unknown>;

function cloudConfigOf(p: Json): { doc: Record<string, unknown>; files: WriteFile[] } {
    const doc = parse(String(p["userData"]).replace(/^#cloud-config\n/, "")) as Record<string, unknown>;
    return { doc, files: doc["write_files"] as WriteFile[] };
}

/** Edits the server's cloud-config (its write_files and the rest). */
const userData =
    (edit: (doc: Record<string, unknown>, files: WriteFile[]) => void): Change =>
    (p) => {
        const { doc, files } = cloudConfigOf(p);
        edit(doc, files);
        p["userData"] = `#cloud-config\n${stringify(doc)}`;
    };

const patroniEntry = (files: WriteFile[]) => {
    const f = files.find((x) => x["path"] === PATRONI_CONFIG_SECRET);
    if (!f) throw new Error("the fixture ships no patroni.yml");
    return f;
};

/** Edits the shipped patroni.yml as a parsed document (decoded from and re-encoded to its encoding). */
export const patroni = (edit: (yml: Record<string, unknown>) => void): Change =>
    userData((_, files) => {
        const f = patroniEntry(files);
        const gz = f["encoding"] === "gz+b64";
        const text = gz
            ? gunzipSync(Buffer.from(String(f["content"]), "base64")).toString()
            : String(f["content"]);
        const yml = parse(text) as Record<string, unknown>;
        edit(yml);
        f["content"] = gz ? gzb64(stringify(yml)) : stringify(yml);
    });

/** The object at a path of the patroni.yml, created on the way when missing. */
export function node(yml: Record<string, unknown>, ...path: string[]): Record<string, unknown> {
    let cur = yml;
    for (const k of path) cur = (cur[k] ??= {}) as Record<string, unknown>;
    return cur;
}

const replicationAuth = (edit: (auth: Record<string, unknown>) => void) =>
    patroni((y) => edit(node(y, "postgresql", "authentication", "replication")));
const params = (edit: (p: Record<string, unknown>) => void) =>
    patroni((y) => edit(node(y, "postgresql", "parameters")));
const hbaList = (path: string[], edit: (rows: string[]) => void) =>
    patroni((y) => {
        const parent = node(y, ...path.slice(0, -1));
        const key = path[path.length - 1] ?? "";
        const rows = (parent[key] ??= []) as string[];
        edit(rows);
    });
/** Replaces the first cross-region row in postgresql.pg_hba. */
const peerRow = (line: string) =>
    hbaList(["postgresql", "pg_hba"], (rows) => rows.splice(FIRST_PEER_ROW, 1, line));
const addRow = (line: string) =>
    hbaList(["postgresql", "pg_hba"], (rows) => rows.splice(FIRST_PEER_ROW, 0, line));

/** The undecodable and unparseable patroni.yml cases every patroni policy fails closed on. */
const unreadable = [
    {
        name: "a patroni.yml whose gz+b64 content does not decode",
        change: userData((_, files) => {
            patroniEntry(files)["content"] = "H4sIAAAAAAAAA-not-gzip";
        }),
        expect: `userData write_files[2] (${PATRONI_CONFIG_SECRET}) cannot be read: its gz+b64 content does not decode`,
    },
    {
        name: "a patroni.yml that is not YAML",
        change: userData((_, files) => {
            patroniEntry(files)["content"] = gzb64("scope: [phase4\nname: pg-1\n");
        }),
        expect: "cannot be read: it does not parse as YAML",
    },
    {
        name: "a later write_files entry for the path that is a YAML list",
        change: userData((_, files) => {
            files.push({ path: PATRONI_CONFIG_SECRET, permissions: "0600", content: "- scope\n- name\n" });
        }),
        expect: `userData write_files[4] (${PATRONI_CONFIG_SECRET}) cannot be read: it is not a YAML mapping`,
    },
];

/** Servers with nothing to judge: user data unknown or absent, a script, or no patroni.yml. */
const nothingToJudge = [
    {
        name: "a server without user data",
        change: (p: Json) => {
            delete p["userData"];
        },
    },
    {
        name: "user data that is a shell script",
        change: (p: Json) => {
            p["userData"] = "#!/bin/sh\nsystemctl start patroni\n";
        },
    },
    {
        name: "a cloud-config without a patroni.yml",
        change: userData((_, files) => files.splice(2, 1)),
    },
];

export const CROSS_REGION_TABLES: readonly PolicyTable[] = [
    {
        policy: standbyVerifyFull,
        phase: "phase4",
        baseline: () => [databaseServer("db-us-east-1", STANDBY_PATRONI_YML)],
        broken: [
            {
                name: "sslmode require",
                change: replicationAuth((a) => (a["sslmode"] = "require")),
                expect: `hcloud Server 'db-us-east-1': userData write_files[2] (${PATRONI_CONFIG_SECRET}) postgresql.authentication.replication.sslmode is "require" on a standby cluster streaming from 203.0.113.11:5432 (bootstrap.dcs.standby_cluster), which encrypts but accepts any certificate`,
            },
            {
                name: "sslmode verify-ca",
                change: replicationAuth((a) => (a["sslmode"] = "verify-ca")),
                expect: 'sslmode is "verify-ca" on a standby cluster streaming from 203.0.113.11:5432 (bootstrap.dcs.standby_cluster), which checks the CA but not that the certificate names the primary',
            },
            {
                name: "no sslmode (libpq's prefer)",
                change: replicationAuth((a) => delete a["sslmode"]),
                expect: "sslmode is not set on a standby cluster streaming from 203.0.113.11:5432 (bootstrap.dcs.standby_cluster), so libpq's default (prefer) may stream in plain text",
            },
            {
                name: "no sslrootcert",
                change: replicationAuth((a) => delete a["sslrootcert"]),
                expect: "replication.sslrootcert is not set on a standby cluster streaming from 203.0.113.11:5432 (bootstrap.dcs.standby_cluster), so it names no CA",
            },
            {
                name: "no sslcert",
                change: replicationAuth((a) => delete a["sslcert"]),
                expect: "replication.sslcert is not set on a standby cluster streaming from 203.0.113.11:5432 (bootstrap.dcs.standby_cluster), so it presents no client certificate",
            },
            {
                name: "an empty sslkey",
                change: replicationAuth((a) => (a["sslkey"] = "")),
                expect: "replication.sslkey is not set",
            },
            {
                name: "phase 3's credentials on a standby streaming from a second EU host and port",
                change: patroni((y) => {
                    node(y, "postgresql", "authentication")["replication"] = {
                        username: "replicator",
                        password: "<secret:services-replicationPassword>",
                    };
                    Object.assign(node(y, "bootstrap", "dcs", "standby_cluster"), {
                        host: "203.0.113.12",
                        port: 6543,
                    });
                }),
                expect: "sslmode is not set on a standby cluster streaming from 203.0.113.12:6543",
            },
            {
                name: "the patroni.yml shipped as plain text",
                change: (p) => {
                    p["userData"] = databaseUserData(
                        STANDBY_PATRONI_YML.replace("sslmode: verify-full", "sslmode: prefer"),
                        "text/plain",
                    );
                },
                expect: 'sslmode is "prefer"',
            },
            ...unreadable,
        ],
        passing: [
            {
                name: "a primary region member with phase 3's credentials",
                change: (p) => {
                    p["userData"] = databaseUserData(PRIMARY_PATRONI_YML);
                    patroni((y) => {
                        node(y, "postgresql", "authentication")["replication"] = { username: "replicator" };
                    })(p, []);
                },
            },
            {
                name: "a standby fed by the WAL archive alone (no replication connection)",
                change: patroni((y) => {
                    node(y, "bootstrap", "dcs")["standby_cluster"] = {
                        restore_command: "/opt/phase-stacks/bin/wal-fetch.sh %f %p",
                    };
                    node(y, "postgresql", "authentication")["replication"] = { username: "replicator" };
                }),
            },
            {
                name: "an empty standby_cluster (not a standby to Patroni)",
                change: patroni((y) => {
                    node(y, "bootstrap", "dcs")["standby_cluster"] = { host: "", port: "" };
                    delete node(y, "postgresql", "authentication", "replication")["sslmode"];
                }),
            },
            ...nothingToJudge,
        ],
    },
    {
        policy: publicReplicationHostsslCert,
        phase: "phase4",
        baseline: () => [databaseServer("db-eu-1", PRIMARY_PATRONI_YML)],
        broken: [
            {
                name: "a host row for a peer region",
                change: peerRow("host replication replicator 198.51.100.21/32 scram-sha-256"),
                expect: `hcloud Server 'db-eu-1': userData write_files[2] (${PATRONI_CONFIG_SECRET}) postgresql.pg_hba[${FIRST_PEER_ROW}] ("host replication replicator 198.51.100.21/32 scram-sha-256") admits replication from 198.51.100.21/32, outside the private ranges, and is a host line, which also admits connections without TLS and authenticates by scram-sha-256 without clientcert=verify-full, so no client certificate is checked`,
            },
            {
                name: "hostssl without clientcert",
                change: peerRow("hostssl replication replicator 198.51.100.21/32 scram-sha-256"),
                expect: "admits replication from 198.51.100.21/32, outside the private ranges, and authenticates by scram-sha-256 without clientcert=verify-full",
            },
            {
                name: "clientcert=verify-ca",
                change: peerRow(
                    "hostssl replication replicator 198.51.100.21/32 scram-sha-256 clientcert=verify-ca",
                ),
                expect: "has clientcert=verify-ca, which does not check that the certificate names the user",
            },
            {
                name: "a hostnossl row",
                change: peerRow("hostnossl replication replicator 198.51.100.21/32 cert"),
                expect: "is a hostnossl line, which admits only connections without TLS",
            },
            {
                name: "a host row in bootstrap.pg_hba only",
                change: hbaList(["bootstrap", "pg_hba"], (rows) =>
                    rows.splice(FIRST_PEER_ROW, 1, "host replication replicator 198.51.100.21/32 md5"),
                ),
                expect: `bootstrap.pg_hba[${FIRST_PEER_ROW}] ("host replication replicator 198.51.100.21/32 md5")`,
            },
            {
                name: "a host row in bootstrap.dcs.postgresql.pg_hba",
                change: hbaList(["bootstrap", "dcs", "postgresql", "pg_hba"], (rows) =>
                    rows.push("host replication replicator 192.0.2.31/32 scram-sha-256"),
                ),
                expect: "bootstrap.dcs.postgresql.pg_hba[0] (",
            },
            {
                name: "an address with a netmask field",
                change: addRow("host replication replicator 198.51.100.0 255.255.255.0 scram-sha-256"),
                expect: "admits replication from 198.51.100.0 255.255.255.0, outside the private ranges",
            },
            {
                name: "any address (all)",
                change: addRow("hostssl replication all all scram-sha-256"),
                expect: "admits replication from all, outside the private ranges",
            },
            {
                name: "samenet, which includes the public interface's subnet",
                change: addRow("host replication replicator samenet scram-sha-256"),
                expect: "admits replication from samenet",
            },
            {
                name: "a host name",
                change: addRow("hostssl replication replicator pg-us-east-1.db.example.com scram-sha-256"),
                expect: "admits replication from pg-us-east-1.db.example.com",
            },
            {
                name: "replication in a database list, an IPv6 peer",
                change: addRow("host postgres,replication replicator 2001:db8:30::31/128 scram-sha-256"),
                expect: "admits replication from 2001:db8:30::31/128",
            },
            {
                name: "a public range inside an IPv4-mapped IPv6 prefix",
                change: addRow("host replication replicator ::ffff:198.51.100.0/120 scram-sha-256"),
                expect: "admits replication from ::ffff:198.51.100.0/120",
            },
            ...unreadable,
        ],
        passing: [
            { name: "method cert", change: peerRow("hostssl replication replicator 198.51.100.21/32 cert") },
            {
                name: "clientcert=verify-full with a trailing comment",
                change: peerRow(
                    "hostssl   replication  replicator  198.51.100.21/32  scram-sha-256  clientcert=verify-full  # us-east",
                ),
            },
            {
                name: "a reject row for public replication",
                change: addRow("host replication all 0.0.0.0/0 reject"),
            },
            {
                name: "an application row from a public range",
                change: addRow("hostssl app app 198.51.100.0/24 scram-sha-256"),
            },
            {
                name: 'a database named "replication" (quoted, not the keyword)',
                change: addRow('host "replication" app 198.51.100.21/32 scram-sha-256'),
            },
            {
                name: "a private netmask row",
                change: addRow("host replication replicator 10.0.1.0 255.255.255.0 scram-sha-256"),
            },
            { name: "samehost", change: addRow("host replication replicator samehost scram-sha-256") },
            {
                name: "a commented-out host row",
                change: addRow("# host replication replicator 198.51.100.21/32 trust"),
            },
            {
                name: "a standby region member (private rows only)",
                change: (p) => {
                    p["userData"] = databaseUserData(STANDBY_PATRONI_YML);
                },
            },
            ...nothingToJudge,
        ],
    },
    {
        policy: publicListenTls,
        phase: "phase4",
        baseline: () => [databaseServer("db-eu-1", PRIMARY_PATRONI_YML)],
        broken: [
            {
                name: "no ssl",
                change: params((p) => delete p["ssl"]),
                expect: `hcloud Server 'db-eu-1': userData write_files[2] (${PATRONI_CONFIG_SECRET}) postgresql.parameters.ssl is not set while postgresql.listen (10.0.1.11,203.0.113.11:5432) includes 203.0.113.11, reachable from outside the private ranges, so PostgreSQL runs with ssl off`,
            },
            {
                name: 'ssl "off"',
                change: params((p) => (p["ssl"] = "off")),
                expect: 'postgresql.parameters.ssl is "off" while postgresql.listen',
            },
            {
                name: "ssl false (a YAML boolean)",
                change: params((p) => (p["ssl"] = false)),
                expect: "postgresql.parameters.ssl is false while",
            },
            {
                name: "TLSv1.1 at least",
                change: params((p) => (p["ssl_min_protocol_version"] = "TLSv1.1")),
                expect: 'postgresql.parameters.ssl_min_protocol_version is "TLSv1.1" while postgresql.listen (10.0.1.11,203.0.113.11:5432) includes 203.0.113.11, reachable from outside the private ranges, below TLSv1.2',
            },
            {
                name: "no minimum protocol version",
                change: params((p) => delete p["ssl_min_protocol_version"]),
                expect: "postgresql.parameters.ssl_min_protocol_version is not set while",
            },
            {
                name: "phase 3's parameters on a wildcard listen",
                change: patroni((y) => {
                    const pg = node(y, "postgresql");
                    pg["listen"] = "*:5432";
                    for (const k of [
                        "ssl",
                        "ssl_cert_file",
                        "ssl_key_file",
                        "ssl_ca_file",
                        "ssl_min_protocol_version",
                    ])
                        delete node(pg, "parameters")[k];
                }),
                expect: "ssl is not set while postgresql.listen (*:5432) includes *",
            },
            {
                name: "0.0.0.0 without ssl",
                change: patroni((y) => {
                    node(y, "postgresql")["listen"] = "0.0.0.0:5432";
                    node(y, "postgresql", "parameters")["ssl"] = "off";
                }),
                expect: "includes 0.0.0.0",
            },
            {
                name: "[::] without ssl",
                change: patroni((y) => {
                    node(y, "postgresql")["listen"] = "[::]:5432";
                    node(y, "postgresql", "parameters")["ssl"] = "off";
                }),
                expect: "postgresql.listen ([::]:5432) includes ::",
            },
            {
                name: "a public IPv6 address without ssl",
                change: patroni((y) => {
                    node(y, "postgresql")["listen"] = "10.0.1.11,2001:db8:10::11:5432";
                    node(y, "postgresql", "parameters")["ssl"] = "off";
                }),
                expect: "includes 2001:db8:10::11",
            },
            {
                name: "a host name without ssl",
                change: patroni((y) => {
                    node(y, "postgresql")["listen"] = "pg-eu-1.db.example.com:5432";
                    node(y, "postgresql", "parameters")["ssl"] = "off";
                }),
                expect: "includes pg-eu-1.db.example.com",
            },
            {
                name: "ssl only in the bootstrap DCS, turned off there",
                change: patroni((y) => {
                    delete node(y, "postgresql", "parameters")["ssl"];
                    node(y, "bootstrap", "dcs", "postgresql", "parameters")["ssl"] = "off";
                }),
                expect: 'bootstrap.dcs.postgresql.parameters.ssl is "off" while',
            },
            {
                name: "a local off over a DCS on",
                change: patroni((y) => {
                    node(y, "postgresql", "parameters")["ssl"] = "off";
                    node(y, "bootstrap", "dcs", "postgresql", "parameters")["ssl"] = "on";
                }),
                expect: 'postgresql.parameters.ssl is "off" while',
            },
            ...unreadable,
        ],
        passing: [
            {
                name: "phase 3's private listen without ssl",
                change: patroni((y) => {
                    const pg = node(y, "postgresql");
                    pg["listen"] = "10.0.1.11:5432";
                    for (const k of [
                        "ssl",
                        "ssl_cert_file",
                        "ssl_key_file",
                        "ssl_ca_file",
                        "ssl_min_protocol_version",
                    ])
                        delete node(pg, "parameters")[k];
                }),
            },
            {
                name: "localhost and a private address without ssl",
                change: patroni((y) => {
                    node(y, "postgresql")["listen"] = "localhost,10.0.1.11:5432";
                    node(y, "postgresql", "parameters")["ssl"] = "off";
                }),
            },
            {
                name: "ssl and TLSv1.2 from the bootstrap DCS",
                change: patroni((y) => {
                    const local = node(y, "postgresql", "parameters");
                    delete local["ssl"];
                    delete local["ssl_min_protocol_version"];
                    Object.assign(node(y, "bootstrap", "dcs", "postgresql", "parameters"), {
                        ssl: "on",
                        ssl_min_protocol_version: "TLSv1.2",
                    });
                }),
            },
            {
                name: "names and values in other cases, ssl as a YAML boolean",
                change: patroni((y) => {
                    const local = node(y, "postgresql", "parameters");
                    delete local["ssl"];
                    delete local["ssl_min_protocol_version"];
                    Object.assign(local, { SSL: true, Ssl_Min_Protocol_Version: "tlsv1.2" });
                }),
            },
            {
                name: "a standby region member",
                change: (p) => {
                    p["userData"] = databaseUserData(STANDBY_PATRONI_YML);
                },
            },
            ...nothingToJudge,
        ],
    },
];
