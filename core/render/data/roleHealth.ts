/**
 * A tiny role health responder, Patroni-style: `GET /primary` answers 200 only on the Postgres primary,
 * `/replica` only on a streaming replica, `/redis-primary` only where Redis is the master. The internal load
 * balancers' health checks call it, so the writer and reader endpoints follow a failover with no VIP tooling.
 * systemd socket activation (Accept=yes) hands each connection to the script on stdin/stdout.
 */
import type { RenderedFile } from "../base/artifact";
import { SCRIPTS_DIR } from "../base/paths";
import { envSetting } from "../base/shell";
import { bashScript } from "../base/shell";
import { unitFile } from "../base/systemd";

// 8008 is Patroni's REST API on the same nodes.
export const ROLE_HEALTH_PORT = 8009;
export const ROLE_HEALTH_SCRIPT = `${SCRIPTS_DIR}/role-health.sh`;
export const ROLE_HEALTH_UNITS = {
    socket: "phase-stacks-role-health.socket",
    service: "phase-stacks-role-health@.service",
} as const;

export interface RoleHealthSpec {
    readonly pgBin: string;
    readonly pgSocketDir: string;
    readonly pgPort: number;
    readonly redisPort: number;
    /** The secret file holding only the Redis password; systemd hands the unit a copy (LoadCredential). */
    readonly redisPasswordFile: string;
}

export function renderRoleHealthScript(s: RoleHealthSpec): string {
    return bashScript(
        ["Answers one HTTP request on stdin: 200 when this node holds the asked-for role, 503 otherwise."],
        [
            ...envSetting("PG_BIN", s.pgBin),
            ...envSetting("PG_SOCKET_DIR", s.pgSocketDir),
            ...envSetting("PG_PORT", s.pgPort),
            ...envSetting("REDIS_PORT", s.redisPort),
            'readonly redis_password_file="${REDIS_PASSWORD_FILE:?the unit sets it}"',
            'reply() { printf \'HTTP/1.1 %s\\r\\nContent-Type: text/plain\\r\\nContent-Length: %d\\r\\nConnection: close\\r\\n\\r\\n%s\\n\' "$1" $((${#2} + 1)) "$2"; }',
            "IFS=' ' read -r -t 5 _method path _version || exit 0",
            'path="${path%%\\?*}"',
            'pg_recovery() { timeout 3 "$pg_bin/psql" -XAtq -h "$pg_socket_dir" -p "$pg_port" -U postgres -d postgres -c \'SELECT pg_is_in_recovery()\' 2>/dev/null || echo down; }',
            'redis_role() { REDISCLI_AUTH="$(cat "$redis_password_file" 2>/dev/null)" timeout 3 redis-cli --no-auth-warning -h 127.0.0.1 -p "$redis_port" role 2>/dev/null | head -n 1 || echo down; }',
            'answer() { if [[ "$1" == "$2" ]]; then reply \'200 OK\' "$3"; else reply \'503 Service Unavailable\' "not $3"; fi; }',
            'case "$path" in',
            '    /primary) answer "$(pg_recovery)" f primary ;;',
            '    /replica) answer "$(pg_recovery)" t replica ;;',
            '    /redis-primary) answer "$(redis_role)" master master ;;',
            '    *) reply "404 Not Found" "try /primary, /replica or /redis-primary" ;;',
            "esac",
        ],
    );
}

export function renderRoleHealth(s: RoleHealthSpec, listenAddress: string): RenderedFile[] {
    return [
        { path: ROLE_HEALTH_SCRIPT, content: renderRoleHealthScript(s), kind: "shell", permissions: "0755" },
        unitFile(ROLE_HEALTH_UNITS.socket, {
            Unit: { Description: "phase-stacks role health endpoint (/primary, /replica, /redis-primary)" },
            Socket: {
                ListenStream: `${listenAddress}:${ROLE_HEALTH_PORT}`,
                Accept: true,
                MaxConnections: 32,
                FreeBind: true,
            },
            Install: { WantedBy: "sockets.target" },
        }),
        unitFile(ROLE_HEALTH_UNITS.service, {
            Unit: { Description: "phase-stacks role health check" },
            Service: {
                // postgres: peer auth over the local socket, and it can read the Redis password file.
                User: "postgres",
                LoadCredential: `redis-password:${s.redisPasswordFile}`,
                Environment: "REDIS_PASSWORD_FILE=%d/redis-password",
                ExecStart: ROLE_HEALTH_SCRIPT,
                StandardInput: "socket",
                StandardOutput: "socket",
                StandardError: "journal",
                RuntimeMaxSec: 10,
                NoNewPrivileges: true,
                ProtectSystem: "strict",
                ProtectHome: true,
                PrivateTmp: true,
            },
        }),
    ];
}
