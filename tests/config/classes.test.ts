/**
 * Issue 9's config classes: each broken key (one per row) exits 2 with its key and the exact fix, never its
 * value; many at once are all reported.
 */
import { describe, expect, it } from "vitest";
import { loadStackConfig, type LoadResult } from "../../core/config/load";
import { shippedStack, withValues } from "../helpers/stackFiles";

const P = "phase-stacks";
const ED25519 = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGrmxnwCbR8z6DFr8BApfwxtwZm0UpAqtd+rDtI7PLTV";
const RSA_3072 =
    "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABgQDMJai3okF44C7PB9JqSbtaVWZNyUFhzPkHYcUlDdzz6uTt/hgqW4pGDRDi1NgWcSscnChP07DM0cIR8ufmlnbZuM44UY6MRSKQs0WDPiiWSi3+sg6fiWoLJ788Td8RBW2nyrBJ7b5cB3POM2ONQ11cdBMM53Hp4vBnMuNJFaUgJbh6AhhqizgB0k5WDdUfy6AXFsc1QP5+1RVfKbDSWstAmB/wVuWWpUvS/aOgjL7B93oEhQ7oRis2tSASGCzDvFqIIuvB3Th64ATGb4d0xl7ug0aWR85DYWZ04kGT4lustqi3H5ZVyhEZZPYBzRnlVUS3kt6uiLKpNrIuQLf2yEm7nLVNLX+kmb7n8c3HAEF4fmTVt7qum4Ps7L58uTV+zWAQh+fZYWkNR7FEXi16wP+6mh0Hi+l41cxDQa/Pdqk2EnvFzQWvVXbzg2jBEjqNLf413vUjJJWB1fvTCoJt2i6qpogAsBuqleTC90rrvJ9BiEnNQ+oep+unO9O9CwLAsu8= ops@example.com";
const ECDSA_384 =
    "ecdsa-sha2-nistp384 AAAAE2VjZHNhLXNoYTItbmlzdHAzODQAAAAIbmlzdHAzODQAAABhBJfqolBkPtiULQH8tHl1kpuKgPClGbct84CZxpmmFff216l9+p7uZdXOfRLfz91XGQim1YKj/qbkFNTM+Rp7zV+rmlUug63FwvFcS90uqyA4WfblcDpsTuVaocOMumTaAQ==";
const RSA_1024 =
    "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQDO5tGsOLf955RxLyfTSPWK+q/gCS0tDMfkJ2MuU7Pmq5i3qpuzk+wh2UcHoPa+uaRFm4uZFSgrOve9SnXDvq915mwwTxpQavPuwdL+8Z57B9E1eP9fx1i0IBQ5V7MipTGddRgd4GC0XFr9zgaZLdXbli1lOgVjmZULiVFM3LDFLw==";

/** The shipped stack's section with one value deep-set (a dotted path under the section). */
function patched(stack: string, section: string, path: string, value: unknown): Record<string, unknown> {
    const base = shippedStack(stack).values[`${P}:${section}`];
    const root = (base === undefined ? {} : JSON.parse(base)) as Record<string, unknown>;
    const parts = path.split(".");
    let at = root;
    for (const p of parts.slice(0, -1)) at = (at[p] ??= {}) as Record<string, unknown>;
    at[parts[parts.length - 1] as string] = value;
    return { [`${P}:${section}`]: root };
}

function problemsOf(r: LoadResult): readonly { key: string; message: string; fix: string }[] {
    if (r.ok) throw new Error("expected the config to be rejected");
    return r.problems;
}

type Row = [string, string, Record<string, unknown>, string, RegExp];
const setFix = (stack: string, path: string) => `pulumi config set --path '${path}' <value> --stack ${stack}`;

