/**
 * Whether a name (env var, YAML key, config directive) holds a credential, and whether a value is a literal worth
 * judging. Names are split into words; a name is secret when one of its words is a secret word and its last word
 * does not say the value is something else (SECRET_KEY_BASE yes; DB_PASSWORD_FILE, password_encryption, secretName no).
 */

const SECRET_WORDS = new Set([
    "password",
    "passwd",
    "pass",
    "pwd",
    "passphrase",
    "secret",
    "token",
    "credential",
    "credentials",
    "apikey",
    "pgpassword",
    "requirepass",
    "masterauth",
    "privatekey",
    "secretkey",
    "accesskey",
]);
/** "key" is secret only after one of these (API_KEY, MASTER_KEY, but not SORT_KEY). */
const KEY_QUALIFIERS = new Set([
    "api",
    "access",
    "master",
    "private",
    "secret",
    "signing",
    "encryption",
    "license",
    "client",
    "app",
    "auth",
]);
/** A last word that makes the value a reference or a setting about secrets, not a secret. */
const NOT_A_SECRET = new Set([
    "file",
    "path",
    "dir",
    "directory",
    "name",
    "names",
    "ref",
    "id",
    "url",
    "uri",
    "endpoint",
    "host",
    "user",
    "username",
    "email",
    "header",
    "prefix",
    "length",
    "ttl",
    "timeout",
    "expiry",
    "expires",
    "enabled",
    "required",
    "encryption",
    "method",
    "type",
    "mode",
    "policy",
    "hash",
    "algorithm",
    "count",
    "min",
    "max",
    "rotation",
    "source",
    "format",
    "version",
    "size",
    "env",
    "auth",
    "authentication",
]);

export function words(name: string): string[] {
    return name
        .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
        .split(/[^A-Za-z0-9]+/)
        .filter((w) => w !== "")
        .map((w) => w.toLowerCase());
}

export function isSecretName(name: string): boolean {
    const w = words(name);
    const last = w[w.length - 1];
    if (last === undefined || NOT_A_SECRET.has(last)) return false;
    return w.some(
        (word, i) => SECRET_WORDS.has(word) || (word === "key" && KEY_QUALIFIERS.has(w[i - 1] ?? "")),
    );
}

/** Stand-ins the offline plan and templating leave where a generated secret goes. */
const PLACEHOLDER = /^(\[secret[^\]]*\]|<secret(:[^>]*)?>|\*{3,}|<redacted>)$/i;
/** Shell and template references: ${VAR}, $VAR, $(command), {{ template }}, %{var}. */
const REFERENCE = /^(\$[{(A-Za-z_]|\{\{|%\{)/;
const NOT_SECRET_VALUE =
    /^(true|false|yes|no|on|off|null|none|nil|required|optional|disabled|enabled|-?\d+(\.\d+)?[a-z]{0,3})$/i;

/** systemd `LoadCredential=ID:PATH`: the unit reads the secret from that file, the line itself holds none. */
const SYSTEMD_CREDENTIAL_REF = /^[A-Za-z0-9._-]+:\/[^\s:]+$/;

/** True when a value is not a literal secret: empty, a placeholder, a variable or command reference, a path (or a systemd credential's ID:PATH), a flag or a number. */
export function isNonSecretValue(value: string): boolean {
    const v = value.trim();
    return (
        v === "" ||
        PLACEHOLDER.test(v) ||
        REFERENCE.test(v) ||
        NOT_SECRET_VALUE.test(v) ||
        v.startsWith("/") ||
        v.startsWith("./") ||
        v.startsWith("~/") ||
        v.startsWith("file:") ||
        SYSTEMD_CREDENTIAL_REF.test(v)
    );
}
