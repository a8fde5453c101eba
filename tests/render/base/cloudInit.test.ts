import { afterAll, describe, expect, it } from "vitest";
import { createHash } from "node:crypto";
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import type { RenderedFile } from "../../../core/render/base/artifact";
import {
    USER_DATA_LIMIT_BYTES,
    decodeUserData,
    renderCloudConfig,
    type CloudConfigSpec,
} from "../../../core/render/base/cloudInit";
import { requireTool, runTool } from "../../helpers/tools";
import { pyYamlLoad, removeDir, tempDir, writeFilesOf } from "../fixtures";

const dirs: string[] = [];
afterAll(() => dirs.forEach(removeDir));

/**
 * What cloud-init on a Hetzner server makes of `userData`: the datasource's base64 decode (DataSourceHetzner), then
 * the user-data processor's gunzip, run in cloud-init's own Python modules.
 */
function cloudInitRead(userData: string): string {
    const script = [
        "import sys",
        "from cloudinit.sources.helpers.hetzner import maybe_b64decode",
        "from cloudinit.user_data import UserDataProcessor",
        "message = UserDataProcessor({}).process(maybe_b64decode(sys.stdin.buffer.read()))",
        "parts = [p for p in message.walk() if p.get_content_type() == 'text/cloud-config']",
        "sys.stdout.write(parts[0].get_payload(decode=True).decode())",
    ].join("\n");
    // cloud-init's modules live with the interpreter its entry point names, not necessarily the first python3.
    const python = readFileSync(requireTool("cloud-init"), "utf8")
        .split("\n")[0]!
        .replace(/^#!\s*/, "");
    const r = spawnSync(python, ["-c", script], { input: userData, encoding: "utf8", timeout: 60_000 });
    if (r.status !== 0) throw new Error(`cloud-init could not read the user data: ${r.stderr}`);
    return r.stdout;
}

function cloudInitSchema(text: string): { status: number | null; output: string } {
    const dir = tempDir("cloud-config");
    dirs.push(dir);
    const file = join(dir, "user-data.yaml");
    writeFileSync(file, text);
    return runTool("cloud-init", ["schema", "--config-file", file]);
}

/** Config-like text that gzip shrinks several times over. */
function compressible(label: string, bytes: number): string {
    const lines: string[] = [];
    for (let i = 0; lines.join("\n").length < bytes; i++)
        lines.push(`${label}_setting_${i % 97} = "value for ${label} number ${i % 13}"`);
    return `${lines.join("\n")}\n`;
}

/** Hex digests chained: no redundancy for gzip to find, and the same on every run. */
function incompressible(bytes: number): string {
    let out = "";
    for (let h = "seed"; out.length < bytes; out += `${h}\n`)
        h = createHash("sha256").update(h).digest("base64");
    return out;
}

const file = (path: string, content: string): RenderedFile => ({
    path,
    content,
    kind: "text",
    permissions: "0644",
});
const spec = (files: RenderedFile[]): CloudConfigSpec => ({
    packages: ["docker.io"],
    files,
    runcmd: [["systemctl", "daemon-reload"]],
});

describe("cloud-config assembly", () => {
    it("writes small files as plain text, starts with #cloud-config and passes `cloud-init schema`", () => {
        const text = renderCloudConfig(
            spec([
                file("/etc/a.conf", "a = 1\n"),
                { ...file("/etc/fstab", "x /y ext4 defaults 0 2\n"), append: true },
            ]),
        );
        expect(text.split("\n")[0]).toBe("#cloud-config");
        const entries = writeFilesOf(text);
        expect(entries.map((e) => e.entry.encoding)).toEqual([undefined, undefined]);
        expect(entries[1]!.entry.append).toBe(true);
        const r = cloudInitSchema(text);
        expect(r.status, r.output).toBe(0);
    });

    it("sends a document over 32 KiB as the base64 of its gzip, which cloud-init's Hetzner datasource reads back", () => {
        const files = [
            file("/etc/big-1.conf", compressible("one", 20_000)),
            file("/etc/big-2.conf", compressible("two", 16_000)),
            file("/etc/small.conf", "small = yes\n"),
        ];
        const plainSize = files.reduce((n, f) => n + f.content.length, 0);
        expect(plainSize).toBeGreaterThan(USER_DATA_LIMIT_BYTES);

        const userData = renderCloudConfig(spec(files));
        expect(Buffer.byteLength(userData)).toBeLessThanOrEqual(USER_DATA_LIMIT_BYTES);
        expect(userData).toMatch(/^[A-Za-z0-9+/]+=*$/);
        const text = decodeUserData(userData);
        expect(text.split("\n")[0]).toBe("#cloud-config");
        for (const e of writeFilesOf(userData)) {
            expect(e.entry.encoding, e.entry.path).toBeUndefined();
            expect(e.decoded, e.entry.path).toBe(files.find((f) => f.path === e.entry.path)!.content);
        }
        expect(cloudInitRead(userData)).toBe(text);
        const r = cloudInitSchema(text);
        expect(r.status, r.output).toBe(0);
    });

    it("leaves a plain document plain for cloud-init: the datasource's base64 decode does not apply to it", () => {
        const userData = renderCloudConfig(spec([file("/etc/a.conf", "a = 1\n")]));
        expect(cloudInitRead(userData)).toBe(userData);
        expect(decodeUserData(userData)).toBe(userData);
    });

    it("gives byte-identical output for the same input (the gzip header carries no time or host)", () => {
        const files = [file("/etc/big.conf", compressible("x", 40_000))];
        const a = renderCloudConfig(spec(files));
        expect(renderCloudConfig(spec(files))).toBe(a);
        const gz = Buffer.from(a, "base64");
        expect(gz.readUInt32LE(4)).toBe(0); // MTIME
        expect(gz[9]).toBe(3); // OS
    });

    it("fails with the biggest files named when even compressed they cannot fit", () => {
        const files = [
            file("/etc/random.bin.b64", incompressible(40_000)),
            file("/etc/other.conf", compressible("o", 3_000)),
        ];
        expect(() => renderCloudConfig(spec(files))).toThrow(
            /over the 32768-byte userData limit; the biggest files: \/etc\/random\.bin\.b64 \(\d+ bytes\)/,
        );
    });

    it("refuses two files at the same path", () => {
        expect(() => renderCloudConfig(spec([file("/etc/x", "1"), file("/etc/x", "2")]))).toThrow(/\/etc\/x/);
    });

    it("reads the same in PyYAML, the parser cloud-init uses", () => {
        const text = renderCloudConfig(
            spec([file("/etc/a", "on\n"), { ...file("/etc/b", "x"), permissions: "0600" }]),
        );
        expect(pyYamlLoad(text)).toEqual(parse(text));
    });
});
