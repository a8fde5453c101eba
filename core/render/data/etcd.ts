/**
 * One member of a data tier's etcd (3.4, Debian's and Ubuntu's etcd-server): Patroni's consensus store. Peer and
 * client traffic over mutual TLS with the cluster's CA, on the private address only. A member whose host was
 * rebuilt comes back with an empty data directory: its start script then replaces its old self in the running
 * cluster (remove, add, join as `existing`) instead of bootstrapping a second cluster.
 */
import type { RenderedFile } from "../base/artifact";
import { CONFIG_DIR, SCRIPTS_DIR } from "../base/paths";
import { bashScript, envSetting } from "../base/shell";
import { unitFile } from "../base/systemd";
import { toYaml } from "../base/yaml";
import { CLUSTER_TLS, type ClusterTlsPaths } from "./clusterTls";

export const ETCD_CLIENT_PORT = 2379;
export const ETCD_PEER_PORT = 2380;
export const ETCD_UNIT = "phase-stacks-etcd.service";
export const ETCD_PATHS = {
    newConfig: `${CONFIG_DIR}/etcd-new.yml`,
    existingConfig: `${CONFIG_DIR}/etcd-existing.yml`,
    join: `${SCRIPTS_DIR}/etcd-join.sh`,
    state: "/var/lib/phase-stacks/etcd",
} as const;

export interface EtcdMember {
    readonly name: string;
    readonly address: string;
    readonly clientPort: number;
    readonly peerPort: number;
}

export interface EtcdSpec {
    readonly self: EtcdMember;
    readonly members: readonly EtcdMember[];
    readonly dataDir: string;
    readonly tls: ClusterTlsPaths;
    /** Milliseconds; etcd's advice is heartbeat near the round trip, election at least 5 heartbeats. */
    readonly heartbeatMs: number;
    readonly electionMs: number;
}

const clientUrl = (m: EtcdMember) => `https://${m.address}:${m.clientPort}`;
const peerUrl = (m: EtcdMember) => `https://${m.address}:${m.peerPort}`;

/** The `--config-file` of one member; `existing` joins a running cluster instead of founding it. */
export function etcdConfig(s: EtcdSpec, state: "new" | "existing"): Record<string, unknown> {
    if (!s.members.some((m) => m.name === s.self.name))
        throw new Error(`etcd: ${s.self.name} is not one of the members`);
    if (s.members.length % 2 === 0) throw new Error("etcd: an even member count adds no fault tolerance");
    if (s.electionMs < 5 * s.heartbeatMs) throw new Error("etcd: election timeout must be >= 5 heartbeats");
    const transport = {
        "cert-file": s.tls.certFile,
        "key-file": s.tls.keyFile,
        "trusted-ca-file": s.tls.caFile,
        "client-cert-auth": true,
    };
    return {
        name: s.self.name,
        "data-dir": s.dataDir,
        "listen-client-urls": clientUrl(s.self),
        "advertise-client-urls": clientUrl(s.self),
        "listen-peer-urls": peerUrl(s.self),
        "initial-advertise-peer-urls": peerUrl(s.self),
        "initial-cluster": s.members.map((m) => `${m.name}=${peerUrl(m)}`).join(","),
        "initial-cluster-state": state,
        "heartbeat-interval": s.heartbeatMs,
        "election-timeout": s.electionMs,
        // Patroni's keys are few and small; hourly compaction keeps the history from filling the 2 GB quota.
        "auto-compaction-mode": "periodic",
        "auto-compaction-retention": "1",
        "enable-v2": false,
        // Patroni 3.0's etcd3 client speaks the HTTP gateway; a config file leaves it off unless named.
        "enable-grpc-gateway": true,
        "client-transport-security": transport,
        "peer-transport-security": transport,
        logger: "zap",
        "log-outputs": ["stderr"],
    };
}

