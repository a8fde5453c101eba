/**
 * The scripts that bring a data-tier node up from an empty data directory, with no remote command: the primary
 * runs initdb, then (once it accepts connections) creates the application and replication roles, the database
 * and one physical slot per replica; a replica clones the primary with pg_basebackup in a retry loop until the
 * primary answers. Every path is a variable with the host's default, so the tests run the same scripts on loopback.
 */
import { assertNodeName } from "./postgresConf";
import { bashScript, envSetting, shellQuote } from "../base/shell";

export interface PgNodePaths {
    readonly pgData: string;
    readonly pgBin: string;
    readonly socketDir: string;
    readonly port: number;
}

export interface PrimaryInitSpec extends PgNodePaths {
    readonly database: string;
    readonly appUser: string;
    readonly replicationUser: string;
    readonly replicaNames: readonly string[];
    /** Files holding the passwords (0600, never in the script). */
    readonly appPasswordFile: string;
    readonly replicationPasswordFile: string;
}

export interface ReplicaCloneSpec extends PgNodePaths {
    readonly nodeName: string;
    readonly primaryHost: string;
    readonly primaryPort: number;
    readonly replicationUser: string;
    /** A libpq password file (host:port:db:user:password) for the replication user. */
    readonly passFile: string;
    /** Attempts, 10 s apart, before giving up (systemd restarts the unit after that). */
    readonly attempts: number;
}

const env = envSetting;

type PathSetting = "pgData" | "pgBin" | "socketDir" | "port";
const SETTING_NAMES: Readonly<Record<PathSetting, string>> = {
    pgData: "PGDATA",
    pgBin: "PG_BIN",
    socketDir: "PG_SOCKET_DIR",
    port: "PG_PORT",
};

/** The settings a script uses (and only those: shellcheck flags the rest), then its log function. */
const common = (p: PgNodePaths, used: readonly PathSetting[]) => [
    ...used.flatMap((k) => env(SETTING_NAMES[k], p[k])),
    "log() { printf 'phase-stacks-postgres: %s\\n' \"$*\"; }",
];

/** Run as the postgres user before the server starts. */
export function renderPrimaryPrepare(p: PgNodePaths): string {
    return bashScript(
        ["Creates the primary's data directory with initdb unless it already holds a cluster."],
        [
            ...common(p, ["pgData", "pgBin"]),
            'if [[ -s "$pgdata/PG_VERSION" ]]; then log "data directory $pgdata exists"; exit 0; fi',
            "# Checksums catch storage corruption; scram for every password; the local superuser by peer only.",
            '"$pg_bin/initdb" -D "$pgdata" -U postgres --data-checksums --auth-local=peer --auth-host=scram-sha-256',
            'log "initialised $pgdata"',
        ],
    );
}

/** Run as the postgres user once the primary accepts connections; idempotent, and a no-op on a replica. */
export function renderPrimaryInit(s: PrimaryInitSpec): string {
    for (const [k, v] of Object.entries({
        database: s.database,
        appUser: s.appUser,
        replicationUser: s.replicationUser,
    }))
        if (!/^[a-z_][a-z0-9_]{0,62}$/.test(v)) throw new Error(`${k} '${v}' is not an identifier`);
    s.replicaNames.forEach(assertNodeName);
    const slots = `ARRAY[${s.replicaNames.map((n) => `'${n}'`).join(", ")}]::text[]`;
    return bashScript(
        [
            "Creates the application role and database, the replication role and one physical slot per replica.",
            "Passwords are read from their files by psql itself, so they never appear in a command line.",
        ],
        [
            ...common(s, ["pgBin", "socketDir", "port"]),
            ...env("APP_PASSWORD_FILE", s.appPasswordFile),
            ...env("REPLICATION_PASSWORD_FILE", s.replicationPasswordFile),
            'export APP_PASSWORD_FILE="$app_password_file" REPLICATION_PASSWORD_FILE="$replication_password_file"',
            "for _ in $(seq 1 60); do",
            '    "$pg_bin/pg_isready" -q -h "$pg_socket_dir" -p "$pg_port" && break',
            "    sleep 1",
            "done",
            `"$pg_bin/psql" -X -q -v ON_ERROR_STOP=1 -h "$pg_socket_dir" -p "$pg_port" -U postgres -d postgres \\`,
            `    -v app_user=${shellQuote(s.appUser)} -v database=${shellQuote(s.database)} -v repl_user=${shellQuote(s.replicationUser)} <<'SQL'`,
            "-- Bootstrap runs before any replica exists: its commits must not wait for a synchronous standby.",
            "SET synchronous_commit = local;",
            "SELECT pg_is_in_recovery() AS in_recovery \\gset",
            "\\if :in_recovery",
            "\\echo 'a replica: roles and slots come from the primary'",
            "\\q",
            "\\endif",
            '\\set app_password `cat "$APP_PASSWORD_FILE"`',
            '\\set repl_password `cat "$REPLICATION_PASSWORD_FILE"`',
            "SELECT format('CREATE ROLE %I LOGIN', :'app_user') WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'app_user') \\gexec",
            "SELECT format('CREATE ROLE %I LOGIN REPLICATION', :'repl_user') WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'repl_user') \\gexec",
            "SELECT format('ALTER ROLE %I PASSWORD %L', :'app_user', :'app_password') \\gexec",
            "SELECT format('ALTER ROLE %I PASSWORD %L', :'repl_user', :'repl_password') \\gexec",
            "SELECT format('CREATE DATABASE %I OWNER %I', :'database', :'app_user') WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'database') \\gexec",
            "-- The health responder and pg_rewind read these as the replication role.",
            'GRANT pg_read_all_settings, pg_read_all_stats TO :"repl_user";',
            "GRANT EXECUTE ON FUNCTION pg_catalog.pg_ls_dir(text, boolean, boolean), pg_catalog.pg_stat_file(text, boolean),",
            '    pg_catalog.pg_read_binary_file(text), pg_catalog.pg_read_binary_file(text, bigint, bigint, boolean) TO :"repl_user";',
            `SELECT pg_create_physical_replication_slot(name, true) FROM unnest(${slots}) AS name`,
            "    WHERE NOT EXISTS (SELECT FROM pg_replication_slots s WHERE s.slot_name = name);",
            "SQL",
            'log "roles, database and replication slots are in place"',
        ],
    );
}

