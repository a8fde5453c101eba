/** A file the program ships to a machine, and how the offline plan labels it. */

export const ARTIFACT_KINDS = [
    "cloud-config",
    "compose",
    "caddy",
    "haproxy",
    "nginx",
    "prometheus-config",
    "prometheus-rules",
    "alertmanager",
    "blackbox",
    "postgresql-conf",
    "pg-hba",
    "redis-conf",
    "sentinel-conf",
    "docker-daemon",
    "systemd",
    "shell",
    "sshd",
    "fail2ban",
    "apt",
    "env",
    "pem",
    "k8s",
    "grafana",
    "fstab",
    "loki",
    "alloy",
    "otel-collector",
    "text",
] as const;
export type ArtifactKind = (typeof ARTIFACT_KINDS)[number];

export interface RenderedFile {
    /** Absolute path on the machine. */
    readonly path: string;
    readonly content: string;
    readonly kind: ArtifactKind;
    /** Octal permission string, e.g. "0644". */
    readonly permissions: string;
    /** True when the content carries credentials; such files live under SECRETS_DIR with mode 0600. */
    readonly secret?: boolean;
    /** True when the content is appended to a file the image already has (a line for /etc/fstab). */
    readonly append?: boolean;
}

/** The only place a secret may travel in user data (the policy pack enforces this convention). */
export const SECRETS_DIR = "/etc/phase-stacks/secrets";
