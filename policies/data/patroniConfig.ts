/**
 * The patroni.yml a database server's user data ships (a secret file at PATRONI_CONFIG_SECRET, usually gz+b64),
 * read the way Patroni 3.0.2 reads it, for the replication policies in ./replication.ts. Only what the policies
 * judge is interpreted: the standby_cluster, the replication credentials, the pg_hba lists, `postgresql.listen`,
 * and PostgreSQL parameters with Patroni's precedence (the local `postgresql.parameters` over
 * `bootstrap.dcs.postgresql.parameters`, names case-insensitive).
 *
 * A shipped file the pack cannot read (content that does not decode, YAML that does not parse or is not a
 * mapping) is reported rather than trusted, as `secrets-not-in-user-data` reports files it cannot decode; user
 * data that is not a cloud-config, or ships no patroni.yml, has nothing to judge.
 */
import { CORE_SCHEMA, load } from "js-yaml";
import { PATRONI_CONFIG_SECRET } from "../../core/render/data/patroniNode";
import { cloudConfigOf } from "../lib/cloudInit";
import { byContent } from "../lib/memo";
import type { Problem } from "../lib/policy";
import { at, rec, type Json } from "../lib/read";

export type PatroniReading =
    { readonly where: string; readonly doc: Json } | { readonly where: string; readonly unreadable: string };

const parse = byContent((text: string): Json | string => {
    try {
        return rec(load(text, { schema: CORE_SCHEMA })) ?? "it is not a YAML mapping";
    } catch (e) {
        return `it does not parse as YAML (${(e instanceof Error ? e.message : String(e)).split("\n")[0] ?? ""})`;
    }
});

/** The patroni.yml in a server's userData (the last write_files entry for the path, as cloud-init leaves it). */
export function patroniConfigOf(userData: unknown): PatroniReading | undefined {
    if (typeof userData !== "string") return undefined;
    const config = cloudConfigOf(userData);
    const file = config && [...config.files].reverse().find((f) => f.path === PATRONI_CONFIG_SECRET);
    if (!file) return undefined;
    const where = `userData write_files[${file.index}] (${PATRONI_CONFIG_SECRET})`;
    if (!("text" in file.content))
        return { where, unreadable: `its ${file.encoding} content does not decode (${file.content.error})` };
    const doc = parse(file.content.text);
    return typeof doc === "string" ? { where, unreadable: doc } : { where, doc };
}

/** The fail-closed verdict on a patroni.yml the pack cannot read. */
export function unreadableProblem(reading: { where: string; unreadable: string }): Problem {
    return {
        field: reading.where,
        problem: `cannot be read: ${reading.unreadable}, so its replication and TLS settings cannot be judged`,
        fix: "ship patroni.yml as a YAML mapping in plain text, b64 or gz+b64 (renderPatroniNode does)",
    };
}

/** A PostgreSQL parameter as Patroni applies it: the local value, else the bootstrap DCS one. */
export function effectiveParameter(
    doc: Json,
    name: string,
): { readonly key: string; readonly value: unknown } | undefined {
    const places: [string, unknown][] = [
        ["postgresql.parameters", at(doc, "postgresql", "parameters")],
        ["bootstrap.dcs.postgresql.parameters", at(doc, "bootstrap", "dcs", "postgresql", "parameters")],
    ];
    for (const [path, params] of places) {
        const entry = Object.entries(rec(params) ?? {}).find(([k]) => k.toLowerCase() === name);
        if (entry && entry[1] !== null && entry[1] !== undefined)
            return { key: `${path}.${entry[0]}`, value: entry[1] };
    }
    return undefined;
}

/**
 * `bootstrap.dcs.standby_cluster` when it streams from another cluster: Patroni treats a host, port or
 * restore_command as a standby cluster, and the first two open a replication connection to the remote primary.
 * One fed only by restore_command reads the WAL archive and connects to no remote Postgres.
 */
export function streamingStandbyOf(doc: Json): Json | undefined {
    const s = rec(at(doc, "bootstrap", "dcs", "standby_cluster"));
    return s && (s["host"] || s["port"]) ? s : undefined;
}

/** Where a standby cluster replicates from, for messages: "203.0.113.10:5432" (Patroni's default port is 5432). */
export function standbySource(s: Json): string {
    const text = (v: unknown) => (typeof v === "string" || typeof v === "number" ? String(v) : "");
    const host = text(s["host"]);
    const port = text(s["port"]) || "5432";
    return host ? `${host}:${port}` : `port ${port}`;
}
