import { describe, expect, it } from "vitest";
import { loadStackConfig, type LoadResult } from "../../core/config/load";
import { loadedConfig, shippedStack, withValues } from "../helpers/stackFiles";

const phase1 = shippedStack("phase1");
const P = "phase-stacks";

function problems(r: LoadResult): { key: string; message: string; fix: string }[] {
    if (r.ok) throw new Error("expected the config to be rejected");
    return [...r.problems];
}

function problemFor(r: LoadResult, key: string): { message: string; fix: string } {
    const p = problems(r).find((x) => x.key === key);
    if (!p)
        throw new Error(
            `no problem reported for ${key}; got ${problems(r)
                .map((x) => x.key)
                .join(", ")}`,
        );
    return p;
}

describe("shipped stack files", () => {
    it.each(["dev", "phase1", "phase2", "phase3", "phase4", "phase5"])("%s validates", (stack) => {
        const r = loadStackConfig(shippedStack(stack));
        expect(r.ok ? "ok" : r.message).toBe("ok");
    });

    it("phase1 resolves seed defaults: cx33, daily backups kept 7 days, the seed's memory allocation", () => {
        const r = loadStackConfig(phase1);
        const c = loadedConfig(phase1, "phase1");
        expect(c.servers.app.type).toBe("cx33");
        expect(c.backup.retentionDays).toBe(7);
        expect(c.workload.postgres.memoryMb).toBe(2048);
        expect(c.workload.worker.replicas).toBe(2);
        expect(r.ok && r.credentials).toEqual([
            `hcloud:token`,
            `cloudflare:apiToken`,
            `${P}:backupAccessKeyId`,
            `${P}:backupSecretAccessKey`,
        ]);
    });
});

