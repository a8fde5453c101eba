/**
 * node_exporter on an agent host, and the `agents` scrape job that reads it. Like the database nodes' exporters,
 * the host runs Debian's and Ubuntu's `prometheus-node-exporter` package (1.5.0 on Debian bookworm, where the
 * tests run it; Ubuntu 24.04 ships a later 1.x) under a drop-in of ours that replaces the package's command line
 * and environment (`/etc/default/prometheus-node-exporter`: every interface), so it listens on one address only.
 * Only flags both versions have: `--web.listen-address` and `--collector.textfile.directory`, the directory where
 * the warm-pool keeper writes the pool's series (TEXTFILE_METRICS).
 */
import type { RenderedFile } from "../base/artifact";
import { renderIni } from "../base/ini";
import { UNIT_DIR } from "../base/systemd";
import type { TierName } from "../../capacity/tiers";
import { labelledTargets, privateListen, type ScrapeHost } from "./scrapeTargets";

export const NODE_EXPORTER = {
    package: "prometheus-node-exporter",
    unit: "prometheus-node-exporter.service",
    binary: "/usr/bin/prometheus-node-exporter",
    port: 9100,
    dropIn: `${UNIT_DIR}/prometheus-node-exporter.service.d/10-phase-stacks.conf`,
    /** About 20 MiB in use: the cap keeps it inside the agent host's system reserve (memory.systemReserveMb). */
    memoryMax: "64M",
} as const;

/** The job the agents dashboard's node_memory_* and phase_stacks_* series come from. */
export const AGENT_SCRAPE_JOB = "agents";

export interface NodeExporterSpec {
    /** The one address it listens on: the host's private address, or phase 1's public one (see agentHost.ts). */
    readonly listenIp: string;
    /** Where the host's scripts leave their `*.prom` files. */
    readonly textfileDir: string;
}

/** The packaged unit's drop-in: the empty `EnvironmentFile=` and `ExecStart=` drop the package's own. */
export function renderNodeExporter(spec: NodeExporterSpec): RenderedFile[] {
    const listen = privateListen("nodeExporter", spec.listenIp, NODE_EXPORTER.port);
    if (!/^\/[A-Za-z0-9_./-]+$/.test(spec.textfileDir))
        throw new Error(`nodeExporter: textfileDir '${spec.textfileDir}' is not an absolute plain path`);
    return [
        {
            path: NODE_EXPORTER.dropIn,
            content: renderIni(
                {
                    // The address must be up to bind it.
                    Unit: { Wants: "network-online.target", After: "network-online.target" },
                    Service: {
                        EnvironmentFile: "",
                        ExecStart: [
                            "",
                            `${NODE_EXPORTER.binary} --web.listen-address=${listen} ` +
                                `--collector.textfile.directory=${spec.textfileDir}`,
                        ],
                        // A private address that comes up after the package's first start: keep retrying.
                        Restart: "always",
                        RestartSec: "10s",
                        MemoryMax: NODE_EXPORTER.memoryMax,
                        NoNewPrivileges: true,
                    },
                },
                [
                    "Written by phase-stacks: node_exporter on one address only, with the keeper's textfile series.",
                ],
            ),
            kind: "systemd",
            permissions: "0644",
        },
    ];
}

/** An agent host: its server's name (the `node` label), its exporter's address, and its pool's tier. */
export interface AgentScrapeHost extends ScrapeHost {
    readonly tier: TierName;
}

/** The `agents` job: each agent host's node exporter, labelled with its name and tier. */
export function agentScrapeTargets(hosts: readonly AgentScrapeHost[]): ReturnType<typeof labelledTargets> {
    const plain = labelledTargets(AGENT_SCRAPE_JOB, hosts, NODE_EXPORTER.port);
    return {
        targets: plain.targets,
        labels: Object.fromEntries(
            hosts.map((h, i) => {
                const target = plain.targets[i] as string;
                return [target, { ...plain.labels[target], tier: h.tier }];
            }),
        ),
    };
}
