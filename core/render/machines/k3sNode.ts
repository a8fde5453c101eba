/**
 * Everything a phase-5 k3s node receives at first boot: a control-plane server or a pool agent. The same
 * SSH/fail2ban/unattended-upgrades hardening as every host (SSH keys come from Hetzner, not user data), the
 * metadata-service block that keeps pods from reading this user data (core/render/host/metadataBlock.ts), the k3s
 * config, the node script that waits for the private NIC and writes the per-node keys (core/k8s/nodeJoin.ts), and
 * k3s itself at the pinned release. A pool's user data names no node, so the cluster-autoscaler can boot it as is.
 *
 * Only the cluster-init server carries the CA files: the others, and a server rebuilt later, fetch the cluster's
 * certificates from the datastore when they join (k3s-io/docs `cli/certificate.md`), which keeps their user data
 * small; the first server keeps them so that a rebuild of it has the same CA on disk (identical files are what
 * k3s expects) and its join probe can tell this cluster from any other.
 *
 * Credentials travel only as write_files under SECRETS_DIR, 0600 (the `secrets-not-in-user-data` policy): the
 * tokens as files `token-file`/`agent-token-file` name (core/k8s/k3sConfig.ts), and what k3s only reads from its
 * own paths (the CA keys and service.key, Secret manifests, the etcd S3 keys as a `config.yaml.d/` drop-in) is
 * copied there by the installer before k3s first starts. The CA certificates are public and stay in the TLS
 * directory, where the join probe reads the server CA before the installer has run.
 *
 * Which manifests are secret: those with `secret: true`, and any whose YAML holds a `kind: Secret` object (decided by
 * content, so the hcloud token Secret of core/k8s/autoDeploy.ts is caught without that module marking it, and a
 * Secret added later is too). The policy still scans the others, so a credential in, say, a HelmChart's values
 * fails the plan instead of shipping.
 */
import { parseAllDocuments } from "yaml";
import { SECRETS_DIR, type RenderedFile } from "../base/artifact";
import { renderCloudConfig } from "../base/cloudInit";
import { unitFile } from "../base/systemd";
import { toYaml } from "../base/yaml";
import { HOST_START_STEPS, renderHardening } from "../host/hardening";
import { renderK3sMetadataBlock } from "../host/metadataBlock";
import {
    K3S_SECRET_FILES,
    k3sAgentConfig,
    k3sEtcdS3Credentials,
    k3sJoinUrl,
    k3sServerConfig,
    k3sTokenFiles,
    type K3sAgentConfigInput,
    type K3sServerConfigInput,
} from "../../k8s/k3sConfig";
import { K3S_RELEASE, type K3sRole } from "../../k8s/k3sFlags";
import { K3S_TLS_DIR, k3sTlsFiles, type K3sPkiMaterial } from "../../k8s/pki";
import {
    INSTALL_SCRIPT_PATH,
    K3S_CONFIG_PATH,
    K3S_ETCD_S3_DROPIN,
    NODE_SCRIPT_PATH,
    renderInstallScript,
    renderNodeScript,
    type PlacedSecret,
} from "../../k8s/nodeJoin";

export const K3S_MANIFEST_DIR = "/var/lib/rancher/k3s/server/manifests";
export const K3S_NODE_UNIT = "phase-stacks-k3s-node.service";
/** Where user data delivers the TLS keys (the TLS directory's layout below it) and the Secret manifests. */
export const K3S_SECRET_TLS_DIR = `${SECRETS_DIR}/k3s-tls`;
export const K3S_SECRET_MANIFEST_DIR = `${SECRETS_DIR}/k3s-manifests`;

/** Ubuntu 24.04 packages; python3 (the node script's address test) and curl ship with the cloud image already. */
export const K3S_NODE_PACKAGES: readonly string[] = [
    "fail2ban",
    // The metadata-service block runs the host's iptables (k3s's bundled copy is not on PATH).
    "iptables",
    "python3-systemd",
    "unattended-upgrades",
];

/** An auto-deploy manifest; k3s applies every file in the manifests directory on start and on change. */
export interface K3sManifest {
    /** RFC 1123 name, without `.yaml`. */
    readonly name: string;
    readonly content: string;
    /** Delivered through SECRETS_DIR; a manifest holding a `kind: Secret` object is treated so regardless. */
    readonly secret?: boolean;
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
    /** Auto-deploy manifests, identical on every server; the secret ones (the hcloud token) go through SECRETS_DIR. */
    readonly manifests?: readonly K3sManifest[];
}

export interface K3sAgentNodeSpec extends K3sNodeCommon {
    readonly role: "agent";
    readonly config: K3sAgentConfigInput;
}

export type K3sNodeSpec = K3sServerNodeSpec | K3sAgentNodeSpec;

