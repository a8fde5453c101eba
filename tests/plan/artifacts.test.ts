import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { loadStackConfig } from "../../core/config/load";
import type { RenderedFile } from "../../core/render/base/artifact";
import { renderAppHost } from "../../core/render/machines/appHost";
import { renderCloudConfig } from "../../core/render/base/cloudInit";
import { renderDevStack } from "../../core/render/dev/devStack";
import { planMemory } from "../../core/workload/memoryPlan";
import { artifactsOf, cloudConfigArtifacts, kindOfPath } from "../../tools/plan/artifacts";
import { renderPostgresExporter } from "../../core/render/monitoring/postgresExporter";
import { renderRedisExporter } from "../../core/render/monitoring/redisExporter";
import { loadedConfig, shippedStack } from "../helpers/stackFiles";

function phase1Files(): RenderedFile[] {
    const c = loadedConfig(shippedStack("phase1"), "phase1");
    const backup = c.backup;
    const secret = (s: string) => s.repeat(24);
    return renderAppHost({
        stack: "phase1",
        workload: c.workload,
        reservationsMb: planMemory(c.workload, 8, 1024).reservationsMb,
        hostnames: { app: "app.example.com", api: "api.example.com" },
        postgres: {
            database: "app",
            user: "app",
            volumeDevice: "/dev/disk/by-id/scsi-0HC_Volume_1",
            mountPoint: "/mnt/postgres",
        },
        backup,
        secrets: {
            postgresPassword: secret("p"),
            redisPassword: secret("r"),
            meiliMasterKey: secret("m"),
            grafanaAdminPassword: secret("g"),
            backupAccessKeyId: secret("a"),
            backupSecretAccessKey: secret("s"),
            originCertPem: "-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----\n",
            alertReceiverCredential: "",
            originKeyPem: "-----BEGIN PRIVATE KEY-----\nx\n-----END PRIVATE KEY-----\n",
        },
    }).files;
}

describe("shipped-file labels", () => {
    it("the plan labels every app-host and dev file as its renderer does", () => {
        const r = loadStackConfig(shippedStack("dev"));
        if (!r.ok) throw new Error(r.message);
        const files = [...phase1Files(), ...renderDevStack({ workload: r.config.workload }).files];
        expect(files.length).toBeGreaterThan(20);
        for (const f of files) expect(kindOfPath(f.path), f.path).toBe(f.kind);
    });

    it("labels the database nodes' exporter drop-ins as units, though their names say redis and postgres", () => {
        const files = [
            ...renderRedisExporter({
                listenIp: "10.0.1.10",
                redisPort: 6379,
                password: "p",
                after: "x.service",
            }),
            ...renderPostgresExporter({
                listenIp: "10.0.1.10",
                socketDir: "/run/postgresql",
                pgPort: 5432,
                after: "x",
            }),
        ];
        for (const f of files) expect(kindOfPath(f.path), f.path).toBe(f.kind);
    });
});

describe("reading files back from user data", () => {
    it("reads a gzip+base64 user data back to its cloud-config and the rendered files", () => {
        const big = "x".repeat(40_000);
        const userData = renderCloudConfig({
            packages: [],
            files: [
                { path: "/opt/big.sh", content: big, kind: "shell", permissions: "0755" },
                { path: "/etc/small.conf", content: "a=1\n", kind: "text", permissions: "0644" },
            ],
            runcmd: [],
        });
        expect(userData.startsWith("#cloud-config")).toBe(false);
        const artifacts = cloudConfigArtifacts("app", userData);
        expect(artifacts.map((a) => [a.target, a.kind])).toEqual([
            ["user-data", "cloud-config"],
            ["/opt/big.sh", "shell"],
            ["/etc/small.conf", "text"],
        ]);
        expect(artifacts[0]?.content.startsWith("#cloud-config\n")).toBe(true);
        expect(artifacts[1]?.content).toBe(big);
    });

    it("still decodes a gz+b64 file entry (user data written by hand or by another tool)", () => {
        const gz = gzipSync("echo hi\n").toString("base64");
        const userData = `#cloud-config\nwrite_files:\n  - path: /opt/a.sh\n    encoding: gz+b64\n    content: ${gz}\n`;
        expect(cloudConfigArtifacts("app", userData)[1]?.content).toBe("echo hi\n");
    });

    it("reads container uploads and ignores resources that ship nothing", () => {
        const uploads = [
            { file: "/etc/caddy/caddy.json", content: "{}" },
            { file: "/etc/x.sh", contentBase64: Buffer.from("echo").toString("base64") },
        ];
        expect(
            artifactsOf("docker:index/container:Container", "proxy", { uploads }).map((a) => [
                a.target,
                a.kind,
                a.content,
            ]),
        ).toEqual([
            ["/etc/caddy/caddy.json", "caddy", "{}"],
            ["/etc/x.sh", "shell", "echo"],
        ]);
        expect(artifactsOf("hcloud:index/firewall:Firewall", "fw", { rules: [] })).toEqual([]);
    });
});
