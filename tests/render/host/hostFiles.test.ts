/**
 * The phase-1 host's own files (not the containers'), each fed to the program that reads it on the server:
 * sshd, fail2ban, apt, systemd, bash (shellcheck), util-linux's fstab parser and iptables.
 */
import { afterAll, describe, expect, it } from "vitest";
import { chmodSync, cpSync, existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { renderAppHost } from "../../../core/render/machines/appHost";
import { requireTool, runTool } from "../../helpers/tools";
import { fileAt, phase1Spec, removeDir, tempDir, writeTree } from "../fixtures";

const spec = phase1Spec();
const { files } = renderAppHost(spec);
const root = tempDir("host");
writeTree(root, files);
const dirs = [root];
afterAll(() => dirs.forEach(removeDir));

function scratch(label: string): string {
    const d = tempDir(label);
    dirs.push(d);
    return d;
}

describe("sshd drop-in", () => {
    /**
     * sshd refuses to run without its privilege separation directory, /run/sshd, which only exists on a booted
     * server: give it one on a private /run (user and mount namespace, so this needs no root and leaves the host alone).
     */
    function sshd(args: string[]) {
        const bin = requireTool("sshd");
        return runTool("unshare", [
            "--map-root-user",
            "--mount",
            "sh",
            "-c",
            `mount -t tmpfs tmpfs /run && mkdir -m 0755 /run/sshd && exec ${bin} "$@"`,
            "sh",
            ...args,
        ]);
    }

    /** sshd -T prints the effective settings of a config that includes the drop-in before Ubuntu-like defaults. */
    function effectiveSshd(dropIn: string): {
        status: number | null;
        output: string;
        settings: Map<string, string>;
    } {
        requireTool("sshd");
        const dir = scratch("sshd");
        mkdirSync(join(dir, "sshd_config.d"));
        writeFileSync(join(dir, "sshd_config.d", "10-phase-stacks.conf"), dropIn);
        // What cloud-init and the image would otherwise say; the drop-in must win over both.
        writeFileSync(join(dir, "sshd_config.d", "50-cloud-init.conf"), "PasswordAuthentication yes\n");
        writeFileSync(
            join(dir, "sshd_config"),
            `Include ${dir}/sshd_config.d/*.conf\nHostKey ${dir}/host_key\nKbdInteractiveAuthentication yes\nPermitRootLogin yes\nX11Forwarding yes\n`,
        );
        const key = runTool("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", join(dir, "host_key")]);
        if (key.status !== 0) throw new Error(key.output);
        const check = sshd(["-t", "-f", join(dir, "sshd_config")]);
        const dump = sshd(["-T", "-f", join(dir, "sshd_config")]);
        const settings = new Map(
            dump.output
                .split("\n")
                .filter(Boolean)
                .map((l) => [l.slice(0, l.indexOf(" ")), l.slice(l.indexOf(" ") + 1)]),
        );
        return { status: check.status, output: check.output, settings };
    }

    it("passes `sshd -t` and leaves keys as the only way in", () => {
        const r = effectiveSshd(fileAt(files, "/etc/ssh/sshd_config.d/10-phase-stacks.conf").content);
        expect(r.output).toBe("");
        expect(r.status).toBe(0);
        const s = r.settings;
        expect(s.get("passwordauthentication")).toBe("no");
        expect(s.get("kbdinteractiveauthentication")).toBe("no");
        expect(s.get("authenticationmethods")).toBe("publickey");
        expect(["prohibit-password", "without-password"]).toContain(s.get("permitrootlogin"));
        expect(s.get("x11forwarding")).toBe("no");
        expect(Number(s.get("maxauthtries"))).toBeLessThanOrEqual(3);
    });

    it("is rejected by sshd when it carries an unknown keyword (the check can fail)", () => {
        const r = effectiveSshd(
            `${fileAt(files, "/etc/ssh/sshd_config.d/10-phase-stacks.conf").content}PasswordAuthenticaton no\n`,
        );
        expect(r.status).not.toBe(0);
        expect(r.output).toContain("PasswordAuthenticaton");
    });
});

