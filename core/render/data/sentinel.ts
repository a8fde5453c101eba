/**
 * Redis replication with Sentinel for the data tier: redis.conf of each node (the primary, or a replica of it)
 * and sentinel.conf of each of the three Sentinels. Both carry the password, so both are secret files.
 * Every process announces the host's private address, so nothing advertises an address peers cannot reach.
 */

export const SENTINEL_PORT = 26379;
export const SENTINEL_MASTER = "phase-stacks";

export interface RedisNodeSpec {
    readonly bind: readonly string[];
    readonly port: number;
    readonly announceIp: string;
    readonly dir: string;
    readonly maxmemoryMb: number;
    readonly password: string;
    /** The primary to replicate from; absent on the primary. */
    readonly replicaOf?: { readonly host: string; readonly port: number };
}

export interface SentinelSpec {
    readonly bind: readonly string[];
    readonly port: number;
    readonly announceIp: string;
    readonly dir: string;
    readonly primary: { readonly host: string; readonly port: number };
    readonly quorum: number;
    readonly downAfterMs: number;
    readonly failoverTimeoutMs: number;
    readonly password: string;
}

/** Redis config values are unquoted here: the password must be one bare token. */
function token(name: string, value: string): string {
    if (!/^[A-Za-z0-9!%&()*+,\-./:;<=>?@[\]^_{|}~]+$/.test(value))
        throw new Error(`${name} must be a bare token (no whitespace, quotes, backslashes, '$' or '#')`);
    return value;
}

export function renderRedisNodeConf(s: RedisNodeSpec): string {
    const pw = token("redis password", s.password);
    return [
        `# phase-stacks: Redis ${s.replicaOf ? `replica of ${s.replicaOf.host}:${s.replicaOf.port}` : "primary"} (Sentinel decides who is primary after a failover).`,
        `bind ${s.bind.join(" ")}`,
        `port ${s.port}`,
        "protected-mode yes",
        `dir ${token("dir", s.dir)}`,
        "dbfilename dump.rdb",
        // RDB snapshots for the backups, AOF so a restart loses at most a second of queue state.
        "save 900 1 300 10 60 10000",
        "appendonly yes",
        "appendfsync everysec",
        `maxmemory ${Math.floor(s.maxmemoryMb * 0.75)}mb`,
        "maxmemory-policy volatile-lru",
        `replica-announce-ip ${s.announceIp}`,
        `replica-announce-port ${s.port}`,
        "replica-read-only yes",
        `requirepass ${pw}`,
        `masterauth ${pw}`,
        ...(s.replicaOf ? [`replicaof ${s.replicaOf.host} ${s.replicaOf.port}`] : []),
        "",
    ].join("\n");
}

export function renderSentinelConf(s: SentinelSpec): string {
    const pw = token("redis password", s.password);
    if (s.quorum < 1) throw new Error("sentinel quorum must be at least 1");
    return [
        "# phase-stacks: Redis Sentinel. Sentinel rewrites this file with what it learns; keep it writable.",
        `bind ${s.bind.join(" ")}`,
        `port ${s.port}`,
        `dir ${token("dir", s.dir)}`,
        `sentinel announce-ip ${s.announceIp}`,
        `sentinel announce-port ${s.port}`,
        "sentinel resolve-hostnames no",
        `sentinel monitor ${SENTINEL_MASTER} ${s.primary.host} ${s.primary.port} ${s.quorum}`,
        `sentinel auth-pass ${SENTINEL_MASTER} ${pw}`,
        `sentinel down-after-milliseconds ${SENTINEL_MASTER} ${s.downAfterMs}`,
        `sentinel failover-timeout ${SENTINEL_MASTER} ${s.failoverTimeoutMs}`,
        `sentinel parallel-syncs ${SENTINEL_MASTER} 1`,
        "",
    ].join("\n");
}
