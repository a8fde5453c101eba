/**
 * Real tools the tests feed rendered files to. A missing tool fails the test with its name and the Debian
 * package that provides it; it never skips, so CI cannot pass without having checked.
 */
import { execFileSync, spawnSync, type SpawnSyncReturns } from "node:child_process";

const PACKAGES: Readonly<Record<string, string>> = {
    "cloud-init": "cloud-init",
    caddy: "caddy",
    haproxy: "haproxy",
    nginx: "nginx",
    promtool: "prometheus",
    amtool: "prometheus-alertmanager",
    "prometheus-blackbox-exporter": "prometheus-blackbox-exporter",
    "prometheus-node-exporter": "prometheus-node-exporter",
    shellcheck: "shellcheck",
    "docker-compose": "docker-compose",
    "redis-server": "redis-server",
    "redis-sentinel": "redis-server",
    "redis-cli": "redis-server",
    pgbouncer: "pgbouncer",
    patroni: "patroni",
    patronictl: "patroni",
    etcd: "etcd-server",
    etcdctl: "etcd-client",
    psql: "postgresql-client",
    "systemd-analyze": "systemd",
    openssl: "openssl",
    dot: "graphviz",
    sshd: "openssh-server",
    "ssh-keygen": "openssh-client",
    "fail2ban-client": "fail2ban",
    "apt-config": "apt",
    findmnt: "util-linux",
    unshare: "util-linux",
    iptables: "iptables",
    rclone: "rclone",
    docker: "docker.io",
    bash: "bash",
    python3: "python3-yaml",
};

export function requireTool(name: string): string {
    try {
        return execFileSync("sh", ["-c", `command -v ${name}`], { encoding: "utf8" }).trim();
    } catch {
        const pkg = PACKAGES[name] ?? name;
        throw new Error(
            `required tool '${name}' is not installed: run 'apt-get install -y ${pkg}' (bash .ci/run does this)`,
        );
    }
}

export interface ToolResult {
    readonly status: number | null;
    readonly output: string;
}

/** Runs a tool and returns its exit status with stdout and stderr joined, for assertion messages. */
export function runTool(
    name: string,
    args: readonly string[],
    opts: { cwd?: string; input?: string; env?: NodeJS.ProcessEnv } = {},
): ToolResult {
    const bin = requireTool(name);
    const r: SpawnSyncReturns<string> = spawnSync(bin, args, {
        cwd: opts.cwd,
        input: opts.input,
        env: opts.env ?? process.env,
        encoding: "utf8",
        timeout: 60_000,
    });
    return { status: r.status, output: `${r.stdout ?? ""}${r.stderr ?? ""}` };
}