// [what, stack, keys set, reported key (under the project), message]
const ROWS: Row[] = [
    // values the provider or the engine rejects
    [
        "SSH range with host bits",
        "phase1",
        patched("phase1", "admin", "sshAllowedCidrs", ["203.0.113.5/24"]),
        "admin.sshAllowedCidrs[0]",
        /host bits/,
    ],
    [
        "IPv6 SSH range with host bits",
        "phase1",
        patched("phase1", "admin", "sshAllowedCidrs", ["2001:db8::1/48"]),
        "admin.sshAllowedCidrs[0]",
        /host bits/,
    ],
    [
        "IPv6 zone id",
        "phase1",
        patched("phase1", "admin", "sshAllowedCidrs", ["fe80::1%eth0/64"]),
        "admin.sshAllowedCidrs[0]",
        /zone id/,
    ],
    [
        "Docker API range with host bits",
        "phase2",
        patched("phase2", "agents", "dockerApiAllowedCidrs", ["198.51.100.7/24"]),
        "agents.dockerApiAllowedCidrs[0]",
        /host bits/,
    ],
    [
        "Origin CA validity Cloudflare does not issue",
        "phase1",
        patched("phase1", "edge", "originCertValidityDays", 100),
        "edge.originCertValidityDays",
        /7, 30, 90, 365, 730, 1095, 5475/,
    ],
    [
        "SSH key with a truncated body",
        "phase1",
        patched("phase1", "admin", "sshPublicKeys", [ED25519.slice(0, 60)]),
        "admin.sshPublicKeys[0]",
        /truncated|base64/,
    ],
    [
        "SSH key naming another algorithm",
        "phase1",
        patched("phase1", "admin", "sshPublicKeys", [ED25519.replace("ssh-ed25519", "ssh-rsa")]),
        "admin.sshPublicKeys[0]",
        /another key type/,
    ],
    [
        "SSH key body not base64",
        "phase1",
        patched("phase1", "admin", "sshPublicKeys", ["ssh-ed25519 AAAA$$$$ me"]),
        "admin.sshPublicKeys[0]",
        /base64/,
    ],
    [
        "SSH key type Hetzner does not take",
        "phase1",
        patched("phase1", "admin", "sshPublicKeys", [ED25519.replace("ssh-ed25519", "ssh-dss")]),
        "admin.sshPublicKeys[0]",
        /does not take/,
    ],
    [
        "1024-bit RSA key",
        "phase1",
        patched("phase1", "admin", "sshPublicKeys", [RSA_1024]),
        "admin.sshPublicKeys[0]",
        /2048/,
    ],
    // values the host rejects
    [
        "systemd calendar systemd refuses",
        "phase1",
        patched("phase1", "backup", "onCalendar", "*-*-* 24:00"),
        "backup.onCalendar",
        /systemd calendar/,
    ],
    [
        "two services on one port (phase 2 data host)",
        "phase2",
        {
            [`${P}:workloadOverrides`]: {
                postgres: { memoryMb: 1280 },
                meilisearch: { memoryMb: 640, port: 6432 },
                crawler: { memoryMb: 1024 },
            },
        },
        "workloadOverrides.meilisearch.port",
        /pgbouncer.*6432|6432.*pgbouncer|both bind port 6432/,
    ],
    [
        "Grafana on the proxy's port (phase 1)",
        "phase1",
        { [`${P}:workloadOverrides`]: { grafana: { port: 443 } } },
        "workloadOverrides.grafana.port",
        /both bind port 443/,
    ],
    [
        "database user is the superuser",
        "phase1",
        { [`${P}:postgres`]: { user: "postgres" } },
        "postgres.user",
        /postgres, replicator/,
    ],
    [
        "database user is the replication role",
        "phase3",
        { [`${P}:postgres`]: { user: "replicator" } },
        "postgres.user",
        /replicator/,
    ],
    // topologies that exit 3 today
    [
        "frontend type not sold in the location",
        "phase3",
        { [`${P}:location`]: "ash", [`${P}:fallbackLocations`]: [] },
        "servers.frontend.type",
        /not sold in ash/,
    ],
    [
        "agent pool's default type not sold",
        "phase2",
        { [`${P}:location`]: "ash", [`${P}:fallbackLocations`]: [] },
        "agents.tiers.free.serverType",
        /not sold in ash/,
    ],
    [
        "agent hosts beyond the subnet",
        "phase3",
        patched("phase3", "agents", "tiers.free.activeUsers", 10_000),
        "agents",
        /at most 105/,
    ],
    [
        "phase 2 data host over its RAM",
        "phase2",
        patched("phase2", "servers", "data.type", "cpx12"),
        "servers.data.type",
        /system reserve|memory limits/,
    ],
    [
        "phase 3 database node over its RAM",
        "phase3",
        patched("phase3", "servers", "database.type", "cpx12"),
        "servers.database.type",
        /system reserve|memory limits/,
    ],
    [
        "malformed subnet",
        "phase2",
        { [`${P}:network`]: { ipRange: "10.0.0.0/16", subnet: "10.0.300.0/24" } },
        "network.subnet",
        /CIDR/,
    ],
    // keys silently ignored
    [
        "servers.backend in phase 1",
        "phase1",
        patched("phase1", "servers", "backend", { type: "cx23" }),
        "servers.backend",
        /not used by phase1/,
    ],
    [
        "network in phase 1",
        "phase1",
        { [`${P}:network`]: { subnet: "10.0.2.0/24" } },
        "network",
        /not used by phase1/,
    ],
    // duplicate URNs at deploy
    [
        "appHost equal to apiHost",
        "phase1",
        patched("phase1", "edge", "appHost", "api"),
        "edge.apiHost",
        /must differ/,
    ],
];

