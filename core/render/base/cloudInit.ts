/**
 * Assembles a cloud-config (user data) under Hetzner's 32 KiB userData cap. A document that fits goes as plain
 * text, readable in the console and in previews. A bigger one goes as the base64 of its gzip: Hetzner's cloud-init
 * datasource base64-decodes user data (DataSourceHetzner: `maybe_b64decode`) and cloud-init then ungzips it
 * (user_data.py: `decomp_gzip`). Compressing the whole document finds the redundancy between files that compressing
 * each file cannot: a phase 4 database node is 52 KB plain and 18.6 KB encoded, against 32.6 KB file by file.
 */
import { gunzipSync, gzipSync } from "node:zlib";
import { toYaml } from "./yaml";
import type { RenderedFile } from "./artifact";

export const USER_DATA_LIMIT_BYTES = 32768;
const CLOUD_CONFIG_HEADER = "#cloud-config";

export interface CloudConfigSpec {
    readonly packages: readonly string[];
    readonly files: readonly RenderedFile[];
    readonly runcmd: readonly (readonly string[])[];
}

/** cloud-init writes root:root and 0644 when they are unset: saying so again costs each entry bytes of the 32 KiB. */
const CLOUD_INIT_DEFAULT_PERMISSIONS = "0644";

function writeFilesEntry(f: RenderedFile): Record<string, unknown> {
    return {
        path: f.path,
        content: f.content,
        ...(f.permissions === CLOUD_INIT_DEFAULT_PERMISSIONS ? {} : { permissions: f.permissions }),
        ...(f.append ? { append: true } : {}),
    };
}

/** gzip at a fixed level with the header's OS byte pinned (MTIME is 0), so the same input gives the same user data on any machine. */
function gzipBase64(content: string): string {
    const gz = gzipSync(Buffer.from(content, "utf8"), { level: 9 });
    gz[9] = 3; // OS = Unix
    return gz.toString("base64");
}

const bytes = (s: string) => Buffer.byteLength(s, "utf8");

export function renderCloudConfig(spec: CloudConfigSpec, limitBytes: number = USER_DATA_LIMIT_BYTES): string {
    const paths = spec.files.map((f) => f.path);
    const duplicate = paths.find((p, i) => paths.indexOf(p) !== i);
    if (duplicate) throw new Error(`two rendered files share the path ${duplicate}`);

    const doc = {
        package_update: true,
        package_upgrade: true,
        packages: [...spec.packages],
        ssh_pwauth: false,
        write_files: spec.files.map(writeFilesEntry),
        runcmd: spec.runcmd.map((c) => [...c]),
    };
    const text = `${CLOUD_CONFIG_HEADER}\n${toYaml(doc)}`;
    if (bytes(text) <= limitBytes) return text;
    const encoded = gzipBase64(text);
    if (bytes(encoded) <= limitBytes) return encoded;

    const biggest = spec.files
        .map((f) => ({ path: f.path, size: bytes(f.content) }))
        .sort((a, b) => b.size - a.size)
        .slice(0, 3)
        .map((e) => `${e.path} (${e.size} bytes)`);
    throw new Error(
        `user data is ${bytes(text)} bytes, ${bytes(encoded)} as gzip+base64, over the ${limitBytes}-byte userData limit; ` +
            `the biggest files: ${biggest.join(", ")}. Ship large files another way (an image, an object store) or shrink them.`,
    );
}

/**
 * The cloud-config text of user data as cloud-init on a Hetzner server reads it: plain text as is, base64 of gzip
 * decoded. Anything else comes back unchanged, for the caller to judge.
 */
export function decodeUserData(userData: string): string {
    if (userData.startsWith("#")) return userData;
    const raw = Buffer.from(userData, "base64");
    // Buffer.from ignores invalid characters: only a round trip proves the text was base64.
    if (raw.toString("base64") !== userData.replace(/\s+/g, "")) return userData;
    if (raw[0] !== 0x1f || raw[1] !== 0x8b) return raw.toString("utf8");
    try {
        return gunzipSync(raw).toString("utf8");
    } catch {
        return userData;
    }
}
