import { afterAll, describe, expect, it } from "vitest";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { renderAppHost, type AppHostSecrets } from "../../../core/render/machines/appHost";
import { ARTIFACT_KINDS, SECRETS_DIR } from "../../../core/render/base/artifact";
import { TEXTFILE_COLLECTOR_DIR } from "../../../core/render/base/paths";
import { USER_DATA_LIMIT_BYTES, decodeUserData } from "../../../core/render/base/cloudInit";
import { DOCKER_CONTAINERS_DIR, JOURNAL_PATHS } from "../../../core/render/monitoring/logAgent";
import { runTool } from "../../helpers/tools";
import { fileAt, phase1Spec, pyYamlLoad, removeDir, tempDir, writeFilesOf } from "../fixtures";

const spec = phase1Spec();
const { files, cloudConfig: userData } = renderAppHost(spec);
/** The document cloud-init reads once the Hetzner datasource has decoded the user data. */
const cloudConfig = decodeUserData(userData);
const doc = parse(cloudConfig) as {
    packages: string[];
    runcmd: string[][];
    ssh_pwauth: boolean;
    write_files: unknown[];
    package_update: boolean;
    package_upgrade: boolean;
};

/** Every form in which a secret could leak: raw, URL-encoded, and each long line of a PEM body. */
function needles(secrets: AppHostSecrets): { name: string; value: string }[] {
    return (Object.entries(secrets) as [string, string][]).flatMap(([name, value]) => {
        const forms = new Set([value, encodeURIComponent(value)]);
        if (value.includes("-----BEGIN"))
            for (const line of value.split("\n"))
                if (line.length >= 40 && !line.startsWith("-----")) forms.add(line);
        return [...forms].map((v) => ({ name, value: v }));
    });
}

/** Where secrets show up outside SECRETS_DIR: in write_files contents (decoded) and in the rest of the document. */
function leaks(userData: string, secrets: AppHostSecrets): string[] {
    const found: string[] = [];
    const entries = writeFilesOf(userData);
    for (const { entry, decoded } of entries) {
        if (entry.path.startsWith(`${SECRETS_DIR}/`)) continue;
        for (const n of needles(secrets))
            if (decoded.includes(n.value)) found.push(`${n.name} in ${entry.path}`);
    }
    const rest = {
        ...(parse(userData) as Record<string, unknown>),
        write_files: entries.map((e) => ({ ...e.entry, content: "" })),
    };
    const restText = JSON.stringify(rest);
    for (const n of needles(secrets))
        if (restText.includes(n.value)) found.push(`${n.name} outside write_files contents`);
    return found;
}

const dirs: string[] = [];
afterAll(() => dirs.forEach(removeDir));

