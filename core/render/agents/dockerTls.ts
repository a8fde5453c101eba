/**
 * The agent host's Docker daemon: the remote API on 2376 with mutual TLS (CIS Docker 2.7; 2375 is never opened),
 * user-namespace remapping (2.9), inter-container traffic off on the default bridge (2.2), plus the app host's
 * defaults (log rotation, live-restore, no-new-privileges, no userland proxy). The server key is the only secret
 * and travels as a 0600 file under SECRETS_DIR.
 */
import { SECRETS_DIR, type RenderedFile } from "../base/artifact";
import { buildDockerDaemonConfig } from "../host/dockerDaemon";
import { secretFile } from "../app/secrets";
import { renderIni } from "../base/ini";
import { UNIT_DIR } from "../base/systemd";

export const DOCKER_TLS_PORT = 2376;
const TLS_DIR = "/etc/phase-stacks/docker-tls";

export const DOCKER_TLS_PATHS = {
    ca: `${TLS_DIR}/ca.pem`,
    cert: `${TLS_DIR}/server-cert.pem`,
    key: `${SECRETS_DIR}/docker-server-key.pem`,
    daemon: "/etc/docker/daemon.json",
    dropIn: `${UNIT_DIR}/docker.service.d/10-phase-stacks-tls.conf`,
} as const;

/** Where dockerd carves the per-agent networks from. */
export const AGENT_NETWORK_POOL = { base: "172.20.0.0/14", size: 28 } as const;

export interface DockerTlsMaterial {
    readonly caCertPem: string;
    readonly serverCertPem: string;
    readonly serverKeyPem: string;
}

export function buildAgentDaemonConfig(): Record<string, unknown> {
    return {
        ...buildDockerDaemonConfig(),
        // Only the local socket and the mTLS port; `tlsverify` makes dockerd refuse clients without a CA-signed cert.
        hosts: ["unix:///var/run/docker.sock", `tcp://0.0.0.0:${DOCKER_TLS_PORT}`],
        tls: true,
        tlsverify: true,
        tlscacert: DOCKER_TLS_PATHS.ca,
        tlscert: DOCKER_TLS_PATHS.cert,
        tlskey: DOCKER_TLS_PATHS.key,
        // 2.9: root in a container is an unprivileged subordinate uid on the host (dockerd creates `dockremap`).
        "userns-remap": "default",
        // 2.2: agent containers get a network each; nothing should talk across the default bridge either.
        icc: false,
        // Docker's default pools hold about 31 bridge networks; a node runs one network per agent. /28 networks
        // from a /14 outside the private network's 10.0.0.0/8 give 16,384.
        "default-address-pools": [AGENT_NETWORK_POOL],
    };
}

/**
 * Ubuntu's docker.service starts `dockerd -H fd://`, and dockerd refuses a `hosts` list given both on the command
 * line and in daemon.json: the drop-in restarts it without `-H` so daemon.json alone decides where it listens.
 */
function renderDockerDropIn(): RenderedFile {
    return {
        path: DOCKER_TLS_PATHS.dropIn,
        content: renderIni(
            { Service: { ExecStart: ["", "/usr/bin/dockerd --containerd=/run/containerd/containerd.sock"] } },
            ["Written by phase-stacks: listen where /etc/docker/daemon.json says (mTLS on 2376)."],
        ),
        kind: "systemd",
        permissions: "0644",
    };
}

function assertPem(field: string, pem: string, label: RegExp): void {
    if (!label.test(pem)) throw new Error(`docker TLS ${field} is not a PEM block of the expected kind`);
}

export function renderDockerTls(tls: DockerTlsMaterial): RenderedFile[] {
    assertPem("CA certificate", tls.caCertPem, /-----BEGIN CERTIFICATE-----/);
    assertPem("server certificate", tls.serverCertPem, /-----BEGIN CERTIFICATE-----/);
    assertPem("server key", tls.serverKeyPem, /-----BEGIN [A-Z ]*PRIVATE KEY-----/);
    return [
        {
            path: DOCKER_TLS_PATHS.daemon,
            content: `${JSON.stringify(buildAgentDaemonConfig(), null, 2)}\n`,
            kind: "docker-daemon",
            permissions: "0644",
        },
        renderDockerDropIn(),
        { path: DOCKER_TLS_PATHS.ca, content: tls.caCertPem, kind: "pem", permissions: "0644" },
        { path: DOCKER_TLS_PATHS.cert, content: tls.serverCertPem, kind: "pem", permissions: "0644" },
        secretFile(DOCKER_TLS_PATHS.key, tls.serverKeyPem, "pem"),
    ];
}
