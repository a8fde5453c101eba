/**
 * An agent-pool host (hcloud Server labelled role=agent) keeps its tier's limits and sandbox: the limits it carries
 * as labels (plain values, so the check stays mandatory at preview) are within the tier, its full load plus the
 * system reserve fits the server's RAM, and, where the user data can be read, the warm-pool keeper runs with those
 * limits and every sandbox flag, and dockerd requires client certificates and remaps user namespaces.
 */
import { z } from "zod";
import { SERVER_TYPES } from "../../core/catalog/hetzner";
import { PACK_FRAMEWORK, resourcePolicy, type Problem } from "../lib/policy";
import { cloudConfigOf, envFileValues, shippedText, type CloudConfig } from "../lib/cloudInit";
import { rec, str, stringMap } from "../lib/read";
import { T } from "../lib/typeTokens";
import { KEEPER_ENV, KEEPER_SCRIPT } from "../sandbox/docker/keeperContainers";
import { tiersConfig } from "./tiers";

/** Labels the program puts on agent hosts (components/agents/agentHostPool.ts). */
export const AGENT_LIMIT_LABELS = ["memory-mb", "cpu-shares", "pids-limit", "max-containers"] as const;
const DAEMON = "/etc/docker/daemon.json";
/** docker run flags every warm container must get (CIS Docker 5.4, 5.11, 5.13, 5.26, 5.29, 4.1). */
const SANDBOX_FLAGS = [
    "--memory-swap",
    "--cpu-shares",
    "--pids-limit",
    "--read-only",
    "--tmpfs",
    "--cap-drop ALL",
    "no-new-privileges:true",
    "--user",
];
const FORBIDDEN_FLAGS = [
    "--privileged",
    "--network host",
    "--net host",
    "--pid host",
    "--ipc host",
    "--userns host",
    "--cap-add",
];

function userDataProblems(shipped: CloudConfig, labels: Record<string, string>): Problem[] {
    const problems: Problem[] = [];
    const env = shippedText(shipped, KEEPER_ENV);
    const script = shippedText(shipped, KEEPER_SCRIPT) ?? "";
    if (env === undefined || !script)
        return [
            {
                field: "userData",
                problem: "ships no warm-pool keeper and settings",
                fix: "render the host with renderAgentHost",
            },
        ];
    const settings = envFileValues(env);
    const pairs: [string, string][] = [
        ["POOL_TIER", "tier"],
        ["MEMORY_MB", "memory-mb"],
        ["CPU_SHARES", "cpu-shares"],
        ["PIDS_LIMIT", "pids-limit"],
        ["MAX_CONTAINERS", "max-containers"],
    ];
    for (const [key, label] of pairs) {
        if (settings[key] !== labels[label])
            problems.push({
                field: `userData ${KEEPER_ENV} ${key}`,
                problem: `is "${settings[key] ?? ""}" but the host's ${label} label says "${labels[label] ?? ""}"`,
                fix: "render the keeper settings and the labels from the same pool plan",
            });
    }
    if (
        settings["MEMORY_MB"] === undefined ||
        !/--memory "\$\{MEMORY_MB\}m" --memory-swap "\$\{MEMORY_MB\}m"/.test(script)
    )
        problems.push({
            field: `userData ${KEEPER_SCRIPT}`,
            problem: "does not give warm containers memory-swap equal to memory",
            fix: "set --memory-swap to --memory",
            id: "CIS Docker Benchmark 5.11",
        });
    for (const flag of SANDBOX_FLAGS.filter((f) => !script.includes(f)))
        problems.push({
            field: `userData ${KEEPER_SCRIPT}`,
            problem: `starts containers without ${flag}`,
            fix: `add ${flag}`,
        });
    for (const flag of FORBIDDEN_FLAGS.filter((f) => script.includes(f)))
        problems.push({
            field: `userData ${KEEPER_SCRIPT}`,
            problem: `starts containers with ${flag}`,
            fix: `remove ${flag}`,
        });
    const daemon = rec(JSON.parse(shippedText(shipped, DAEMON) ?? "{}"));
    if (daemon?.["tlsverify"] !== true || !str(daemon["tlscacert"]))
        problems.push({
            field: `userData ${DAEMON}`,
            problem: "lets dockerd accept API clients without a CA-signed certificate",
            fix: "set tlsverify, tlscacert, tlscert and tlskey",
            id: "CIS Docker Benchmark 2.7",
        });
    if (!str(daemon?.["userns-remap"]))
        problems.push({
            field: `userData ${DAEMON}`,
            problem: "does not remap user namespaces, so root in a container is root on the host",
            fix: 'set "userns-remap": "default"',
            id: "CIS Docker Benchmark 2.9",
        });
    return problems;
}