describe("phase-1 app host user data", () => {
    it(`fits Hetzner's ${USER_DATA_LIMIT_BYTES}-byte userData limit with a 2048-bit RSA origin key`, () => {
        expect(spec.secrets.originKeyPem.length).toBeGreaterThan(1600);
        expect(Buffer.byteLength(userData)).toBeLessThanOrEqual(USER_DATA_LIMIT_BYTES);
    });

    it("writes every rendered file, byte for byte, with its permissions, as root (cloud-init's defaults left unsaid)", () => {
        const entries = writeFilesOf(cloudConfig);
        expect(entries.map((e) => e.entry.path).sort()).toEqual(files.map((f) => f.path).sort());
        for (const { entry, decoded } of entries) {
            const f = fileAt(files, entry.path);
            expect(decoded, f.path).toBe(f.content);
            // cloud-init writes root:root and 0644 when they are unset.
            expect(entry.permissions ?? "0644", f.path).toBe(f.permissions);
            expect(entry.owner, f.path).toBeUndefined();
            expect(entry.append === true, f.path).toBe(f.append === true);
        }
    });

    it("labels every file with a known kind", () => {
        for (const f of files) expect(ARTIFACT_KINDS, f.path).toContain(f.kind);
        const kinds = new Set(files.map((f) => f.kind));
        for (const k of [
            "compose",
            "caddy",
            "prometheus-config",
            "grafana",
            "systemd",
            "shell",
            "sshd",
            "fail2ban",
            "apt",
            "docker-daemon",
            "env",
            "pem",
            "fstab",
        ])
            expect(kinds, k).toContain(k);
    });

    it("keeps every secret inside SECRETS_DIR files with mode 0600, and out of everything else", () => {
        expect(leaks(cloudConfig, spec.secrets)).toEqual([]);
        for (const f of files) {
            const carries = needles(spec.secrets).some((n) => f.content.includes(n.value));
            if (carries) {
                expect(f.path.startsWith(`${SECRETS_DIR}/`), f.path).toBe(true);
                expect(f.permissions, f.path).toBe("0600");
                expect(f.secret, f.path).toBe(true);
            }
            if (f.secret)
                expect([f.path.startsWith(`${SECRETS_DIR}/`), f.permissions], f.path).toEqual([true, "0600"]);
        }
    });

    it("would report a secret planted outside SECRETS_DIR (the leak check can fail)", () => {
        const inFile = cloudConfig.replace(
            "# phase-stacks: Redis for the Celery broker",
            `# ${spec.secrets.redisPassword}`,
        );
        expect(inFile).not.toBe(cloudConfig);
        expect(leaks(inFile, spec.secrets)).toEqual(["redisPassword in /opt/phase-stacks/config/redis.conf"]);
        const inDocument = `${cloudConfig}final_message: ${encodeURIComponent(spec.secrets.postgresPassword)}\n`;
        expect(leaks(inDocument, spec.secrets)).toEqual(["postgresPassword outside write_files contents"]);
    });

    it("installs Docker, compose v2, fail2ban, unattended-upgrades and rclone, upgrades, and turns off password SSH", () => {
        expect(doc.packages).toEqual(
            expect.arrayContaining([
                "docker.io",
                "docker-compose-v2",
                "fail2ban",
                "unattended-upgrades",
                "rclone",
            ]),
        );
        expect([doc.package_update, doc.package_upgrade, doc.ssh_pwauth]).toEqual([true, true, false]);
    });

    it("enables the metadata block, the backup timer and the compose unit, without blocking cloud-init on the volume", () => {
        const commands = doc.runcmd.map((c) => c.join(" "));
        expect(commands.indexOf("systemctl daemon-reload")).toBeGreaterThanOrEqual(0);
        const enable = (unit: string) =>
            commands.findIndex((c) => c.startsWith("systemctl enable") && c.endsWith(unit));
        for (const u of [
            "phase-stacks-metadata-block.service",
            "phase-stacks-backup.timer",
            "phase-stacks.service",
        ]) {
            expect(enable(u), u).toBeGreaterThan(commands.indexOf("systemctl daemon-reload"));
        }
        expect(enable("phase-stacks-metadata-block.service")).toBeLessThan(enable("phase-stacks.service"));
        expect(commands[enable("phase-stacks.service")]).toContain("--no-block");
        expect(commands).toContain(`chmod 0700 ${SECRETS_DIR}`);
    });

    it("mounts the Postgres volume from fstab with nofail and a device timeout", () => {
        const fstab = fileAt(files, "/etc/fstab");
        expect(fstab.append).toBe(true);
        const line = fstab.content
            .split("\n")
            .find((l) => l.startsWith("/dev/"))!
            .split(/\s+/);
        expect(line.slice(0, 3)).toEqual([spec.postgres.volumeDevice, spec.postgres.mountPoint, "ext4"]);
        expect(line[3]!.split(",")).toEqual(
            expect.arrayContaining(["nofail", "x-systemd.device-timeout=300s"]),
        );
    });

    it("reads the same in PyYAML, the parser cloud-init uses", () => {
        expect(pyYamlLoad(cloudConfig)).toEqual(doc);
    });

    it("passes `cloud-init schema`", () => {
        const dir = tempDir("user-data");
        dirs.push(dir);
        writeFileSync(join(dir, "user-data"), cloudConfig);
        const r = runTool("cloud-init", ["schema", "--config-file", join(dir, "user-data")]);
        expect(r.output).toContain("Valid cloud-config");
        expect(r.status).toBe(0);
    });
});

