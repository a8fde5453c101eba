/**
 * Everything an agent-pool host receives at first boot: the Docker daemon with mutual TLS on 2376 and user
 * namespaces, the metadata-service block (agents must never read this server's user data), the warm-pool keeper,
 * the agent image pre-pulled, node_exporter publishing the host and the keeper's pool series, and the same
 * SSH/fail2ban/unattended-upgrades hardening as the app host.
 */
import { SECRETS_DIR, type RenderedFile } from "../base/artifact";
import { renderCloudConfig } from "../base/cloudInit";
import { renderDockerTls, type DockerTlsMaterial } from "../agents/dockerTls";
import { renderHardening } from "../host/hardening";
import { renderMetadataBlock } from "../host/metadataBlock";
import { UNITS } from "../base/paths";
import { renderWarmPool, WARM_POOL_UNITS, type WarmPoolSpec } from "../agents/warmPool";
import { TEXTFILE_COLLECTOR_DIR } from "../monitoring/dashboards";
import { NODE_EXPORTER, renderNodeExporter } from "../monitoring/nodeExporter";

export interface AgentHostSpec {
    readonly pool: WarmPoolSpec;
    readonly tls: DockerTlsMaterial;
    /**
     * The one address node_exporter listens on: the private one where the phase has a network. Phase 1 has none,
     * so it is the public IPv4, where the pool's Hetzner firewall admits 9100 from the Prometheus host alone.
     */
    readonly metricsIp: string;
}

/** Ubuntu 24.04 packages; python3-systemd lets fail2ban read sshd's journal. */
export const AGENT_HOST_PACKAGES: readonly string[] = [
    "docker.io",
    "fail2ban",
    "python3-systemd",
    "unattended-upgrades",
    NODE_EXPORTER.package,
];

export function renderAgentHost(spec: AgentHostSpec): {
    readonly files: RenderedFile[];
    readonly cloudConfig: string;
} {
    const files: RenderedFile[] = [
        ...renderDockerTls(spec.tls),
        ...renderMetadataBlock({ isolateContainers: true }),
        ...renderWarmPool(spec.pool),
        ...renderNodeExporter({ listenIp: spec.metricsIp, textfileDir: TEXTFILE_COLLECTOR_DIR }),
        ...renderHardening(),
    ];
    const cloudConfig = renderCloudConfig({
        packages: AGENT_HOST_PACKAGES,
        files,
        // write_files ran before the packages, so dockerd first started with the TLS config and the drop-in;
        // the restart comes after the metadata block exists, before any agent container runs.
        runcmd: [
            ["chmod", "0700", SECRETS_DIR],
            ["systemctl", "daemon-reload"],
            ["systemctl", "enable", "--now", UNITS.metadataBlock],
            ["systemctl", "restart", "docker.service"],
            // The package started it at install; restarted, it is sure to run as the drop-in says.
            ["systemctl", "restart", NODE_EXPORTER.unit],
            ["systemctl", "enable", "fail2ban.service"],
            ["systemctl", "restart", "fail2ban.service"],
            ["systemctl", "try-reload-or-restart", "ssh.service"],
            ["docker", "pull", "--quiet", spec.pool.image],
            ["systemctl", "enable", "--now", WARM_POOL_UNITS.timer],
        ],
    });
    return { files, cloudConfig };
}
