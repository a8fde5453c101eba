/**
 * What the containerised postgres_exporter and redis_exporter are told: where their database is and which file
 * holds its password. One definition for the app host's compose project, the dev containers and the secret file,
 * so the address redis_exporter scrapes is the one its password file is keyed by. Passwords stay in files.
 */
import { CONTAINER_PATHS } from "../base/paths";
import { hostPort, type Endpoint } from "../../topology/placement";
import { renderRedisPasswordMap } from "../monitoring/redisExporter";

export interface PostgresExporterTarget {
    readonly endpoint: Endpoint;
    readonly database: string;
    readonly user: string;
}

/** postgres_exporter builds `postgresql://user:pass@<DATA_SOURCE_URI>` from these, reading the password file. */
export function postgresExporterEnv(t: PostgresExporterTarget): Record<string, string> {
    return {
        DATA_SOURCE_URI: `${hostPort(t.endpoint)}/${encodeURIComponent(t.database)}?sslmode=disable`,
        DATA_SOURCE_USER: t.user,
        DATA_SOURCE_PASS_FILE: CONTAINER_PATHS.postgresPassword,
    };
}

/** The URI redis_exporter scrapes, and the key of its password file. */
export function redisExporterAddr(redis: Endpoint): string {
    return `redis://${hostPort(redis)}`;
}

/** With a password file, redis_exporter looks the scraped URI up in it; without, it connects unauthenticated. */
export function redisExporterEnv(redis: Endpoint, withPasswordFile: boolean): Record<string, string> {
    return {
        REDIS_ADDR: redisExporterAddr(redis),
        ...(withPasswordFile ? { REDIS_PASSWORD_FILE: CONTAINER_PATHS.redisExporterPasswords } : {}),
    };
}

/** redis_exporter's password file: a JSON object from scraped URI to password (a bare password is fatal to it). */
export function renderRedisExporterPasswords(redis: Endpoint, password: string): string {
    return renderRedisPasswordMap(redisExporterAddr(redis), password);
}
