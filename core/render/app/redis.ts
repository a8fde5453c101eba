/** redis.conf for the Celery broker and app cache; the password lives in a separate file it includes. */
import { CONTAINER_PATHS } from "../base/paths";

/** Share of the container limit Redis may fill with data; the rest covers fork-on-save and buffers. */
const MAXMEMORY_SHARE = 0.75;

export function renderRedisConfig(memoryMb: number): string {
    return [
        "# phase-stacks: Redis for the Celery broker and the application cache.",
        "bind * -::*",
        "port 6379",
        "# No `dir`: the image's working directory, /data, is its volume and where the AOF goes.",
        "appendonly yes",
        "appendfsync everysec",
        `maxmemory ${Math.floor(memoryMb * MAXMEMORY_SHARE)}mb`,
        "# Evict only keys with a TTL (cache entries); queue keys have none, so a full Redis refuses writes instead of dropping tasks.",
        "maxmemory-policy volatile-lru",
        "# Last, so nothing above can override the password.",
        `include ${CONTAINER_PATHS.redisAuth}`,
        "",
    ].join("\n");
}

/** Unquoted, so the healthcheck can read it with sed; secrets.ts only admits characters that need no quoting. */
export function renderRedisAuth(password: string): string {
    return `requirepass ${password}\n`;
}