/** Run as the postgres user before a replica starts: clones the primary into an empty data directory. */
export function renderReplicaClone(s: ReplicaCloneSpec): string {
    assertNodeName(s.nodeName);
    return bashScript(
        [
            `Clones the primary into an empty data directory as replica ${s.nodeName}, streaming from slot ${s.nodeName}.`,
            "pg_basebackup -R writes standby.signal and primary_conninfo; the slot is created by the primary's init.",
        ],
        [
            ...common(s, ["pgData", "pgBin"]),
            ...env("PRIMARY_HOST", s.primaryHost),
            ...env("PRIMARY_PORT", s.primaryPort),
            ...env("PGPASSFILE", s.passFile),
            ...env("CLONE_ATTEMPTS", s.attempts),
            'export PGPASSFILE="$pgpassfile"',
            'if [[ -s "$pgdata/PG_VERSION" ]]; then log "data directory $pgdata exists"; exit 0; fi',
            'for attempt in $(seq 1 "$clone_attempts"); do',
            '    rm -rf "${pgdata:?}"/* 2>/dev/null || true',
            `    if "$pg_bin/pg_basebackup" -h "$primary_host" -p "$primary_port" -U ${shellQuote(s.replicationUser)} \\`,
            `        -D "$pgdata" -X stream -S ${shellQuote(s.nodeName)} -R --checkpoint=fast; then`,
            '        chmod 0700 "$pgdata"',
            '        log "cloned the primary $primary_host:$primary_port into $pgdata"',
            "        exit 0",
            "    fi",
            '    log "attempt $attempt: the primary is not ready yet"',
            "    sleep 10",
            "done",
            'log "FAILED: no clone after $clone_attempts attempts" >&2',
            "exit 1",
        ],
    );
}

/** Run as the postgres user on a replica, by an operator, once the primary is lost and fenced. */
export function renderPromote(p: PgNodePaths): string {
    return bashScript(
        [
            "Promotes this replica to primary. First fence the old primary (power it off, or `systemctl disable --now",
            "phase-stacks-postgres` on it): a primary that comes back would take writes too. The writer endpoint's",
            "/primary health check then moves clients here. The old primary rejoins only as a fresh clone (empty its PGDATA).",
        ],
        [
            ...common(p, ["pgBin", "socketDir", "port"]),
            'sql() { "$pg_bin/psql" -XAtq -h "$pg_socket_dir" -p "$pg_port" -U postgres -d postgres -c "$1"; }',
            'if [[ "$(sql "SELECT pg_is_in_recovery()")" != t ]]; then log "FAILED: this node is not a replica" >&2; exit 1; fi',
            'if [[ "$(sql "SELECT pg_promote(true, 60)")" != t ]]; then log "FAILED: promotion did not finish in 60 s" >&2; exit 1; fi',
            'log "OK: this node is the primary now"',
        ],
    );
}

/** A libpq password file line; `*` matches any host so the same file works for the primary's successor. */
export function renderPgPass(user: string, password: string): string {
    if (/[\r\n]/.test(password)) throw new Error("the replication password must be one line");
    const esc = (v: string) => v.replace(/\\/g, "\\\\").replace(/:/g, "\\:");
    return `*:*:*:${esc(user)}:${esc(password)}\n`;
}
