/** Host hardening the app server gets at first boot: SSH keys only, fail2ban on sshd, unattended security upgrades. */
import { SECRETS_DIR, type RenderedFile } from "../base/artifact";
import { UNITS } from "../base/paths";
import { renderIni } from "../base/ini";

export const SSHD_DROP_IN = "/etc/ssh/sshd_config.d/10-phase-stacks.conf";

/**
 * sshd keeps the first value it reads for a keyword, and Ubuntu's sshd_config includes sshd_config.d/*.conf
 * first, in name order: `10-` wins over cloud-init's `50-cloud-init.conf`.
 */
const SSHD_SETTINGS: Readonly<Record<string, string>> = {
    PasswordAuthentication: "no",
    KbdInteractiveAuthentication: "no",
    PermitEmptyPasswords: "no",
    AuthenticationMethods: "publickey",
    PermitRootLogin: "prohibit-password",
    X11Forwarding: "no",
    AllowAgentForwarding: "no",
    // Local forwarding only: how operators reach Grafana (ssh -L 3000:127.0.0.1:3000).
    AllowTcpForwarding: "local",
    MaxAuthTries: "3",
    LoginGraceTime: "30",
    ClientAliveInterval: "300",
    ClientAliveCountMax: "2",
};

function renderSshdDropIn(): string {
    const lines = ["# phase-stacks: keys only, no root password, no forwarding beyond local ports."];
    for (const [k, v] of Object.entries(SSHD_SETTINGS)) lines.push(`${k} ${v}`);
    return `${lines.join("\n")}\n`;
}

function renderFail2banJail(): string {
    return renderIni(
        {
            sshd: {
                enabled: "true",
                // Ubuntu 24.04 logs sshd to the journal.
                backend: "systemd",
                // Also counts pre-auth probes (key scans, protocol errors), the bulk of internet SSH noise.
                mode: "aggressive",
                maxretry: 5,
                findtime: "10m",
                bantime: "1h",
                "bantime.increment": "true",
            },
        },
        ["phase-stacks: ban SSH brute-force sources."],
    );
}

/** Turns on the daily apt timers that run unattended-upgrades. */
function renderAutoUpgrades(): string {
    return [
        'APT::Periodic::Update-Package-Lists "1";',
        'APT::Periodic::Unattended-Upgrade "1";',
        'APT::Periodic::AutocleanInterval "7";',
        "",
    ].join("\n");
}

/**
 * Security pockets only (#clear drops the origins 50unattended-upgrades lists). No automatic reboot: a reboot
 * restarts every container; kernel updates wait for a planned reboot (/var/run/reboot-required says when).
 */
function renderUnattendedUpgradesOverride(): string {
    return [
        "// phase-stacks: install security updates only; never reboot on our own.",
        "#clear Unattended-Upgrade::Allowed-Origins;",
        "Unattended-Upgrade::Allowed-Origins {",
        '    "${distro_id}:${distro_codename}-security";',
        '    "${distro_id}ESMApps:${distro_codename}-apps-security";',
        '    "${distro_id}ESM:${distro_codename}-infra-security";',
        "};",
        'Unattended-Upgrade::Automatic-Reboot "false";',
        'Unattended-Upgrade::Remove-Unused-Dependencies "true";',
        "",
    ].join("\n");
}

export function renderHardening(): RenderedFile[] {
    return [
        { path: SSHD_DROP_IN, content: renderSshdDropIn(), kind: "sshd", permissions: "0644" },
        {
            path: "/etc/fail2ban/jail.d/phase-stacks.local",
            content: renderFail2banJail(),
            kind: "fail2ban",
            permissions: "0644",
        },
        {
            path: "/etc/apt/apt.conf.d/20auto-upgrades",
            content: renderAutoUpgrades(),
            kind: "apt",
            permissions: "0644",
        },
        {
            path: "/etc/apt/apt.conf.d/52phase-stacks-unattended-upgrades",
            content: renderUnattendedUpgradesOverride(),
            kind: "apt",
            permissions: "0644",
        },
    ];
}

/**
 * The first runcmd steps of a host that gets these files, the secrets directory and the metadata block: the
 * secrets closed to all but root, the units loaded, the metadata service blocked before any workload starts, then
 * fail2ban and sshd on the rendered config.
 */
export const HOST_START_STEPS: readonly (readonly string[])[] = [
    ["chmod", "0700", SECRETS_DIR],
    ["systemctl", "daemon-reload"],
    ["systemctl", "enable", "--now", UNITS.metadataBlock],
    ["systemctl", "enable", "fail2ban.service"],
    ["systemctl", "restart", "fail2ban.service"],
    ["systemctl", "try-reload-or-restart", "ssh.service"],
];