describe("fail2ban jail", () => {
    /** A copy of the installed fail2ban config (filters, actions, Debian paths) with the jail added. */
    function fail2ban(jail: string, args: string[]) {
        requireTool("fail2ban-client");
        const dir = scratch("fail2ban");
        cpSync("/etc/fail2ban", dir, { recursive: true });
        writeFileSync(join(dir, "jail.d", "phase-stacks.local"), jail);
        return runTool("fail2ban-client", ["-c", dir, ...args]);
    }

    it("passes `fail2ban-client -t` and bans sshd offenders from the journal", () => {
        const jail = fileAt(files, "/etc/fail2ban/jail.d/phase-stacks.local").content;
        const t = fail2ban(jail, ["-t"]);
        expect(t.output).toContain("OK");
        expect(t.status).toBe(0);
        const dump = fail2ban(jail, ["-d"]).output;
        expect(dump).toContain("['add', 'sshd', 'systemd']");
        expect(dump).toMatch(/\['set', 'sshd', 'maxretry', [1-5]\]/);
        expect(dump).toMatch(/\['set', 'sshd', 'bantime', '?\d+[smhdw]?'?\]/);
    });

    it("is rejected when the jail names a filter that does not exist (the check can fail)", () => {
        const t = fail2ban(
            `${fileAt(files, "/etc/fail2ban/jail.d/phase-stacks.local").content}filter = no-such-filter\n`,
            ["-t"],
        );
        expect(t.status).not.toBe(0);
    });
});