describe("broken stack config", () => {
    const servers = (type: unknown): Record<string, unknown> => ({ [`${P}:servers`]: { app: { type } } });

    it("a wrong type names the key, the stack and the fix", () => {
        const p = problemFor(loadStackConfig(withValues(phase1, servers(33))), `${P}:servers.app.type`);
        expect(p.message).toMatch(/expected one of/);
        expect(p.fix).toBe("pulumi config set --path 'servers.app.type' <value> --stack phase1");
    });

    it("an unknown server type such as the retired cx32 is rejected with the options", () => {
        const p = problemFor(loadStackConfig(withValues(phase1, servers("cx32"))), `${P}:servers.app.type`);
        expect(p.message).toContain('"cx33"');
    });

    it("an unknown location is rejected", () => {
        const p = problemFor(
            loadStackConfig(withValues(phase1, { [`${P}:location`]: "fra1" })),
            `${P}:location`,
        );
        expect(p.message).toContain('"nbg1"');
    });

    it("an unknown key is rejected at its own path with a removal fix", () => {
        const r = loadStackConfig(
            withValues(phase1, {
                [`${P}:servers`]: { app: { type: "cx33" }, appp: { type: "cx33" } },
                [`${P}:colour`]: "blue",
            }),
        );
        expect(problemFor(r, `${P}:servers.appp`).fix).toBe(
            "pulumi config rm --path 'servers.appp' --stack phase1",
        );
        expect(problemFor(r, `${P}:colour`).message).toMatch(/not a known setting/);
    });

    it("a missing credential asks for it as a secret", () => {
        const p = problemFor(loadStackConfig(withValues(phase1, {}, ["hcloud:token"])), "hcloud:token");
        expect(p.message).toMatch(/required for phase1/);
        expect(p.fix).toBe("pulumi config set --secret hcloud:token <value> --stack phase1");
    });

    it("a credential in plain text is rejected without echoing it", () => {
        const token = "plain-token-value-0123456789";
        const file = withValues(phase1, { "cloudflare:apiToken": token });
        const r = loadStackConfig({
            ...file,
            secretKeys: new Set([...file.secretKeys].filter((k) => k !== "cloudflare:apiToken")),
        });
        expect(problemFor(r, "cloudflare:apiToken").message).toMatch(/plain text/);
        expect(r.ok ? "" : r.message).not.toContain(token);
    });

    it("a setting stored as a secret is rejected: policies must see it at preview", () => {
        const file = phase1;
        const r = loadStackConfig({ ...file, secretKeys: new Set([...file.secretKeys, `${P}:admin`]) });
        expect(problemFor(r, `${P}:admin`).message).toMatch(/plain config/);
    });

    it("no config value is echoed, even in many problems at once", () => {
        const secretish = "zz-distinctive-value-42";
        const r = loadStackConfig(
            withValues(phase1, {
                [`${P}:edge`]: { zone: secretish, zoneId: secretish },
                [`${P}:admin`]: { sshPublicKeys: [secretish], sshAllowedCidrs: [secretish] },
                [`${P}:location`]: secretish,
            }),
        );
        expect(problems(r).length).toBeGreaterThanOrEqual(5);
        expect(r.ok ? "" : r.message).not.toContain(secretish);
    });

    it("every problem is reported at once, headed by project and stack", () => {
        const r = loadStackConfig(
            withValues(phase1, { [`${P}:location`]: "fra1", ...servers("cx99") }, ["hcloud:token"]),
        );
        expect(problems(r).map((p) => p.key)).toEqual(
            expect.arrayContaining([`${P}:location`, `${P}:servers.app.type`, "hcloud:token"]),
        );
        expect(r.ok ? "" : r.message.split("\n")[0]).toBe(
            `Invalid stack configuration for phase-stacks/phase1 (${problems(r).length} problems):`,
        );
    });

    it.each([
        ["0.0.0.0/0", /whole internet/],
        ["::/0", /whole internet/],
        ["203.0.113.0/33", /must be a CIDR/],
        ["not-a-cidr", /must be a CIDR/],
    ])("SSH range %s is rejected", (cidr, message) => {
        const admin = {
            sshPublicKeys: ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBk1 ops"],
            sshAllowedCidrs: [cidr],
        };
        expect(
            problemFor(
                loadStackConfig(withValues(phase1, { [`${P}:admin`]: admin })),
                `${P}:admin.sshAllowedCidrs[0]`,
            ).message,
        ).toMatch(message);
    });

    it("a location that does not sell the server type is rejected (cx lines are EU only)", () => {
        const r = loadStackConfig(
            withValues(phase1, { [`${P}:location`]: "ash", [`${P}:fallbackLocations`]: [] }),
        );
        expect(problemFor(r, `${P}:servers.app.type`).message).toMatch(/not sold in ash/);
    });

    it("a fallback location in another network zone is rejected", () => {
        const r = loadStackConfig(withValues(phase1, { [`${P}:fallbackLocations`]: ["hel1", "ash"] }));
        expect(problemFor(r, `${P}:fallbackLocations[1]`).message).toMatch(/network zone eu-central/);
    });

    it("a workload that cannot fit the app server is rejected at the server type", () => {
        const r = loadStackConfig(
            withValues(phase1, { [`${P}:workloadOverrides`]: { postgres: { memoryMb: 4096 } } }),
        );
        expect(problemFor(r, `${P}:servers.app.type`).message).toMatch(/at most 1.25x is allowed/);
    });

    it("an image on the latest tag is rejected", () => {
        const r = loadStackConfig(
            withValues(phase1, { [`${P}:workloadOverrides`]: { api: { image: "ghcr.io/acme/api:latest" } } }),
        );
        expect(problemFor(r, `${P}:workloadOverrides.api.image`).message).toMatch(/latest/);
    });

    it("HSTS shorter than six months is rejected", () => {
        const r = loadStackConfig(
            withValues(phase1, {
                [`${P}:edge`]: {
                    zone: "example.com",
                    zoneId: "0123456789abcdef0123456789abcdef",
                    hstsMaxAgeSeconds: 3600,
                },
            }),
        );
        expect(problemFor(r, `${P}:edge.hstsMaxAgeSeconds`).message).toMatch(/15768000/);
    });

    it("a cloud phase without its sections says which are required", () => {
        const r = loadStackConfig(withValues(phase1, {}, [`${P}:edge`, `${P}:backup`]));
        expect(problemFor(r, `${P}:edge`).message).toBe("is required for phase1");
        expect(problemFor(r, `${P}:backup`).message).toBe("is required for phase1");
    });
});

describe("overrides and spellings", () => {
    it("workloadOverrides changes only the fields it names", () => {
        const r = loadStackConfig(
            withValues(phase1, { [`${P}:workloadOverrides`]: { api: { image: "ghcr.io/acme/api:2.1.0" } } }),
        );
        if (!r.ok) throw new Error(r.message);
        expect(r.config.workload.api).toMatchObject({
            image: "ghcr.io/acme/api:2.1.0",
            memoryMb: 1024,
            port: 8000,
            healthPath: "/health",
        });
    });

    it("min TLS 1.3 set with --path (a number) is accepted as the string Cloudflare wants", () => {
        const r = loadStackConfig(
            withValues(phase1, {
                [`${P}:edge`]: {
                    zone: "example.com",
                    zoneId: "0123456789abcdef0123456789abcdef",
                    minTlsVersion: 1.3,
                },
            }),
        );
        if (!r.ok) throw new Error(r.message);
        expect(r.config.phase === "phase1" && r.config.edge.minTlsVersion).toBe("1.3");
    });

    it("dev needs no credentials", () => {
        const r = loadStackConfig(shippedStack("dev"));
        expect(r.ok && r.credentials).toEqual([]);
    });
});
