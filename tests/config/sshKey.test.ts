/** The SSH key parser against the real `ssh-keygen -l`: what it takes, OpenSSH reads as a key of that type. */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { sshPublicKeyProblem } from "../../core/config/sshKey";
import { runTool } from "../helpers/tools";

const ED25519 = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGrmxnwCbR8z6DFr8BApfwxtwZm0UpAqtd+rDtI7PLTV me@host";
const ECDSA_384 =
    "ecdsa-sha2-nistp384 AAAAE2VjZHNhLXNoYTItbmlzdHAzODQAAAAIbmlzdHAzODQAAABhBJfqolBkPtiULQH8tHl1kpuKgPClGbct84CZxpmmFff216l9+p7uZdXOfRLfz91XGQim1YKj/qbkFNTM+Rp7zV+rmlUug63FwvFcS90uqyA4WfblcDpsTuVaocOMumTaAQ==";
const dir = mkdtempSync(join(tmpdir(), "sshkey-"));

function sshKeygenReads(line: string): boolean {
    const file = join(dir, "key.pub");
    writeFileSync(file, `${line}\n`);
    return runTool("ssh-keygen", ["-l", "-f", file]).status === 0;
}

describe("SSH public keys", () => {
    it.each([
        ED25519,
        ECDSA_384,
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBk1Zr0gMxZkl9i2Y0uE6hB6uJ0b1Yq3n5m7p9r1t3v5",
    ])("%s: ssh-keygen reads it and the parser takes it", (line) => {
        expect(sshKeygenReads(line)).toBe(true);
        expect(sshPublicKeyProblem(line)).toBeUndefined();
    });

    it.each([
        ED25519.slice(0, 60),
        ED25519.replace("ssh-ed25519", "ssh-rsa"),
        ECDSA_384.replace("nistp384 ", "nistp256 "),
        "ssh-ed25519 AAAA$$$$",
        "ssh-ed25519",
        `ssh-ed25519 ${Buffer.from("\0\0\0\x0bssh-ed25519\0\0\0\x10abcdefghijklmnop").toString("base64")}`,
    ])("%s: ssh-keygen and the parser both refuse it", (line) => {
        expect(sshKeygenReads(line)).toBe(false);
        expect(sshPublicKeyProblem(line)).toBeDefined();
    });
});
