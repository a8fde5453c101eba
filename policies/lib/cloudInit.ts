/**
 * Server user data as the policies read it: the parsed cloud-config and its write_files, decoded. Several
 * policies read the same user data, so the reading is remembered by content. Callers must not mutate what they
 * get back. js-yaml with the YAML 1.2 core schema reads what cloud-init's PyYAML reads for the program's output and
 * is about nine times faster than the `yaml` package on it (0.23 vs 2.1 ms for a 20 KB user data), which is most of
 * the pack's time on a large stack.
 */
import { gunzipSync } from "node:zlib";
import { CORE_SCHEMA, load } from "js-yaml";
import { decodeUserData } from "../../core/render/base/cloudInit";
import { byContent } from "./memo";
import { rec, str, type Json } from "./read";

export interface ShippedFile {
    /** Index in write_files, for messages ("write_files[2] (/etc/caddy/env)"). */
    readonly index: number;
    readonly path: string;
    /** The raw `permissions` value (cloud-init writes 0644 when it is unset). */
    readonly permissions: unknown;
    readonly encoding: string;
    /** The decoded content, or why it does not decode. */
    readonly content: { readonly text: string } | { readonly error: string };
}

export interface CloudConfig {
    /** Every top-level key but write_files. */
    readonly rest: Json;
    readonly files: readonly ShippedFile[];
}

function decode(content: unknown, encoding: string): string {
    const text = typeof content === "string" ? content : "";
    const bytes =
        content instanceof Uint8Array
            ? Buffer.from(content)
            : Buffer.from(text, /b64|base64/.test(encoding) ? "base64" : "utf8");
    return (/^(gz|gzip)/.test(encoding) ? gunzipSync(bytes) : bytes).toString("utf8");
}

function readFile(entry: unknown, index: number): ShippedFile {
    const f = rec(entry) ?? {};
    const encoding = (str(f["encoding"]) ?? "text/plain").toLowerCase();
    let content: ShippedFile["content"];
    try {
        content = { text: decode(f["content"], encoding) };
    } catch (e) {
        content = { error: e instanceof Error ? e.message : String(e) };
    }
    return { index, path: str(f["path"]) ?? "", permissions: f["permissions"], encoding, content };
}

/**
 * The cloud-config in `userData` (plain, or the base64 of its gzip as a large one ships), or undefined when it is
 * not one (a script, or YAML that does not parse).
 */
export const cloudConfigOf = byContent((userData: string): CloudConfig | undefined => {
    const text = decodeUserData(userData);
    if (!text.startsWith("#cloud-config")) return undefined;
    let doc: Json | undefined;
    try {
        doc = rec(load(text, { schema: CORE_SCHEMA }));
    } catch {
        return undefined;
    }
    if (!doc) return undefined;
    const { write_files: files, ...rest } = doc;
    return { rest, files: (Array.isArray(files) ? files : []).map(readFile) };
});

/** A shipped file's text by path, for the files a policy knows by name. */
export function shippedText(config: CloudConfig, path: string): string | undefined {
    // cloud-init writes the entries in order, so the last one for a path is what lands on disk.
    const f = [...config.files].reverse().find((x) => x.path === path);
    return f && "text" in f.content ? f.content.text : undefined;
}

/** The `NAME=value` lines of a shipped env file (no quoting or expansion: the program writes plain values). */
export function envFileValues(text: string): Record<string, string> {
    const env: Record<string, string> = {};
    for (const m of text.matchAll(/^([A-Z_][A-Z0-9_]*)=(.*)$/gm)) env[m[1] ?? ""] = m[2] ?? "";
    return env;
}