/** Run before etcd starts: picks the config to start with, replacing this member if its host lost its data. */
export function renderEtcdJoin(s: EtcdSpec, paths: { newConfig: string; existingConfig: string }): string {
    const others = s.members.filter((m) => m.name !== s.self.name).map(clientUrl);
    return bashScript(
        [
            "Chooses etcd's start config. A data directory with state: start as is. An empty one on a host whose member",
            "the running cluster still lists as started (the host was rebuilt): remove that member, add this one, join.",
        ],
        [
            ...envSetting("ETCD_DATA_DIR", s.dataDir, "data_dir"),
            ...envSetting("ETCD_NAME", s.self.name, "name"),
            ...envSetting("ETCD_PEER_URL", peerUrl(s.self), "peer_url"),
            ...envSetting("ETCD_OTHERS", others.join(","), "others"),
            ...envSetting("ETCD_NEW_CONFIG", paths.newConfig, "new_config"),
            ...envSetting("ETCD_EXISTING_CONFIG", paths.existingConfig, "existing_config"),
            ...envSetting("ETCD_RUN_CONFIG", `${s.dataDir}.yml`, "run_config"),
            ...envSetting("TLS_DIR", s.tls.dir, "tls_dir"),
            "log() { printf 'phase-stacks-etcd: %s\\n' \"$*\"; }",
            'ctl() { ETCDCTL_API=3 etcdctl --endpoints="$others" --cacert="$tls_dir/ca.crt" --cert="$tls_dir/node.crt" --key="$tls_dir/node.key" --dial-timeout=3s --command-timeout=10s "$@"; }',
            'config="$new_config"',
            'if [[ -d "$data_dir/member" ]]; then',
            '    log "data directory $data_dir holds state"',
            "# `member list` lines: id, status, name, peer URLs, client URLs, learner.",
            'elif members="$(ctl member list 2>/dev/null)"; then',
            '    stale="$(awk -F\', \' -v n="$name" \'$2 == "started" && $3 == n { print $1 }\' <<<"$members")"',
            '    if [[ -n "$stale" ]]; then',
            '        log "replacing member $name ($stale): this host lost its data"',
            '        ctl member remove "$stale"',
            '        ctl member add "$name" --peer-urls="$peer_url"',
            '        config="$existing_config"',
            "    fi",
            "fi",
            'install -m 0644 "$config" "$run_config"',
        ],
    );
}

export function renderEtcdMember(s: Omit<EtcdSpec, "tls" | "dataDir">): RenderedFile[] {
    const spec: EtcdSpec = { ...s, tls: CLUSTER_TLS.forUnit(ETCD_UNIT), dataDir: `${ETCD_PATHS.state}/data` };
    const yml = (state: "new" | "existing") =>
        `# phase-stacks: etcd member ${s.self.name}, started as ${state}.\n${toYaml(etcdConfig(spec, state))}`;
    return [
        { path: ETCD_PATHS.newConfig, content: yml("new"), kind: "text", permissions: "0644" },
        { path: ETCD_PATHS.existingConfig, content: yml("existing"), kind: "text", permissions: "0644" },
        {
            path: ETCD_PATHS.join,
            content: renderEtcdJoin(spec, ETCD_PATHS),
            kind: "shell",
            permissions: "0755",
        },
        unitFile(ETCD_UNIT, {
            Unit: {
                Description: `phase-stacks etcd member ${s.self.name} (Patroni's consensus store)`,
                Wants: "network-online.target",
                After: "network-online.target",
            },
            Service: {
                Type: "notify",
                User: "etcd",
                StateDirectory: "phase-stacks/etcd",
                StateDirectoryMode: "0700",
                LoadCredential: CLUSTER_TLS.credentials,
                ExecStartPre: ETCD_PATHS.join,
                ExecStart: `/usr/bin/etcd --config-file ${spec.dataDir}.yml`,
                Restart: "always",
                RestartSec: "5s",
                LimitNOFILE: 65536,
                NoNewPrivileges: true,
                ProtectSystem: "strict",
                ProtectHome: true,
                PrivateTmp: true,
            },
            Install: { WantedBy: "multi-user.target" },
        }),
    ];
}