describe("config classes that used to pass the plan and break later", () => {
    it.each(ROWS.filter((r) => r[3] !== ""))("%s", (_what, stack, set, key, message) => {
        const problems = problemsOf(loadStackConfig(withValues(shippedStack(stack), set)));
        const p = problems.find((x) => x.key === `${P}:${key}`);
        expect(p, problems.map((x) => `${x.key}: ${x.message}`).join("\n")).toBeDefined();
        expect(p?.message).toMatch(message);
        const fix = p?.message.includes("not used")
            ? `pulumi config rm --path '${key}' --stack ${stack}`
            : setFix(stack, key);
        expect(p?.fix).toBe(fix);
    });

    it("a misspelled namespace is reported with a fix that moves it to the project's", () => {
        const r = loadStackConfig(withValues(shippedStack("phase1"), { "phase-stack:location": "hel1" }));
        const p = problemsOf(r).find((x) => x.key === "phase-stack:location");
        expect(p?.message).toMatch(/namespace "phase-stack"/);
        expect(p?.fix).toBe(
            "pulumi config rm 'phase-stack:location' --stack phase1  (then: pulumi config set --path 'location' <value> --stack phase1)",
        );
    });

    it("every supported key type parses", () => {
        const r = loadStackConfig(
            withValues(
                shippedStack("phase1"),
                patched("phase1", "admin", "sshPublicKeys", [ED25519, RSA_3072, ECDSA_384]),
            ),
        );
        expect(r.ok ? "ok" : r.message).toBe("ok");
    });

    it("many broken keys at once are all reported, none with its value", () => {
        const broken = ROWS.filter(
            (r) =>
                r[1] === "phase1" &&
                r[3] !== "" &&
                !r[3].startsWith("admin.") &&
                !r[3].startsWith("edge.") &&
                !r[3].startsWith("servers.") &&
                !r[3].startsWith("workloadOverrides.") &&
                r[3] !== "network",
        );
        const set = Object.assign(
            {},
            ...broken.map((r) => r[2]),
            patched("phase1", "admin", "sshAllowedCidrs", ["203.0.113.5/24"]),
            { "phase-stack:location": "hel1" },
        ) as Record<string, unknown>;
        const r = loadStackConfig(withValues(shippedStack("phase1"), set));
        const keys = problemsOf(r).map((p) => p.key);
        for (const row of broken) expect(keys).toContain(`${P}:${row[3]}`);
        expect(keys).toContain(`${P}:admin.sshAllowedCidrs[0]`);
        expect(keys).toContain("phase-stack:location");
        if (r.ok) return;
        expect(r.message).not.toContain("203.0.113.5");
        expect(r.message).not.toContain("24:00");
    });
});

it("the whole-config checks report together once the schema passes", () => {
    const set = {
        ...patched("phase1", "servers", "backend", { type: "cx23" }),
        [`${P}:network`]: { subnet: "10.0.2.0/24" },
        [`${P}:workloadOverrides`]: { grafana: { port: 443 } },
    };
    const keys = problemsOf(loadStackConfig(withValues(shippedStack("phase1"), set))).map((p) => p.key);
    expect(keys).toEqual(
        expect.arrayContaining([
            `${P}:servers.backend`,
            `${P}:network`,
            `${P}:workloadOverrides.grafana.port`,
        ]),
    );
});

describe("numeric strings from pulumi config set --path", () => {
    it.each([
        ["memory", { maxOvercommit: "1.5" }],
        ["postgres", { volumeGb: "50" }],
        ["replication", { synchronous: "true" }],
    ])("%s accepts %j", (section, value) => {
        const stack = section === "replication" ? "phase3" : "phase1";
        const r = loadStackConfig(withValues(shippedStack(stack), { [`${P}:${section}`]: value }));
        expect(r.ok ? "ok" : r.message).toBe("ok");
    });

    it("a string that is not strictly numeric is still refused", () => {
        const r = loadStackConfig(
            withValues(shippedStack("phase1"), { [`${P}:memory`]: { maxOvercommit: "1.5x" } }),
        );
        expect(problemsOf(r).map((p) => p.key)).toContain(`${P}:memory.maxOvercommit`);
    });

    it("the Origin CA validity accepts a string lifetime", () => {
        const r = loadStackConfig(
            withValues(shippedStack("phase1"), patched("phase1", "edge", "originCertValidityDays", "730")),
        );
        expect(r.ok ? "ok" : r.message).toBe("ok");
    });
});
