/**
 * PgBouncer in front of Postgres on each data-tier node: transaction pooling on the private address, scram
 * auth against its own userlist (a secret file), and the server connection to the local Postgres only, so the
 * writer/reader load balancers decide which node a client reaches.
 */
import { renderIni } from "../base/ini";

export const PGBOUNCER_PORT = 6432;

export interface PgbouncerSpec {
    readonly listenAddresses: readonly string[];
    readonly database: string;
    readonly pgPort: number;
    readonly authFile: string;
    readonly maxClientConn: number;
    readonly poolSize: number;
    readonly unixSocketDir: string;
}

export function renderPgbouncerConfig(s: PgbouncerSpec): string {
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(s.database))
        throw new Error(`database '${s.database}' is not an identifier`);
    return renderIni(
        {
            databases: { [s.database]: `host=127.0.0.1 port=${s.pgPort} dbname=${s.database}` },
            pgbouncer: {
                listen_addr: s.listenAddresses.join(","),
                listen_port: PGBOUNCER_PORT,
                unix_socket_dir: s.unixSocketDir,
                auth_type: "scram-sha-256",
                auth_file: s.authFile,
                pool_mode: "transaction",
                max_client_conn: s.maxClientConn,
                default_pool_size: s.poolSize,
                server_tls_sslmode: "disable",
                ignore_startup_parameters: "extra_float_digits",
                admin_users: "postgres",
            },
        },
        ["phase-stacks: PgBouncer, transaction pooling in front of the local Postgres."],
    );
}

/** userlist.txt: PgBouncer hashes a plain password itself when it logs in to Postgres with scram. */
export function renderPgbouncerUserlist(user: string, password: string): string {
    if (/["\r\n]/.test(password))
        throw new Error("the postgres password must not contain double quotes or newlines");
    return `"${user}" "${password}"\n`;
}