export const agentPoolHostLimits = resourcePolicy({
    name: "agent-pool-host-limits",
    description:
        "An agent-pool host's container limits are within its tier, its full load plus the system reserve fits its RAM, and its keeper and dockerd enforce them with the sandbox.",
    concern: "caps",
    level: "mandatory",
    severity: "high",
    framework: { ...PACK_FRAMEWORK, id: "PHS-CAPS-5" },
    remediation:
        "Size the pool with core/capacity (npm run capacity), keep the tier's limits, and render the host with renderAgentHost.",
    config: z.strictObject({
        tiers: tiersConfig,
        systemReserveMb: z
            .number()
            .int()
            .min(0)
            .default(1024)
            .describe("RAM (MiB) an agent host keeps for the OS and Docker beyond its containers' limits."),
    }),
    appliesTo: (type) => type === T.hcloudServer,
    judge: (r, config) => {
        const labels = stringMap(r.props["labels"]);
        if (labels["role"] !== "agent") return [];
        const tierName = labels["tier"] ?? "";
        const tier = config.tiers[tierName];
        if (!tier)
            return [
                {
                    field: 'labels["tier"]',
                    problem: `is "${tierName}", not a configured tier (${Object.keys(config.tiers).join(", ")})`,
                    fix: "label the host with its pool's tier",
                },
            ];
        const value = (l: string) => Number(labels[l] ?? NaN);
        const problems: Problem[] = AGENT_LIMIT_LABELS.filter((l) => !(value(l) > 0)).map((l) => ({
            field: `labels["${l}"]`,
            problem: "is missing, so the host's container limits cannot be judged",
            fix: `label the host with ${l}`,
        }));
        if (problems.length) return problems;
        if (value("memory-mb") > tier.memoryMb)
            problems.push({
                field: 'labels["memory-mb"]',
                problem: `is ${value("memory-mb")} MB, above the ${tierName} maximum of ${tier.memoryMb} MB`,
                fix: `give containers at most ${tier.memoryMb} MB`,
            });
        if (value("cpu-shares") > tier.cpuShares)
            problems.push({
                field: 'labels["cpu-shares"]',
                problem: `is ${value("cpu-shares")}, above the ${tierName} maximum of ${tier.cpuShares}`,
                fix: `give containers at most ${tier.cpuShares} CPU shares`,
            });
        const type = (SERVER_TYPES as Record<string, { memoryGb: number } | undefined>)[
            str(r.props["serverType"]) ?? ""
        ];
        const needMb = value("max-containers") * value("memory-mb") + config.systemReserveMb;
        if (type && needMb > type.memoryGb * 1024)
            problems.push({
                field: 'labels["max-containers"]',
                problem: `lets ${value("max-containers")} x ${value("memory-mb")} MB plus the ${config.systemReserveMb} MB reserve (${needMb} MiB) exceed the server's ${type.memoryGb * 1024} MiB`,
                fix: "lower max-containers or pick a server type with more RAM",
            });
        const userData = str(r.props["userData"]);
        const shipped = userData === undefined ? undefined : cloudConfigOf(userData);
        return shipped ? [...problems, ...userDataProblems(shipped, labels)] : problems;
    },
});
