/**
 * Every VM host's log agent: Grafana Alloy reading the host's container logs and systemd journal and pushing
 * them to the region's Loki. Without the Docker socket (root on the host): it tails the json-file driver's files,
 * whose lines carry the compose service in `attrs` because the daemon's `log-opts.labels` names that label.
 */
import type { RenderedFile } from "../base/artifact";
import { HOST_PATHS } from "../base/paths";
import { DOCKER_LOGGED_LABEL } from "../host/dockerDaemon";
import { exportOf, renderAlloy, type AlloyBlock } from "./alloy";

/** The json-file driver's files, `<id>/<id>-json.log` under this directory. */
export const DOCKER_CONTAINERS_DIR = "/var/lib/docker/containers";
/** The journal's persistent and volatile directories, and the machine id that names its subdirectory. */
export const JOURNAL_PATHS = ["/var/log/journal", "/run/log/journal", "/etc/machine-id"] as const;
/** Where Alloy keeps its read positions: on a volume, so a restart neither re-sends nor skips lines. */
export const LOG_AGENT_STORAGE = "/var/lib/alloy/data";

export interface LogAgentSpec {
    readonly stack: string;
    /** The host's name, as every stream is labelled `host`. */
    readonly host: string;
    /** Loki's push URL as this host reaches it. */
    readonly pushUrl: string;
}

export function logAgentBlocks(spec: LogAgentSpec): AlloyBlock[] {
    const write: AlloyBlock = {
        name: "loki.write",
        label: "loki",
        attrs: [
            [
                "external_labels",
                {
                    object: [
                        ["host", spec.host],
                        ["stack", spec.stack],
                    ],
                },
            ],
        ],
        blocks: [{ name: "endpoint", attrs: [["url", spec.pushUrl]] }],
    };
    const containerFiles: AlloyBlock = {
        name: "local.file_match",
        label: "containers",
        attrs: [
            [
                "path_targets",
                [
                    {
                        object: [
                            ["__path__", `${DOCKER_CONTAINERS_DIR}/*/*-json.log`],
                            ["job", "docker"],
                        ],
                    },
                ],
            ],
        ],
    };
    const containerLines: AlloyBlock = {
        name: "loki.process",
        label: "containers",
        attrs: [["forward_to", [exportOf(write, "receiver")]]],
        blocks: [
            // Before stage.docker replaces the line with its `log` field: the service from the line's attrs.
            {
                name: "stage.json",
                attrs: [["expressions", { object: [["service", `attrs."${DOCKER_LOGGED_LABEL}"`]] }]],
            },
            { name: "stage.labels", attrs: [["values", { object: [["service", ""]] }]] },
            { name: "stage.docker" },
            // One stream per service, not per container id.
            { name: "stage.label_drop", attrs: [["values", ["filename"]]] },
        ],
    };
    const containerSource: AlloyBlock = {
        name: "loki.source.file",
        label: "containers",
        attrs: [
            ["targets", exportOf(containerFiles, "targets")],
            ["forward_to", [exportOf(containerLines, "receiver")]],
        ],
    };
    const journalLabels: AlloyBlock = {
        name: "loki.relabel",
        label: "journal",
        attrs: [["forward_to", []]],
        blocks: [
            {
                name: "rule",
                attrs: [
                    ["source_labels", ["__journal__systemd_unit"]],
                    ["target_label", "unit"],
                ],
            },
        ],
    };
    const journal: AlloyBlock = {
        name: "loki.source.journal",
        label: "journal",
        attrs: [
            ["relabel_rules", exportOf(journalLabels, "rules")],
            ["labels", { object: [["job", "journal"]] }],
            ["forward_to", [exportOf(write, "receiver")]],
        ],
    };
    return [containerFiles, containerSource, containerLines, journalLabels, journal, write];
}

export function logAgentFile(spec: LogAgentSpec): RenderedFile {
    return {
        path: HOST_PATHS.logAgentConfig,
        content: renderAlloy(logAgentBlocks(spec)),
        kind: "alloy",
        permissions: "0644",
    };
}