const RFC1123 = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** A credential as user data ships it: under SECRETS_DIR, owner-only. */
function secretFile(path: string, content: string, kind: RenderedFile["kind"]): RenderedFile {
    if (!path.startsWith(`${SECRETS_DIR}/`))
        throw new Error(`secret file '${path}' is outside ${SECRETS_DIR}`);
    return { path, content, kind, permissions: "0600", secret: true };
}

/** True when the manifest must travel as a secret: flagged so, or any of its documents is a `kind: Secret`. */
export function isSecretManifest(m: K3sManifest): boolean {
    if (m.secret === true) return true;
    return parseAllDocuments(m.content).some((d) => {
        // A document this parser cannot read is not one to guess about.
        if (d.errors.length > 0) return true;
        const v: unknown = d.toJS();
        return typeof v === "object" && v !== null && (v as Record<string, unknown>)["kind"] === "Secret";
    });
}

interface NodeFiles {
    readonly files: RenderedFile[];
    /** What the installer copies from SECRETS_DIR to where k3s reads it. */
    readonly placed: PlacedSecret[];
}

function serverFiles(spec: K3sServerNodeSpec): NodeFiles {
    const { clusterInit } = spec.config;
    if (clusterInit && !spec.pki)
        throw new Error("the cluster-init server needs the cluster's CA files (pki)");
    if (!clusterInit && spec.pki) {
        throw new Error(
            "only the cluster-init server carries the CA files; joining servers get them from the cluster",
        );
    }
    const files: RenderedFile[] = [
        ...k3sTokenFiles(spec.config).map((t) => secretFile(t.path, t.content, "text")),
        secretFile(
            K3S_SECRET_FILES.etcdS3,
            `# phase-stacks: the etcd S3 keys; phase-stacks-k3s-install copies this to ${K3S_ETCD_S3_DROPIN}.\n${toYaml(
                k3sEtcdS3Credentials(spec.config.etcdSnapshots),
            )}`,
            "k8s",
        ),
    ];
    const placed: PlacedSecret[] = [{ from: K3S_SECRET_FILES.etcdS3, to: K3S_ETCD_S3_DROPIN }];
    for (const f of spec.pki ? k3sTlsFiles(spec.pki) : []) {
        if (f.path.endsWith(".crt")) {
            // Certificates are public: written in place, so the node script's join probe has the server CA.
            files.push({ path: f.path, content: f.content, kind: "pem", permissions: "0600" });
            continue;
        }
        const from = `${K3S_SECRET_TLS_DIR}${f.path.slice(K3S_TLS_DIR.length)}`;
        files.push(secretFile(from, f.content, "pem"));
        placed.push({ from, to: f.path });
    }
    const names = new Set<string>();
    for (const m of spec.manifests ?? []) {
        if (!RFC1123.test(m.name)) throw new Error(`manifest name '${m.name}' is not an RFC 1123 label`);
        if (names.has(m.name)) throw new Error(`two manifests are named '${m.name}'`);
        names.add(m.name);
        const to = `${K3S_MANIFEST_DIR}/${m.name}.yaml`;
        if (isSecretManifest(m)) {
            const from = `${K3S_SECRET_MANIFEST_DIR}/${m.name}.yaml`;
            files.push(secretFile(from, m.content, "k8s"));
            placed.push({ from, to });
        } else {
            files.push({ path: to, content: m.content, kind: "k8s", permissions: "0600" });
        }
    }
    return { files, placed };
}

function agentFiles(spec: K3sAgentNodeSpec): NodeFiles {
    return {
        files: k3sTokenFiles(spec.config).map((t) => secretFile(t.path, t.content, "text")),
        placed: [],
    };
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
    const own = spec.role === "server" ? serverFiles(spec) : agentFiles(spec);
    const files: RenderedFile[] = [
        {
            path: K3S_CONFIG_PATH,
            content: `# phase-stacks: k3s ${K3S_RELEASE} ${role}; per-node keys and the etcd S3 keys are in config.yaml.d/, tokens in ${SECRETS_DIR}/.\n${toYaml(config)}`,
            kind: "k8s",
            permissions: "0600",
        },
        ...own.files,
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
        {
            path: INSTALL_SCRIPT_PATH,
            content: renderInstallScript(role, own.placed),
            kind: "shell",
            permissions: "0755",
        },
        nodeUnit(),
        // Pods must never read this user data (the tokens, CA keys, S3 keys and hcloud token under SECRETS_DIR).
        ...renderK3sMetadataBlock(),
        ...renderHardening(),
    ];
    const cloudConfig = renderCloudConfig({
        packages: K3S_NODE_PACKAGES,
        files,
        // write_files ran first, so the config, the certificates, the manifests and the secrets the installer places
        // are there before k3s first starts.
        runcmd: [
            // The metadata block is in place before k3s is installed and starts its first pod.
            ...HOST_START_STEPS,
            // Blocks until the node script has finished (Type=oneshot); it also runs on every later boot.
            ["systemctl", "enable", "--now", K3S_NODE_UNIT],
            [INSTALL_SCRIPT_PATH],
        ],
    });
    return { files, cloudConfig };
}
