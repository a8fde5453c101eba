/** The pure helpers the policies share: address math, port specs, selectors, quantities, names and modes. */
import { describe, expect, it } from "vitest";
import { parseQuantity } from "../caps/quantity";
import { isDigestPinned, parseImage, unpinnedReason } from "../lib/images";
import { contains, isNonPublic, parseCidr } from "../network/cidr";
import { isWorld } from "../network/firewall";
import { selectorMatches } from "../network/labelSelector";
import { parsePortSpec } from "../network/ports";
import { judgeUser, securityOpts } from "../sandbox/docker/container";
import { parseMode } from "../secrets/cloudConfig";
import { scanText } from "../secrets/detect";
import { isSecretName } from "../secrets/keys";

const HEX = "ab".repeat(32);

describe("image references", () => {
    it.each([
        ["nginx", undefined, undefined],
        ["nginx:1.27.3", "1.27.3", undefined],
        ["registry.local:5000/team/app", undefined, undefined],
        ["registry.local:5000/team/app:2", "2", undefined],
        [`ghcr.io/x/y@sha256:${HEX}`, undefined, `sha256:${HEX}`],
        [`nginx:1.27@sha256:${HEX}`, "1.27", `sha256:${HEX}`],
        [`sha256:${HEX}`, undefined, `sha256:${HEX}`],
        ["nginx@sha256:abc", undefined, undefined],
    ])("%s has tag %s and digest %s", (image, tag, digest) => {
        expect(parseImage(image)).toEqual({ tag, digest });
    });

    it.each([
        ["nginx", false, false],
        ["nginx:latest", false, false],
        ["nginx:1.27.3", true, false],
        [`ghcr.io/x/y@sha256:${HEX}`, true, true],
        [`sha256:${HEX}`, true, true],
    ])("%s is pinned: %s, by digest: %s", (image, pinned, byDigest) => {
        expect(unpinnedReason(image) === undefined).toBe(pinned);
        expect(isDigestPinned(image)).toBe(byDigest);
    });
});

const cidr = (s: string) => {
    const c = parseCidr(s);
    if (!c) throw new Error(`unparseable ${s}`);
    return c;
};

describe("CIDRs", () => {
    it.each([
        ["2a06:98c0::/29", "2a06:98c1:1::/48", true],
        ["104.16.0.0/13", "104.23.255.0/24", true],
        ["104.16.0.0/13", "104.24.0.0/24", false],
        ["::/0", "2001:db8::1", true],
        ["0.0.0.0/0", "::1", false],
    ])("%s contains %s: %s", (outer, inner, expected) => {
        expect(contains(cidr(outer), cidr(inner))).toBe(expected);
    });

    it.each(["1.2.3", "1.2.3.4/33", "1:2::3:4:5:6:7:8", "256.0.0.1", "::g", "1.2.3.4/8/1"])(
        "rejects %s",
        (s) => {
            expect(parseCidr(s)).toBeUndefined();
        },
    );

    it.each([
        ["0.0.0.0/0", true],
        ["::/0", true],
        ["0:0:0:0:0:0:0:0/0", true],
        ["128.0.0.0/1", true],
        ["10.0.0.0/8", false],
        ["2000::/3", true],
        ["2a01:4f8::/32", false],
        ["*", true],
        ["garbage", true],
    ])("%s is the world: %s", (s, world) => {
        expect(isWorld(s, { worldPrefixV4: 8, worldPrefixV6: 12 })).toBe(world);
    });

    it.each([
        ["10.1.2.3", true],
        ["172.31.255.255", true],
        ["172.32.0.1", false],
        ["::ffff:192.168.0.1", true],
        ["fe80::1", true],
        ["2a01:4f8:c17::1", false],
    ])("%s is non-public: %s", (s, expected) => {
        expect(isNonPublic(cidr(s))).toBe(expected);
    });
});

describe("hcloud port specs", () => {
    it.each([
        ["22", { from: 22, to: 22 }],
        ["80-85", { from: 80, to: 85 }],
        [" 80 - 85 ", { from: 80, to: 85 }],
        ["any", { from: 1, to: 65535 }],
        ["ANY", { from: 1, to: 65535 }],
        [443, { from: 443, to: 443 }],
    ])("%s", (spec, range) => {
        expect(parsePortSpec(spec)).toEqual(range);
    });
    it.each(["85-80", "0", "70000", "http", "22,80"])("rejects %s", (spec) => {
        expect(parsePortSpec(spec)).toBeUndefined();
    });
});

