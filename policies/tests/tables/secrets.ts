/** Tables for the secrets policies: user data outside the sanctioned secrets files, and container environments. */
import { gzipSync } from "node:zlib";
import { stringify } from "yaml";
import { T } from "../../lib/typeTokens";
import { containerEnvSecrets } from "../../secrets/env";
import { userDataSecrets } from "../../secrets/userData";
import { dig, res, type Change, type PolicyTable } from "../table";
import { compliantContainer } from "./docker";
import { deployment } from "./pods";

// Random-looking values built at run time, so the repository itself carries no secret-shaped literal.
const RANDOM_32 = ["Xk9", "Tq2", "mZ7", "vR4", "pL8", "wN3", "bH6", "cJ1", "dF5", "gS0", "hY"].join("");
const GITHUB_TOKEN = `ghp_${"aB3dE6gH9jK2mN5pQ8sT1vW4yZ7cF0hJ3lM6"}`;
const PRIVATE_KEY_HEADER = `-----BEGIN ${"OPENSSH"} PRIVATE KEY-----`;
const CERT = [
    "-----BEGIN CERTIFICATE-----",
    "MIIBszCCAVmgAwIBAgIUQ2xvdWRmbGFyZU9yaWdpbkNBMAoGCCqGSM49BAMCMBsx",
    "GTAXBgNVBAMMEHBoYXNlLXN0YWNrcy1jYTAeFw0yNjAxMDEwMDAwMDBaFw0zNjAx",
    "-----END CERTIFICATE-----",
].join("\n");
const gzb64 = (text: string) => gzipSync(Buffer.from(text)).toString("base64");

/** Cloud-config as the program renders it: secrets only under /etc/phase-stacks/secrets/ with mode 0600. */
function cloudConfig(edit: (doc: Record<string, unknown>) => void = () => undefined): string {
    const doc: Record<string, unknown> = {
        package_update: true,
        packages: ["docker.io", "fail2ban"],
        ssh_pwauth: false,
        users: [
            {
                name: "deploy",
                groups: ["docker"],
                ssh_authorized_keys: [
                    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGx9k2mPq8Wz7nR4tVbYcE3uJ1oL5sH6dF0aQ9wX2yZt admin@example",
                ],
            },
        ],
        apt: {
            sources: {
                docker: {
                    source: "deb https://download.docker.com/linux/ubuntu noble stable",
                    keyid: "9DC858229FC7DD38854AE2D88D81803C0EBFCD88",
                },
            },
        },
        write_files: [
            { path: "/etc/phase-stacks/secrets/postgres-password", permissions: "0600", content: RANDOM_32 },
            {
                path: "/etc/phase-stacks/secrets/redis.conf",
                permissions: "0600",
                content: `requirepass ${RANDOM_32}\n`,
            },
            { path: "/etc/phase-stacks/ca.crt", permissions: "0644", content: CERT },
            {
                path: "/etc/phase-stacks/compose.env",
                permissions: "0644",
                content:
                    "POSTGRES_PASSWORD_FILE=/run/secrets/postgres\nDATABASE_URL=postgres://app:${POSTGRES_PASSWORD}@postgres:5432/chrono\nIMAGE=ghcr.io/chrono/api@sha256:" +
                    "c3".repeat(32) +
                    "\n",
            },
            {
                path: "/etc/caddy/Caddyfile",
                encoding: "gz+b64",
                content: gzb64("example.com {\n  reverse_proxy api:8000\n}\n"),
            },
        ],
        runcmd: [
            ["sh", "-c", "iptables -I DOCKER-USER -d 169.254.169.254 -j DROP"],
            "systemctl enable --now docker",
        ],
    };
    edit(doc);
    return `#cloud-config\n${stringify(doc)}`;
}

const userData =
    (edit: (doc: Record<string, unknown>) => void): Change =>
    (p) => {
        p["userData"] = cloudConfig(edit);
    };
const file = (f: Record<string, unknown>) => userData((d) => (d["write_files"] as unknown[]).push(f));
const run = (cmd: unknown) => userData((d) => (d["runcmd"] as unknown[]).push(cmd));

const env =
    (...entries: string[]): Change =>
    (p) => {
        p["envs"] = entries;
    };
const podEnv =
    (env: Record<string, unknown>[], init = false): Change =>
    (_, all) => {
        const d = deployment();
        dig(d.props, "spec", "template", "spec", init ? "initContainers" : "containers", 0)["env"] = env;
        all[0] = d;
    };