describe("files the phase-1 services read", () => {
    const compose = parse(fileAt(files, "/opt/phase-stacks/compose.yaml").content) as {
        services: Record<
            string,
            {
                volumes?: (string | { source: string })[];
                env_file?: string[];
                secrets?: { source: string; target: string }[];
            }
        >;
        secrets: Record<string, { file: string }>;
    };
    const rendered = new Set(files.map((f) => f.path));

    it("bind-mounts, env-files and passes as secrets only rendered files, the data volume and the host views node-exporter and the log agent read", () => {
        const hostOnly = new Set([
            spec.postgres.mountPoint,
            "/proc",
            "/sys",
            "/",
            // The textfile directory is the units' to create, and the backup's to fill.
            TEXTFILE_COLLECTOR_DIR,
            DOCKER_CONTAINERS_DIR,
            ...JOURNAL_PATHS,
        ]);
        for (const [name, s] of Object.entries(compose.services)) {
            for (const src of [
                ...(s.volumes ?? []).flatMap((v) => (typeof v === "string" ? [v.split(":")[0]!] : [])),
                ...(s.env_file ?? []),
                ...(s.secrets ?? []).map((x) => compose.secrets[x.source]!.file),
            ].filter((p) => p.startsWith("/"))) {
                // A directory mount (Prometheus' rules) must hold a rendered file.
                const dirOfRendered = [...rendered].some((p) => p.startsWith(`${src}/`));
                expect(rendered.has(src) || hostOnly.has(src) || dirOfRendered, `${name}: ${src}`).toBe(true);
            }
        }
    });

    it("mounts into the proxy exactly the certificate and key files Caddy loads", () => {
        const caddy = JSON.parse(fileAt(files, "/opt/phase-stacks/config/caddy.json").content) as {
            apps: { tls: { certificates: { load_files: { certificate: string; key: string }[] } } };
        };
        const proxy = compose.services.proxy!;
        const mounts = new Map([
            ...proxy
                .volumes!.flatMap((v) => (typeof v === "string" ? [v.split(":")] : []))
                .map(([src, dst]) => [dst!, src!] as const),
            ...proxy.secrets!.map((x) => [x.target, compose.secrets[x.source]!.file] as const),
        ]);
        const [lf] = caddy.apps.tls.certificates.load_files;
        const certSource = mounts.get(lf!.certificate)!;
        const keySource = mounts.get(lf!.key)!;
        expect(fileAt(files, certSource).content).toBe(spec.secrets.originCertPem);
        expect(fileAt(files, keySource).content).toBe(spec.secrets.originKeyPem);
        expect(mounts.get("/etc/caddy/caddy.json")).toBe("/opt/phase-stacks/config/caddy.json");
    });

    it("hands the app its connection strings with URL-encoded credentials", () => {
        const env = Object.fromEntries(
            fileAt(files, `${SECRETS_DIR}/app.env`)
                .content.trim()
                .split("\n")
                .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
        );
        const db = new URL(env.DATABASE_URL!);
        expect([
            db.protocol,
            db.hostname,
            db.port,
            db.pathname,
            decodeURIComponent(db.username),
            decodeURIComponent(db.password),
        ]).toEqual([
            "postgresql:",
            "postgres",
            "5432",
            "/chrono",
            "chrono_app",
            spec.secrets.postgresPassword,
        ]);
        expect(decodeURIComponent(new URL(env.REDIS_URL!).password)).toBe(spec.secrets.redisPassword);
        expect(env.MEILISEARCH_API_KEY).toBe(spec.secrets.meiliMasterKey);
    });

    it("refuses secrets that docker env files cannot carry, without echoing them", () => {
        const bad = phase1Spec();
        const secret = "has space$and'quote";
        try {
            renderAppHost({ ...bad, secrets: { ...bad.secrets, redisPassword: secret } });
            expect.unreachable();
        } catch (e) {
            expect(String(e)).toContain("redisPassword");
            expect(String(e)).not.toContain(secret);
        }
        expect(() => renderAppHost({ ...bad, secrets: { ...bad.secrets, meiliMasterKey: "short" } })).toThrow(
            /meiliMasterKey/,
        );
    });

    it("rejects hostnames, identifiers and devices that would break the files they land in", () => {
        expect(() =>
            renderAppHost({ ...spec, hostnames: { app: "App.Example.com", api: "api.example.com" } }),
        ).toThrow(/hostnames.app/);
        expect(() =>
            renderAppHost({ ...spec, hostnames: { app: "app.example.xn--p1ai", api: "api.example.com" } }),
        ).not.toThrow();
        expect(() => renderAppHost({ ...spec, postgres: { ...spec.postgres, user: "app; drop" } })).toThrow(
            /postgres.user/,
        );
        expect(() => renderAppHost({ ...spec, postgres: { ...spec.postgres, volumeDevice: "sdb" } })).toThrow(
            /volume device/,
        );
        expect(() => renderAppHost({ ...spec, backup: { ...spec.backup, bucket: "Bad_Bucket" } })).toThrow(
            /bucket/,
        );
    });
});