describe("label selectors", () => {
    const labels = { role: "db", stack: "phase2", stateful: "true" };
    it.each([
        ["role=db", true],
        ["role==db,stack=phase2", true],
        ["role!=db", false],
        ["stack in (phase2, phase3)", true],
        ["stack notin (phase2)", false],
        ["stateful", true],
        ["!legacy", true],
        ["!role", false],
        ["role=app", false],
        ["", false],
        ["role=(", false],
    ])("%s matches: %s", (selector, expected) => {
        expect(selectorMatches(selector, labels)).toBe(expected);
    });
});

describe("Kubernetes quantities", () => {
    it.each([
        ["256Mi", 256 * 2 ** 20],
        ["1Gi", 2 ** 30],
        ["0.5Gi", 2 ** 29],
        ["512M", 512e6],
        ["1e9", 1e9],
        ["250m", 0.25],
        ["0.5", 0.5],
        [2, 2],
    ])("%s", (q, n) => {
        expect(parseQuantity(q)).toBe(n);
    });
    it.each(["", "1Xi", "-1", "abc"])("rejects %s", (q) => {
        expect(parseQuantity(q)).toBeUndefined();
    });
});

describe("docker user", () => {
    it.each([
        [undefined, "root"],
        ["", "root"],
        ["root", "root"],
        ["0", "root"],
        ["0:0", "root"],
        ["root:root", "root"],
        ["1000", "non-root"],
        ["70:70", "non-root"],
        ["1000:0", "non-root"],
        ["node", "unverifiable"],
    ])("%s is %s", (user, kind) => {
        expect(judgeUser(user).kind).toBe(kind);
    });
});

describe("docker securityOpts", () => {
    it("splits key=value, legacy key:value and bare flags", () => {
        expect(
            securityOpts({
                securityOpts: [
                    "no-new-privileges",
                    "no-new-privileges:true",
                    "seccomp=unconfined",
                    "label=type:spc_t",
                    "label:disable",
                ],
            }),
        ).toEqual([
            { raw: "no-new-privileges", key: "no-new-privileges", value: undefined },
            { raw: "no-new-privileges:true", key: "no-new-privileges", value: "true" },
            { raw: "seccomp=unconfined", key: "seccomp", value: "unconfined" },
            { raw: "label=type:spc_t", key: "label", value: "type:spc_t" },
            { raw: "label:disable", key: "label", value: "disable" },
        ]);
    });
});

describe("secret names", () => {
    it.each([
        "DB_PASSWORD",
        "PGPASSWORD",
        "MEILI_MASTER_KEY",
        "SECRET_KEY_BASE",
        "apiToken",
        "client_secret",
        "auth-pass",
        "requirepass",
        "AWS_SECRET_ACCESS_KEY",
    ])("%s is secret", (n) => {
        expect(isSecretName(n)).toBe(true);
    });
    it.each([
        "DB_PASSWORD_FILE",
        "password_encryption",
        "secretName",
        "TOKEN_TTL",
        "ssh_pwauth",
        "SORT_KEY",
        "tokenizer",
        "PASSWORD_MIN_LENGTH",
        "keyid",
    ])("%s is not", (n) => {
        expect(isSecretName(n)).toBe(false);
    });
});

describe("file modes", () => {
    it.each([
        ["0600", 0o600],
        ["600", 0o600],
        ["0o400", 0o400],
        [600, 0o600],
        [384, 0o600],
        ["rw", undefined],
    ])("%s", (mode, n) => {
        expect(parseMode(mode)).toBe(n);
    });
});

describe("secret scanning", () => {
    it("reports where, never the value", () => {
        const hits = scanText("A=1\nexport DB_PASSWORD='hunter2hunter2'\n");
        expect(hits).toEqual([{ kind: "hard-coded credential", line: 2, name: "DB_PASSWORD" }]);
        expect(JSON.stringify(hits)).not.toContain("hunter2");
    });
    it("does not read a value across a line break", () => {
        expect(scanText("password:\n  rotate: weekly\n")).toEqual([]);
    });
    it.each([
        `image: app@sha256:${"0123456789abcdef".repeat(4)}`,
        "keyid: 9DC858229FC7DD38854AE2D88D81803C0EBFCD88",
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGx9k2mPq8Wz7nR4tVbYcE3uJ1oL5sH6dF0aQ9wX2yZt admin",
        "ExecStart=/usr/local/bin/k3s server --kubelet-arg=cloud-provider=external",
        "uuid 123e4567-e89b-12d3-a456-426614174000",
    ])("ignores %s", (text) => {
        expect(scanText(text)).toEqual([]);
    });
});
