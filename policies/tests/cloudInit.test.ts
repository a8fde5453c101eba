import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { cloudConfigOf, envFileValues, shippedText } from "../lib/cloudInit";
import { forgetReadings } from "../lib/memo";

const gz = (s: string) => gzipSync(s).toString("base64");
const USER_DATA = `#cloud-config
write_files:
  - path: /etc/a
    content: first
  - path: /etc/b
    encoding: gz+b64
    content: ${gz("zipped")}
  - path: /etc/a
    encoding: b64
    content: ${Buffer.from("second").toString("base64")}
  - path: /etc/c
    encoding: gz+b64
    content: bm90IGd6aXA=
runcmd:
  - [systemctl, restart, docker]
`;

describe("cloudConfigOf", () => {
    it("decodes every write_files entry and keeps the other keys apart", () => {
        const c = cloudConfigOf(USER_DATA);
        expect(c?.files.map((f) => [f.path, f.content])).toEqual([
            ["/etc/a", { text: "first" }],
            ["/etc/b", { text: "zipped" }],
            ["/etc/a", { text: "second" }],
            ["/etc/c", { error: expect.stringMatching(/header/) as unknown }],
        ]);
        expect(c?.rest).toEqual({ runcmd: [["systemctl", "restart", "docker"]] });
    });

    it("reads a path's last entry, as cloud-init writes them in order", () => {
        expect(shippedText(cloudConfigOf(USER_DATA)!, "/etc/a")).toBe("second");
        expect(shippedText(cloudConfigOf(USER_DATA)!, "/etc/c")).toBeUndefined();
    });

    it("is undefined for a script or YAML that does not parse", () => {
        expect(cloudConfigOf("#!/bin/sh\necho hi\n")).toBeUndefined();
        expect(cloudConfigOf("#cloud-config\nwrite_files: [\n")).toBeUndefined();
    });

    it("reads one text once until the readings are forgotten", () => {
        const first = cloudConfigOf(USER_DATA);
        expect(cloudConfigOf(`${USER_DATA}`)).toBe(first);
        forgetReadings();
        const again = cloudConfigOf(USER_DATA);
        expect(again).not.toBe(first);
        expect(again).toEqual(first);
    });
});

describe("envFileValues", () => {
    it("reads NAME=value lines and skips comments, lower-case names and blank lines", () => {
        expect(
            envFileValues("# pool\nPOOL_TIER=free\nMEMORY_MB=256\nlower=x\n\nCPUS2=0.25\nEMPTY=\n"),
        ).toEqual({
            POOL_TIER: "free",
            MEMORY_MB: "256",
            CPUS2: "0.25",
            EMPTY: "",
        });
    });
});