export const SECRETS_TABLES: PolicyTable[] = [
    {
        policy: userDataSecrets,
        baseline: () => [res(T.hcloudServer, "app", { serverType: "cx33", userData: cloudConfig() })],
        broken: [
            {
                name: "a password in runcmd",
                change: run(`echo "POSTGRES_PASSWORD=Sup3rS3cret" >> /etc/environment`),
                expect: "userData runcmd[2] contains a hard-coded credential (POSTGRES_PASSWORD)",
            },
            {
                name: "a private key outside the secrets directory",
                change: file({
                    path: "/etc/ssl/private/origin.key",
                    permissions: "0600",
                    content: `${PRIVATE_KEY_HEADER}\nb3BlbnNzaA==\n`,
                }),
                expect: "userData write_files[5] (/etc/ssl/private/origin.key) line 1 contains a private key",
            },
            {
                name: "a world-readable secret file",
                change: file({
                    path: "/etc/phase-stacks/secrets/meili-key",
                    permissions: "0644",
                    content: "[secret]",
                }),
                expect: "userData write_files[5] (/etc/phase-stacks/secrets/meili-key) permissions are 0644, readable beyond the owner",
            },
            {
                name: "a secret file without permissions",
                change: file({ path: "/etc/phase-stacks/secrets/token", content: "[secret]" }),
                expect: "permissions is not set, so cloud-init writes the secret 0644",
            },
            {
                name: "a random token in bootcmd",
                change: userData(
                    (d) =>
                        (d["bootcmd"] = [`curl -H "X-Auth: ${RANDOM_32}" https://api.example.com/register`]),
                ),
                expect: "userData bootcmd[0] contains a high-entropy string",
            },
            {
                name: "a credential inside a gz+b64 file",
                change: file({
                    path: "/etc/phase-stacks/app.env",
                    encoding: "gz+b64",
                    content: gzb64("LOG_LEVEL=info\nDB_PASSWORD=hunter2hunter2\n"),
                }),
                expect: "(/etc/phase-stacks/app.env) line 2 contains a hard-coded credential (DB_PASSWORD)",
            },
            {
                name: "a credential in user data sent as the base64 of its gzip",
                change: (p) => {
                    p["userData"] = gzb64(
                        cloudConfig((d) => (d["bootcmd"] = ["echo DB_PASSWORD=hunter2hunter2"])),
                    );
                },
                expect: "userData bootcmd[0] contains a hard-coded credential (DB_PASSWORD)",
            },
            {
                name: "a credential inside a b64 file",
                change: file({
                    path: "/etc/app.env",
                    encoding: "b64",
                    content: Buffer.from("API_TOKEN=abc123xyz\n").toString("base64"),
                }),
                expect: "contains a hard-coded credential (API_TOKEN)",
            },
            {
                name: "an undecodable gz+b64 file",
                change: file({ path: "/etc/app.bin", encoding: "gz+b64", content: "bm90IGd6aXA=" }),
                expect: "userData write_files[5] (/etc/app.bin) cannot be judged: its gz+b64 content does not decode",
            },
            {
                name: "a password hash for a user",
                change: userData(
                    (d) => (d["users"] = [{ name: "ops", passwd: "$6$rounds=4096$saltsalt$hash" }]),
                ),
                expect: "userData users[0].passwd contains a hard-coded credential (passwd)",
            },
            {
                name: "a chpasswd password",
                change: userData(
                    (d) =>
                        (d["chpasswd"] = {
                            users: [{ name: "root", password: "Tr0ub4dor&3", type: "text" }],
                        }),
                ),
                expect: "userData chpasswd.users[0].password contains a hard-coded credential (password)",
            },
            {
                name: "a k3s join token",
                change: run(
                    `curl -sfL https://get.k3s.io | K3S_TOKEN=K10${"ab".repeat(32)}::server:${RANDOM_32} sh -`,
                ),
                expect: "contains a k3s join token",
            },
            {
                name: "redis requirepass outside the secrets directory",
                change: file({
                    path: "/etc/redis/redis.conf",
                    content: "bind 10.0.1.3\nrequirepass hunter2hunter2\n",
                }),
                expect: "line 2 contains a redis requirepass/masterauth",
            },
            {
                name: "a password in a URL",
                change: run("pg_dump postgres://backup:b4ckup@10.0.1.3/chrono > /tmp/d.sql"),
                expect: "contains a password in a URL",
            },
            {
                name: "a GitHub token in a shell script",
                change: (p) => (p["userData"] = `#!/bin/bash\nexport GH=${GITHUB_TOKEN}\n`),
                expect: "userData userData line 2 contains a GitHub token",
            },
            {
                name: "a secrets path escaping with ..",
                change: file({
                    path: "/etc/phase-stacks/secrets/../app.env",
                    permissions: "0600",
                    content: "SECRET_KEY_BASE=abcdef123456",
                }),
                expect: "contains a hard-coded credential (SECRET_KEY_BASE)",
            },
        ],
        passing: [
            {
                name: "offline-plan placeholders",
                change: file({
                    path: "/etc/app.env",
                    content:
                        "DB_PASSWORD=[secret]\nAPI_TOKEN=<secret:api-token>\nREDIS_PASSWORD=${REDIS_PASSWORD}\nPASSWORD_MIN_LENGTH=12\n",
                }),
            },
            {
                name: "references to secret files",
                change: run("export PGPASSWORD=$(cat /etc/phase-stacks/secrets/postgres-password)"),
            },
            {
                name: "a secret file with mode 0400",
                change: file({
                    path: "/etc/phase-stacks/secrets/k3s-token",
                    permissions: "0400",
                    content: `K10${"ab".repeat(32)}::server:${RANDOM_32}`,
                }),
            },
            {
                name: "permissions as YAML numbers (600, 384)",
                change: userData((d) =>
                    (d["write_files"] as unknown[]).push(
                        { path: "/etc/phase-stacks/secrets/a", permissions: 600, content: RANDOM_32 },
                        { path: "/etc/phase-stacks/secrets/b", permissions: 384, content: RANDOM_32 },
                    ),
                ),
            },
            {
                name: "Postgres config naming its password method",
                change: file({
                    path: "/etc/postgresql/16/main/conf.d/10-auth.conf",
                    content: "password_encryption = scram-sha-256\nssl = on\n",
                }),
            },
            { name: "no user data", change: (p) => delete p["userData"] },
        ],
    },
    {
        policy: containerEnvSecrets,
        baseline: () => [compliantContainer()],
        broken: [
            {
                name: "a default password",
                change: env("POSTGRES_PASSWORD=postgres"),
                expect: "docker Container 'postgres': envs[0] contains a hard-coded credential (POSTGRES_PASSWORD)",
            },
            {
                name: "a master key",
                change: env("NODE_ENV=production", `MEILI_MASTER_KEY=${RANDOM_32}`),
                expect: "envs[1] contains a hard-coded credential (MEILI_MASTER_KEY)",
            },
            {
                name: "a GitHub token under a neutral name",
                change: env(`UPSTREAM=${GITHUB_TOKEN}`),
                expect: "envs[0] contains a GitHub token (UPSTREAM)",
            },
            {
                name: "a password in a URL",
                change: env("DATABASE_URL=postgres://app:hunter2@db:5432/app"),
                expect: "contains a password in a URL (DATABASE_URL)",
            },
            {
                name: "a random value under a neutral name",
                change: env(`SESSION_SEED=${RANDOM_32}`),
                expect: "contains a high-entropy string (SESSION_SEED)",
            },
            { name: "a camelCase secret name", change: env("clientSecret=abc123"), expect: "(clientSecret)" },
            {
                name: "a pod env literal",
                change: podEnv([{ name: "DB_PASSWORD", value: "hunter22" }]),
                expect: 'spec.template.spec container "agent" env[0].value contains a hard-coded credential (DB_PASSWORD)',
            },
            {
                name: "an init container env literal",
                change: podEnv([{ name: "API_KEY", value: "k-123456" }], true),
                expect: 'container "migrate" env[0].value',
            },
        ],
        passing: [
            {
                name: "references and placeholders",
                change: env(
                    "REDIS_PASSWORD=${REDIS_PASSWORD}",
                    "POSTGRES_PASSWORD_FILE=/run/secrets/pg",
                    "TOKEN=[secret]",
                    "API_TOKEN=<secret:api-token>",
                ),
            },
            {
                name: "settings about secrets",
                change: env(
                    "PASSWORD_MIN_LENGTH=12",
                    "AUTH_ENABLED=true",
                    "PASSWORD_ENCRYPTION=scram-sha-256",
                    "SECRET_NAME=db-credentials",
                    "TOKEN_TTL=3600",
                ),
            },
            {
                name: "ordinary settings",
                change: env(
                    "NODE_ENV=production",
                    "GRAFANA_ADMIN_USER=admin",
                    "TZ=Europe/Berlin",
                    "EMPTY_PASSWORD=",
                ),
            },
            {
                name: "a pod env from a Secret",
                change: podEnv([
                    { name: "DB_PASSWORD", valueFrom: { secretKeyRef: { name: "db", key: "password" } } },
                ]),
            },
        ],
    },
];
