/**
 * postgresql.conf of a data-tier node. Primary and replicas get the same settings (any replica may be promoted);
 * only `cluster_name` (which a replica's WAL receiver reports as its application_name) and the synchronous
 * standby list differ. The list lives on the primary alone: a promoted replica with no standby left must not
 * wait for one, so after a failover the new primary runs asynchronous until a replica is re-cloned.
 */

export interface PostgresConfSpec {
    /** This node's name: `primary`, `replica1`, ... */
    readonly nodeName: string;
    readonly listenAddresses: readonly string[];
    readonly port: number;
    /** RAM Postgres may plan for, MiB (the host's memory minus what else runs there). */
    readonly memoryMb: number;
    readonly maxConnections: number;
    readonly hbaFile: string;
    /** Replica names (`cluster_name`s) that get a slot; a primary with none still archives WAL. */
    readonly replicaNames: readonly string[];
    /** Names of the standbys a commit waits for (`ANY 1 (...)`); empty for asynchronous replication. */
    readonly synchronousStandbys: readonly string[];
    /** Caps the WAL an abandoned slot can pin, so a dead replica cannot fill the disk. */
    readonly maxSlotWalKeepSizeGb: number;
    /** Runs for every finished WAL segment (%p path, %f file name). */
    readonly archiveCommand: string;
    /** Seconds after which a partly filled segment is archived anyway: the RPO of the WAL archive. */
    readonly archiveTimeoutSeconds: number;
    /** Unix socket directory (tests point it at a temp dir). */
    readonly socketDirectory: string;
}

/** Postgres string literal: single quotes, inner quotes doubled. */
export function pgQuote(value: string): string {
    if (/[\r\n]/.test(value)) throw new Error("postgresql.conf values must be one line");
    return `'${value.replace(/'/g, "''")}'`;
}

export function assertNodeName(name: string): string {
    if (!/^[a-z][a-z0-9_]{0,62}$/.test(name))
        throw new Error(`node name '${name}' must be a lower-case identifier (it names a replication slot)`);
    return name;
}

/** Memory settings from the RAM Postgres may plan for; Patroni's nodes get the same ones (patroni.ts). */
export function memorySettings(memoryMb: number, maxConnections: number): [string, string][] {
    if (memoryMb < 256) throw new Error(`postgres memoryMb ${memoryMb} is below 256`);
    return [
        // A quarter of RAM for shared buffers, three quarters as the planner's cache estimate (the usual start).
        ["shared_buffers", `${Math.floor(memoryMb / 4)}MB`],
        ["effective_cache_size", `${Math.floor((memoryMb * 3) / 4)}MB`],
        ["work_mem", `${Math.max(4, Math.floor(memoryMb / maxConnections / 4))}MB`],
        ["maintenance_work_mem", `${Math.max(64, Math.floor(memoryMb / 16))}MB`],
    ];
}

export function renderPostgresConf(spec: PostgresConfSpec): string {
    assertNodeName(spec.nodeName);
    spec.replicaNames.forEach(assertNodeName);
    const unknown = spec.synchronousStandbys.filter((s) => !spec.replicaNames.includes(s));
    if (unknown.length > 0) throw new Error(`synchronous standbys ${unknown.join(", ")} are not replicas`);
    const settings: [string, string | number][] = [
        ["cluster_name", pgQuote(spec.nodeName)],
        ["listen_addresses", pgQuote(spec.listenAddresses.join(","))],
        ["port", spec.port],
        ["unix_socket_directories", pgQuote(spec.socketDirectory)],
        ["hba_file", pgQuote(spec.hbaFile)],
        ["max_connections", spec.maxConnections],
        ["password_encryption", pgQuote("scram-sha-256")],
        ...memorySettings(spec.memoryMb, spec.maxConnections).map(([k, v]): [string, string] => [
            k,
            pgQuote(v),
        ]),
        ["wal_level", "replica"],
        // Fixed headroom, not the replica count: a standby or a restore needs at least the value its source ran with.
        ["max_wal_senders", Math.max(10, spec.replicaNames.length + 4)],
        ["max_replication_slots", Math.max(10, spec.replicaNames.length + 4)],
        ["max_slot_wal_keep_size", pgQuote(`${spec.maxSlotWalKeepSizeGb}GB`)],
        ["wal_keep_size", pgQuote("256MB")],
        // Lets pg_rewind turn a failed primary into a replica of the new one without a full re-clone.
        ["wal_log_hints", "on"],
        ["hot_standby", "on"],
        ["hot_standby_feedback", "on"],
        ["synchronous_commit", "on"],
        [
            "synchronous_standby_names",
            pgQuote(
                spec.synchronousStandbys.length > 0 ? `ANY 1 (${spec.synchronousStandbys.join(", ")})` : "",
            ),
        ],
        ["archive_mode", "on"],
        ["archive_command", pgQuote(spec.archiveCommand)],
        ["archive_timeout", spec.archiveTimeoutSeconds],
        ["log_destination", pgQuote("stderr")],
        ["log_line_prefix", pgQuote("%m [%p] %q%u@%d ")],
        ["log_connections", "on"],
        ["log_replication_commands", "on"],
    ];
    return (
        [
            `# phase-stacks: PostgreSQL node ${spec.nodeName}. Written at first boot; edit via the stack and rebuild.`,
            ...settings.map(([k, v]) => `${k} = ${v}`),
        ].join("\n") + "\n"
    );
}
