/**
 * Assembles a cloud-config (user data) from rendered files and keeps it under Hetzner's 32 KiB userData cap:
 * when the plain document is too big, the files that shrink most are written as gzip+base64 until it fits.
 */
import { gzipSync } from "node:zlib";
import { toYaml } from "./yaml";
import type { RenderedFile } from "./artifact";

export const USER_DATA_LIMIT_BYTES = 32768;

export interface CloudConfigSpec {
    readonly packages: readonly string[];
    readonly files: readonly RenderedFile[];
    readonly runcmd: readonly (readonly string[])[];
}

/** gzip at a fixed level with the header's OS byte pinned, so the same input gives the same user data on any machine. */
function gzipBase64(content: string): string {
    const gz = gzipSync(Buffer.from(content, "utf8"), { level: 9 });
    gz[9] = 3; // OS = Unix
    return gz.toString("base64");
}

/** cloud-init writes root:root and 0644 when they are unset: saying so again costs each entry bytes of the 32 KiB. */
const CLOUD_INIT_DEFAULT_PERMISSIONS = "0644";

function writeFilesEntry(f: RenderedFile, compress: boolean): Record<string, unknown> {
    return {
        path: f.path,
        ...(compress ? { encoding: "gz+b64", content: gzipBase64(f.content) } : { content: f.content }),
        ...(f.permissions === CLOUD_INIT_DEFAULT_PERMISSIONS ? {} : { permissions: f.permissions }),
        ...(f.append ? { append: true } : {}),
    };
}

function document(spec: CloudConfigSpec, compressed: ReadonlySet<string>): string {
    const doc = {
        package_update: true,
        package_upgrade: true,
        packages: [...spec.packages],
        ssh_pwauth: false,
        write_files: spec.files.map((f) => writeFilesEntry(f, compressed.has(f.path))),
        runcmd: spec.runcmd.map((c) => [...c]),
    };
    return `#cloud-config\n${toYaml(doc)}`;
}

const bytes = (s: string) => Buffer.byteLength(s, "utf8");
const entryBytes = (f: RenderedFile, compress: boolean) => bytes(toYaml([writeFilesEntry(f, compress)]));

export function renderCloudConfig(spec: CloudConfigSpec, limitBytes: number = USER_DATA_LIMIT_BYTES): string {
    const paths = spec.files.map((f) => f.path);
    const duplicate = paths.find((p, i) => paths.indexOf(p) !== i);
    if (duplicate) throw new Error(`two rendered files share the path ${duplicate}`);

    const compressed = new Set<string>();
    let text = document(spec, compressed);
    if (bytes(text) <= limitBytes) return text;

    // Biggest saving first (ties by path, for a stable result); compressing a tiny file would grow it.
    const candidates = spec.files
        .map((f) => ({ f, saving: entryBytes(f, false) - entryBytes(f, true) }))
        .filter((c) => c.saving > 0)
        .sort((a, b) => b.saving - a.saving || a.f.path.localeCompare(b.f.path));
    for (const { f } of candidates) {
        compressed.add(f.path);
        text = document(spec, compressed);
        if (bytes(text) <= limitBytes) return text;
    }
    const biggest = spec.files
        .map((f) => ({ path: f.path, size: entryBytes(f, compressed.has(f.path)) }))
        .sort((a, b) => b.size - a.size)
        .slice(0, 3)
        .map((e) => `${e.path} (${e.size} bytes)`);
    throw new Error(
        `user data is ${bytes(text)} bytes with ${compressed.size} files compressed (gz+b64), over the ${limitBytes}-byte userData limit; ` +
            `the biggest files: ${biggest.join(", ")}. Ship large files another way (an image, an object store) or shrink them.`,
    );
}
