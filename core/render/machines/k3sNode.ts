/**
 * Everything a phase-5 k3s node receives at first boot: a control-plane server or a pool agent. The same
 * SSH/fail2ban/unattended-upgrades hardening as every host (SSH keys come from Hetzner, not user data), the k3s
 * config, the node script that waits for the private NIC and writes the per-node keys (core/k8s/nodeJoin.ts), and
 * k3s itself at the pinned release. A pool's user data names no node, so the cluster-autoscaler can boot it as is.
 *
 * Only the cluster-init server carries the CA files: the others, and a server rebuilt later, fetch the cluster's
 * certificates from the datastore when they join (k3s-io/docs `cli/certificate.md`), which keeps their user data
 * small; the first server keeps them so that a rebuild of it has the same CA on disk (identical files are what
 * k3s expects) and its join probe can tell this cluster from any other.
 */
import type { RenderedFile } from "../base/artifact";
import { renderCloudConfig } from "../base/cloudInit";
import { unitFile } from "../base/systemd";
import { toYaml } from "../base/yaml";
import { renderHardening } from "../host/hardening";
import { k3sAgentConfig, k3sJoinUrl, k3sServerConfig, type K3sAgentConfigInput } from "../../k8s/k3sConfig";
import type { K3sServerConfigInput } from "../../k8s/k3sConfig";
import { K3S_RELEASE, type K3sRole } from "../../k8s/k3sFlags";
import { K3S_TLS_DIR, k3sTlsFiles, type K3sPkiMaterial } from "../../k8s/pki";
import {
    INSTALL_SCRIPT_PATH,
    K3S_CONFIG_PATH,
    NODE_SCRIPT_PATH,
    renderInstallScript,
    renderNodeScript,
} from "../../k8s/nodeJoin";

export const K3S_MANIFEST_DIR = "/var/lib/rancher/k3s/server/manifests";
export const K3S_NODE_UNIT = "phase-stacks-k3s-node.service";

/** Ubuntu 24.04 packages; python3 (the node script's address test) and curl ship with the cloud image already. */
export const K3S_NODE_PACKAGES: readonly string[] = ["fail2ban", "python3-systemd", "unattended-upgrades"];

/** An auto-deploy manifest; k3s applies every file in the manifests directory on start and on change. */
export interface K3sManifest {
    /** RFC 1123 name, without `.yaml`. */
    readonly name: string;
    readonly content: string;
}

interface K3sNodeCommon {
    /** The private subnet (IPv4 CIDR) of this node's pool: the node script waits for an address inside it. */
    readonly privateSubnet: string;
    /** Bound on the NIC wait; 300 s by default. */
    readonly nicWaitSeconds?: number;
}

export interface K3sServerNodeSpec extends K3sNodeCommon {
    readonly role: "server";
    readonly config: K3sServerConfigInput;
    /** Required when `config.clusterInit` (and only then): the CAs the first server starts with. */
    readonly pki?: K3sPkiMaterial;
    /** Auto-deploy manifests (they hold the hcloud token, hence 0600); identical on every server. */
    readonly manifests?: readonly K3sManifest[];
}

export interface K3sAgentNodeSpec extends K3sNodeCommon {
    readonly role: "agent";
    readonly config: K3sAgentConfigInput;
}

export type K3sNodeSpec = K3sServerNodeSpec | K3sAgentNodeSpec;

const RFC1123 = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

function serverFiles(spec: K3sServerNodeSpec): RenderedFile[] {
    const { clusterInit } = spec.config;
    if (clusterInit && !spec.pki)
        throw new Error("the cluster-init server needs the cluster's CA files (pki)");
    if (!clusterInit && spec.pki) {
        throw new Error(
            "only the cluster-init server carries the CA files; joining servers get them from the cluster",
        );
    }
    const tls: RenderedFile[] = (spec.pki ? k3sTlsFiles(spec.pki) : []).map((f) => ({
        path: f.path,
        content: f.content,
        kind: "pem",
        permissions: "0600",
        secret: true,
    }));
    const names = new Set<string>();
    const manifests: RenderedFile[] = (spec.manifests ?? []).map((m) => {
        if (!RFC1123.test(m.name)) throw new Error(`manifest name '${m.name}' is not an RFC 1123 label`);
        if (names.has(m.name)) throw new Error(`two manifests are named '${m.name}'`);
        names.add(m.name);
        return {
            path: `${K3S_MANIFEST_DIR}/${m.name}.yaml`,
            content: m.content,
            kind: "k8s",
            permissions: "0600",
            secret: true,
        };
    });
    return [...tls, ...manifests];
}

function nodeUnit(): RenderedFile {
    return unitFile(K3S_NODE_UNIT, {
        Unit: {
            Description: "phase-stacks: wait for the private NIC and write this node's k3s keys",
            Wants: "network-online.target",
            After: "network-online.target",
            // Ordering only: k3s still starts with the keys of the last boot if this ever fails.
            Before: "k3s.service k3s-agent.service",
        },
        Service: {
            Type: "oneshot",
            RemainAfterExit: "yes",
            ExecStart: NODE_SCRIPT_PATH,
            TimeoutStartSec: "420",
        },
        Install: { WantedBy: "multi-user.target" },
    });
}

export function renderK3sNode(spec: K3sNodeSpec): {
    readonly files: RenderedFile[];
    readonly cloudConfig: string;
} {
    const role: K3sRole = spec.role;
    const config = spec.role === "server" ? k3sServerConfig(spec.config) : k3sAgentConfig(spec.config);
    const joinProbe =
        spec.role === "server" && spec.config.clusterInit
            ? {
                  url: k3sJoinUrl(spec.config.apiLoadBalancer.privateIp),
                  caFile: `${K3S_TLS_DIR}/server-ca.crt`,
              }
            : undefined;
    const files: RenderedFile[] = [
        {
            path: K3S_CONFIG_PATH,
            content: `# phase-stacks: k3s ${K3S_RELEASE} ${role}; per-node keys are in config.yaml.d/.\n${toYaml(config)}`,
            kind: "k8s",
            permissions: "0600",
            secret: true,
        },
        ...(spec.role === "server" ? serverFiles(spec) : []),
        {
            path: NODE_SCRIPT_PATH,
            content: renderNodeScript({
                role,
                privateSubnet: spec.privateSubnet,
                ...(spec.nicWaitSeconds !== undefined ? { waitSeconds: spec.nicWaitSeconds } : {}),
                ...(joinProbe ? { joinProbe } : {}),
            }),
            kind: "shell",
            permissions: "0755",
        },
        { path: INSTALL_SCRIPT_PATH, content: renderInstallScript(role), kind: "shell", permissions: "0755" },
        nodeUnit(),
        ...renderHardening(),
    ];
    const cloudConfig = renderCloudConfig({
        packages: K3S_NODE_PACKAGES,
        files,
        // write_files ran first, so the config, the CAs and the manifests are in place before k3s first starts.
        runcmd: [
            ["systemctl", "daemon-reload"],
            ["systemctl", "enable", "fail2ban.service"],
            ["systemctl", "restart", "fail2ban.service"],
            ["systemctl", "try-reload-or-restart", "ssh.service"],
            // Blocks until the node script has finished (Type=oneshot); it also runs on every later boot.
            ["systemctl", "enable", "--now", K3S_NODE_UNIT],
            [INSTALL_SCRIPT_PATH],
        ],
    });
    return { files, cloudConfig };
}
