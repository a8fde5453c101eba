/**
 * Splits server user data into what the secrets policy scans: each `write_files` entry (decoded from b64 or
 * gz+b64 first), every other string in the cloud-config, or the whole text when it is not a cloud-config. Files
 * under the secrets directory are the one sanctioned place for credentials and are checked for mode instead.
 */
import { posix } from "node:path";
import { cloudConfigOf } from "../lib/cloudInit";
import { decodeUserData } from "../../core/render/base/cloudInit";
import { rec, type Json } from "../lib/read";

export interface ScanUnit {
    /** Where in the user data, e.g. "write_files[2] (/etc/caddy/env)" or "runcmd[3]". */
    readonly where: string;
    readonly text: string;
    /** The key the value sits under, when it is a YAML scalar (e.g. "passwd"). */
    readonly key?: string;
}

export interface SecretFile {
    readonly where: string;
    /** Mode as a number, undefined when unset (cloud-init then writes 0644). */
    readonly mode: number | undefined;
}

export interface SplitUserData {
    readonly units: ScanUnit[];
    readonly secretFiles: SecretFile[];
    /** Entries the pack cannot read, which it reports rather than trusts. */
    readonly unreadable: { readonly where: string; readonly why: string }[];
}

/** "0600", "600", "0o600", or a number YAML already converted (384, or 600 read as decimal digits). */
export function parseMode(v: unknown): number | undefined {
    if (typeof v === "string" && /^(0o?)?[0-7]{3,4}$/.test(v.trim()))
        return parseInt(v.trim().replace(/^0o/, ""), 8);
    if (typeof v === "number" && Number.isInteger(v))
        return /^[0-7]{3,4}$/.test(String(v)) ? parseInt(String(v), 8) : v;
    return undefined;
}

function leaves(v: unknown, path: string, key: string | undefined, out: ScanUnit[]): void {
    if (typeof v === "string") out.push({ where: path, text: v, ...(key === undefined ? {} : { key }) });
    else if (Array.isArray(v)) v.forEach((x, i) => leaves(x, `${path}[${i}]`, key, out));
    else if (rec(v))
        for (const [k, x] of Object.entries(v as Json)) leaves(x, path ? `${path}.${k}` : k, k, out);
}

export function splitUserData(userData: string, secretsDir: string): SplitUserData {
    const config = cloudConfigOf(userData);
    if (!config)
        return {
            units: [{ where: "userData", text: decodeUserData(userData) }],
            secretFiles: [],
            unreadable: [],
        };
    const units: ScanUnit[] = [];
    const secretFiles: SecretFile[] = [];
    const unreadable: { where: string; why: string }[] = [];
    for (const f of config.files) {
        const where = `write_files[${f.index}] (${f.path})`;
        if (posix.normalize(f.path).startsWith(`${secretsDir}/`))
            secretFiles.push({ where, mode: parseMode(f.permissions) });
        else if ("text" in f.content) units.push({ where, text: f.content.text });
        else
            unreadable.push({ where, why: `its ${f.encoding} content does not decode (${f.content.error})` });
    }
    leaves(config.rest, "", undefined, units);
    return { units, secretFiles, unreadable };
}