describe("unattended upgrades", () => {
    /** Ubuntu 24.04's 50unattended-upgrades origins, which the override must replace, not extend. */
    const ubuntuDefaults = [
        "Unattended-Upgrade::Allowed-Origins {",
        '  "${distro_id}:${distro_codename}";',
        '  "${distro_id}:${distro_codename}-security";',
        '  "${distro_id}ESMApps:${distro_codename}-apps-security";',
        '  "${distro_id}ESM:${distro_codename}-infra-security";',
        '  "${distro_id}:${distro_codename}-updates";',
        "};",
        "",
    ].join("\n");

    function aptDump(...contents: string[]) {
        const dir = scratch("apt");
        const paths = contents.map((c, i) => {
            writeFileSync(join(dir, `${i}.conf`), c);
            return join(dir, `${i}.conf`);
        });
        return runTool("apt-config", [...paths.flatMap((p) => ["-c", p]), "dump"]);
    }

    it("turns on the daily timers and allows only security origins, without automatic reboots", () => {
        const r = aptDump(
            ubuntuDefaults,
            fileAt(files, "/etc/apt/apt.conf.d/20auto-upgrades").content,
            fileAt(files, "/etc/apt/apt.conf.d/52phase-stacks-unattended-upgrades").content,
        );
        expect(r.status, r.output).toBe(0);
        const lines = r.output.split("\n");
        expect(lines).toContain('APT::Periodic::Update-Package-Lists "1";');
        expect(lines).toContain('APT::Periodic::Unattended-Upgrade "1";');
        expect(lines).toContain('Unattended-Upgrade::Automatic-Reboot "false";');
        const origins = lines
            .filter((l) => l.startsWith("Unattended-Upgrade::Allowed-Origins:: "))
            .map((l) => l.split(" ")[1]);
        expect(origins.length).toBeGreaterThan(0);
        for (const o of origins) expect(o).toMatch(/security";$/);
    });

    it("is rejected by apt when malformed (the check can fail)", () => {
        expect(aptDump('APT::Periodic::Unattended-Upgrade "1"\n').status).not.toBe(0);
    });
});

describe("systemd units", () => {
    const units = files.filter((f) => f.kind === "systemd");

    /** The units as written, except that our scripts are run from the temp tree (systemd-analyze checks ExecStart exists). */
    function verify(mutate: (content: string) => string = (c) => c) {
        requireTool("systemd-analyze");
        for (const bin of ["/usr/bin/docker", "/usr/bin/chown"]) {
            if (!existsSync(bin))
                throw new Error(
                    `${bin} is missing: the units run it (apt-get install -y docker.io coreutils)`,
                );
        }
        const dir = scratch("units");
        for (const u of units) {
            const name = u.path.slice(u.path.lastIndexOf("/") + 1);
            writeFileSync(
                join(dir, name),
                mutate(u.content.split("/opt/phase-stacks/").join(`${root}/opt/phase-stacks/`)),
            );
        }
        for (const f of files.filter((f) => f.kind === "shell")) chmodSync(join(root, f.path), 0o755);
        return runTool("systemd-analyze", ["verify", ...readdirSync(dir).map((n) => join(dir, n))]);
    }

    it("passes `systemd-analyze verify` without a single warning", () => {
        expect(units.map((u) => u.path).sort()).toEqual([
            "/etc/systemd/system/phase-stacks-backup.service",
            "/etc/systemd/system/phase-stacks-backup.timer",
            "/etc/systemd/system/phase-stacks-metadata-block.service",
            "/etc/systemd/system/phase-stacks.service",
        ]);
        const r = verify();
        expect(r.output).toBe("");
        expect(r.status).toBe(0);
    });

    it("reports a misspelt directive (the check can fail)", () => {
        const r = verify((c) => c.replace("RemainAfterExit=", "RemainAfterExits="));
        expect(r.output).toContain("RemainAfterExits");
    });

    it("schedules the backup with a calendar expression systemd understands, catching up missed runs", () => {
        const timer = fileAt(files, "/etc/systemd/system/phase-stacks-backup.timer").content;
        const onCalendar = /^OnCalendar=(.+)$/m.exec(timer)![1]!;
        expect(onCalendar).toBe(spec.backup.onCalendar);
        expect(timer).toMatch(/^Persistent=yes$/m);
        expect(timer).toMatch(/^RandomizedDelaySec=\S+$/m);
        const r = runTool("systemd-analyze", ["calendar", onCalendar]);
        expect(r.status, r.output).toBe(0);
        expect(r.output).toContain("Next elapse");
    });

    it("starts the compose project only with the volume mounted and the metadata service blocked", () => {
        const unit = fileAt(files, "/etc/systemd/system/phase-stacks.service").content;
        expect(unit).toMatch(/^RequiresMountsFor=\/mnt\/postgres$/m);
        expect(unit).toMatch(/^AssertPathIsMountPoint=\/mnt\/postgres$/m);
        expect(unit).toMatch(/^ExecStartPre=\/opt\/phase-stacks\/bin\/block-metadata-service\.sh$/m);
        // A Requires= on docker or the block unit would turn every docker restart into a restart of all containers.
        expect(unit).not.toMatch(/^(Requires|BindsTo|PartOf)=/m);
        expect(unit).toMatch(
            /^ExecStart=\/usr\/bin\/docker compose -p phase-stacks -f \/opt\/phase-stacks\/compose\.yaml up -d --remove-orphans$/m,
        );
        expect(unit).toMatch(/^ExecStop=\/usr\/bin\/docker compose .* down$/m);
        const block = fileAt(files, "/etc/systemd/system/phase-stacks-metadata-block.service").content;
        expect(block).toMatch(/^PartOf=docker\.service$/m);
        expect(block).toMatch(/^WantedBy=docker\.service$/m);
    });
});

describe("shell scripts", () => {
    const scripts = files.filter((f) => f.kind === "shell");

    it("are shellcheck-clean bash in strict mode", () => {
        expect(scripts.length).toBe(4);
        for (const f of scripts) {
            expect(f.content.startsWith("#!/usr/bin/env bash\n"), f.path).toBe(true);
            expect(f.content, f.path).toMatch(/^set -euo pipefail$/m);
            expect(f.permissions, f.path).toBe("0755");
            const r = runTool("shellcheck", [join(root, f.path)]);
            expect(r.output, f.path).toBe("");
            expect(r.status, f.path).toBe(0);
        }
    });

    it("include the backup env file, which is shellcheck-clean too", () => {
        const r = runTool("shellcheck", ["--shell=bash", join(root, "/etc/phase-stacks/secrets/backup.env")]);
        expect(r.status, r.output).toBe(0);
    });

    it("are caught by shellcheck when unsafe (the check can fail)", () => {
        const dir = scratch("shellcheck");
        writeFileSync(
            join(dir, "bad.sh"),
            `${fileAt(files, "/opt/phase-stacks/bin/backup-postgres.sh").content}rm -rf $workdir/*\n`,
        );
        expect(runTool("shellcheck", [join(dir, "bad.sh")]).status).not.toBe(0);
    });
});

describe("fstab line for the Postgres volume", () => {
    it("parses with util-linux into the device, mount point, ext4 and the boot-tolerant options", () => {
        const r = runTool("findmnt", [
            "--tab-file",
            join(root, "/etc/fstab"),
            "--json",
            "--output",
            "SOURCE,TARGET,FSTYPE,OPTIONS",
        ]);
        expect(r.status, r.output).toBe(0);
        const [fs] = (
            JSON.parse(r.output) as {
                filesystems: { source: string; target: string; fstype: string; options: string }[];
            }
        ).filesystems;
        expect([fs!.source, fs!.target, fs!.fstype]).toEqual([
            spec.postgres.volumeDevice,
            spec.postgres.mountPoint,
            "ext4",
        ]);
        expect(fs!.options.split(",")).toEqual(
            expect.arrayContaining(["nofail", "x-systemd.device-timeout=300s"]),
        );
        const verify = runTool("findmnt", ["--verify", "--tab-file", join(root, "/etc/fstab")]);
        expect(verify.output).toContain("0 parse errors");
    });
});

describe("metadata-service block", () => {
    it("inserts each iptables rule exactly once, however often it runs (in a private user and network namespace)", () => {
        requireTool("iptables");
        const script = join(root, "/opt/phase-stacks/bin/block-metadata-service.sh");
        const r = runTool("unshare", [
            "--map-root-user",
            "--net",
            "bash",
            "-c",
            `bash ${script} && bash ${script} && iptables -w -S DOCKER-USER && iptables -w -S OUTPUT`,
        ]);
        expect(r.status, r.output).toBe(0);
        const rules = r.output.split("\n").filter((l) => l.startsWith("-A "));
        expect(rules).toEqual([
            "-A DOCKER-USER -d 169.254.169.254/32 -j REJECT --reject-with icmp-port-unreachable",
            "-A OUTPUT -d 169.254.169.254/32 -m owner ! --uid-owner 0 -j REJECT --reject-with icmp-port-unreachable",
        ]);
    });
});

describe("docker daemon.json", () => {
    // dockerd here (Debian 12, 20.10) has no --validate; the settings are asserted as data.
    it("rotates logs, keeps containers running across daemon restarts and blocks privilege gains", () => {
        const d = JSON.parse(fileAt(files, "/etc/docker/daemon.json").content) as Record<string, unknown> & {
            "log-opts": Record<string, string>;
        };
        expect(d).toMatchObject({
            "log-driver": "json-file",
            "live-restore": true,
            "no-new-privileges": true,
            "userland-proxy": false,
            icc: true,
        });
        expect(d["log-opts"]["max-size"]).toMatch(/^\d+m$/);
        expect(Number(d["log-opts"]["max-file"])).toBeGreaterThan(1);
    });
});
