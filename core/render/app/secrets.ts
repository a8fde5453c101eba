/**
 * The files under SECRETS_DIR that the app host's services read their credentials from. Nothing outside this
 * module (and the backup env file) sees a secret value; every file it returns is 0600 and flagged secret.
 */
import type { Workload } from "../../workload/services";
import { SECRETS_DIR, type ArtifactKind, type RenderedFile } from "../base/artifact";
import { SECRET_PATHS } from "../base/paths";
import { isLocal, serviceEndpoint, type HostPlacement } from "../../topology/placement";
import { renderRedisAuth } from "./redis";
import { renderRedisExporterPasswords } from "./exporterEnv";

export interface ServiceSecrets {
    readonly postgresPassword: string;
    readonly redisPassword: string;
    readonly meiliMasterKey: string;
    readonly grafanaAdminPassword: string;
    readonly originCertPem: string;
    readonly originKeyPem: string;
    /** The alert receiver's SMTP password or webhook token (config `alertReceiverCredential`); "" without one. */
    readonly alertReceiverCredential: string;
}

export interface SecretFilesSpec {
    readonly workload: Workload;
    readonly placement: HostPlacement;
    readonly postgres: { readonly database: string; readonly user: string };
    readonly secrets: ServiceSecrets;
}

export function secretFile(path: string, content: string, kind: ArtifactKind): RenderedFile {
    if (!path.startsWith(`${SECRETS_DIR}/`))
        throw new Error(`secret file ${path} must live under ${SECRETS_DIR}`);
    return { path, content, kind, permissions: "0600", secret: true };
}

/**
 * Docker env files and the unquoted redis `requirepass` carry values verbatim only without whitespace, quotes,
 * backslashes, `$` (compose v2 interpolates it) or `#`. The error names the secret, never its value.
 */
function assertBareToken(name: string, value: string): string {
    if (value.length === 0 || !/^[A-Za-z0-9!%&()*+,\-./:;<=>?@[\]^_{|}~]+$/.test(value)) {
        throw new Error(
            `secret ${name} must be non-empty and contain no whitespace, quotes, backslashes, '$' or '#': regenerate it without them`,
        );
    }
    return value;
}

function envFile(entries: Readonly<Record<string, string>>): string {
    return Object.entries(entries)
        .map(([k, v]) => `${k}=${assertBareToken(k, v)}`)
        .join("\n")
        .concat("\n");
}

/** Meilisearch refuses to start in production with a master key shorter than 16 bytes. */
const MEILI_MIN_KEY_BYTES = 16;

export function renderSecretFiles(spec: SecretFilesSpec): RenderedFile[] {
    const { secrets: s, workload, placement, postgres } = spec;
    if (Buffer.byteLength(s.meiliMasterKey) < MEILI_MIN_KEY_BYTES)
        throw new Error(`secret meiliMasterKey must be at least ${MEILI_MIN_KEY_BYTES} bytes`);
    assertBareToken("redisPassword", s.redisPassword);
    assertBareToken("meiliMasterKey", s.meiliMasterKey);
    const pg = serviceEndpoint(placement, workload, "postgres");
    const redis = serviceEndpoint(placement, workload, "redis");
    const meili = serviceEndpoint(placement, workload, "meilisearch");
    const pgUser = encodeURIComponent(postgres.user);
    const appEnv = envFile({
        DATABASE_URL: `postgresql://${pgUser}:${encodeURIComponent(s.postgresPassword)}@${pg.host}:${pg.port}/${encodeURIComponent(postgres.database)}`,
        REDIS_URL: `redis://:${encodeURIComponent(s.redisPassword)}@${redis.host}:${redis.port}/0`,
        MEILISEARCH_URL: `http://${meili.host}:${meili.port}`,
        MEILISEARCH_API_KEY: s.meiliMasterKey,
    });
    return [
        // The postgres entrypoint and Grafana read these whole files, so no trailing newline.
        secretFile(SECRET_PATHS.postgresPassword, s.postgresPassword, "text"),
        secretFile(SECRET_PATHS.grafanaAdminPassword, s.grafanaAdminPassword, "text"),
        secretFile(SECRET_PATHS.redisAuth, renderRedisAuth(s.redisPassword), "redis-conf"),
        ...(isLocal(placement, "redisExporter")
            ? [
                  secretFile(
                      SECRET_PATHS.redisExporterPasswords,
                      renderRedisExporterPasswords(redis, s.redisPassword),
                      "text",
                  ),
              ]
            : []),
        secretFile(SECRET_PATHS.meilisearchEnv, envFile({ MEILI_MASTER_KEY: s.meiliMasterKey }), "env"),
        secretFile(SECRET_PATHS.appEnv, appEnv, "env"),
        secretFile(SECRET_PATHS.originCert, s.originCertPem, "pem"),
        secretFile(SECRET_PATHS.originKey, s.originKeyPem, "pem"),
        // Alertmanager reads the whole file as the password or token: no trailing newline. Shipped empty without a
        // receiver, so the compose secret and the unit's chown always find it.
        secretFile(SECRET_PATHS.alertReceiverCredential, s.alertReceiverCredential, "text"),
    ];
}
