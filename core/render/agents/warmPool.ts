/**
 * The warm-pool keeper on each agent host (seed: "Container pre-warming pool ... background worker replenishes
 * pool"): a systemd timer runs a bash pass that keeps the tier's pre-warmed containers ready, each sandboxed and
 * capped. The pool manager claims a warm container by renaming it (Docker labels are fixed at creation, a name is
 * not): it then leaves the warm count, still counts against the node, and the next pass starts a replacement.
 * A pass never takes the node past its container maximum or its memory budget. Each pass ends by leaving the
 * pool's series (TEXTFILE_METRICS) for the host's node exporter (nodeExporter.ts) to publish.
 */
import { TIER_LABEL } from "../../contracts/labels";
import { cpuLimit, PIDS_LIMIT, TIERS, type TierName } from "../../capacity/tiers";
import { checkNodeMemory } from "../../workload/memoryPlan";
import type { RenderedFile } from "../base/artifact";
import { SCRIPTS_DIR } from "../base/paths";
import { bashScript } from "../base/shell";
import { TEXTFILE_COLLECTOR_DIR } from "../monitoring/dashboards";
import { unitFile } from "../base/systemd";

export const WARM_POOL_PATHS = {
    env: "/etc/phase-stacks/agent-pool.env",
    script: `${SCRIPTS_DIR}/warm-pool-keeper.sh`,
    metrics: `${TEXTFILE_COLLECTOR_DIR}/phase_stacks_warm_pool.prom`,
} as const;
export const WARM_POOL_UNITS = {
    service: "phase-stacks-warm-pool.service",
    timer: "phase-stacks-warm-pool.timer",
} as const;

/** Labels every pool container and network carries; the pool manager filters on them too. */
export const POOL_LABEL = "phase-stacks/pool=agents";
export const TIER_LABEL_KEY = TIER_LABEL;
/** Names of unclaimed containers: `<prefix><tier>-<random>`. */
export const WARM_NAME_PREFIX = "phase-stacks-warm-";
/** uid:gid agents run as: not root, above the 10000 that kube-score and Checkov CKV_K8S_40 ask for. */
export const AGENT_USER = "10001:10001";
const TMPFS_MB = 64;

export interface WarmPoolSpec {
    readonly tier: TierName;
    readonly image: string;
    /** Containers this node may hold in all (warm and claimed). */
    readonly maxContainers: number;
    readonly nodeMemoryMb: number;
    readonly systemReserveMb: number;
    /** Seconds between passes. */
    readonly intervalSeconds: number;
}

/** The keeper's settings as systemd EnvironmentFile lines (also what the policy pack reads to judge the caps). */
export function warmPoolSettings(spec: WarmPoolSpec): Record<string, string> {
    const tier = TIERS[spec.tier];
    if (!/^[a-z0-9][a-z0-9._/:@-]*$/i.test(spec.image))
        throw new Error(
            `agents.image '${spec.image}' is not an image reference (registry/name:tag or @sha256 digest)`,
        );
    const memory = checkNodeMemory({
        containers: spec.maxContainers,
        containerMemoryMb: tier.memoryMb,
        systemReserveMb: spec.systemReserveMb,
        nodeMemoryGb: spec.nodeMemoryMb / 1024,
    });
    if (!memory.fits)
        throw new Error(
            `${spec.maxContainers} ${spec.tier} containers need ${memory.requiredMb} MiB with the reserve, more than the node's ${memory.nodeMb} MiB`,
        );
    return {
        POOL_TIER: spec.tier,
        AGENT_IMAGE: spec.image,
        AGENT_USER,
        MEMORY_MB: String(tier.memoryMb),
        CPU_SHARES: String(tier.cpuShares),
        CPUS: String(cpuLimit(tier)),
        PIDS_LIMIT: String(PIDS_LIMIT),
        TMPFS_MB: String(TMPFS_MB),
        PREWARM: String(Math.min(tier.prewarm, spec.maxContainers)),
        MAX_CONTAINERS: String(spec.maxContainers),
        NODE_MEMORY_MB: String(spec.nodeMemoryMb),
        SYSTEM_RESERVE_MB: String(spec.systemReserveMb),
    };
}

const KEEPER_BODY: readonly string[] = [
    'fail() { echo "warm-pool: $*" >&2; exit 2; }',
    "for n in MEMORY_MB CPU_SHARES PIDS_LIMIT TMPFS_MB PREWARM MAX_CONTAINERS NODE_MEMORY_MB SYSTEM_RESERVE_MB; do",
    '    [[ ${!n:-} =~ ^[0-9]+$ ]] || fail "$n must be a whole number"',
    "done",
    '[[ ${POOL_TIER:-} =~ ^[a-z]+$ ]] || fail "POOL_TIER must be a tier name"',
    '[[ ${CPUS:-} =~ ^[0-9]+(\\.[0-9]+)?$ ]] || fail "CPUS must be a number"',
    '[[ ${AGENT_USER:-} =~ ^[1-9][0-9]*:[1-9][0-9]*$ ]] || fail "AGENT_USER must be a non-root uid:gid"',
    '[[ -n ${AGENT_IMAGE:-} ]] || fail "AGENT_IMAGE is not set"',
    "",
    `readonly pool_label=${POOL_LABEL}`,
    `readonly tier_label="${TIER_LABEL_KEY}=\${POOL_TIER}"`,
    `readonly warm_prefix="${WARM_NAME_PREFIX}\${POOL_TIER}-"`,
    "readonly budget_mb=$((NODE_MEMORY_MB - SYSTEM_RESERVE_MB))",
    "",
    "# One pass at a time: a slow pull must not let the next timer tick start a second keeper.",
    'exec 9>"${WARM_POOL_LOCK:-/run/lock/phase-stacks-warm-pool.lock}"',
    "flock --nonblock 9 || exit 0",
    "",
    'count() { docker ps --all --quiet "$@" | grep -c . || true; }',
    "",
    "start_warm() {",
    "    local name",
    "    name=\"${warm_prefix}$(od -An -N6 -tx1 /dev/urandom | tr -d ' \\n')\"",
    "    # Each agent gets a network of its own (seed: network isolation); it is removed once the container is gone.",
    '    docker network create --driver bridge --label "$pool_label" --label "$tier_label" "$name" >/dev/null',
    "    # The sandbox: capped memory without swap, CPU weight and cap, PIDs, read-only root with a small tmpfs,",
    "    # no capabilities, no privilege gain, a non-root user, private IPC, no host namespace of any kind.",
    '    docker run --detach --name "$name" --network "$name" \\',
    '        --label "$pool_label" --label "$tier_label" \\',
    '        --memory "${MEMORY_MB}m" --memory-swap "${MEMORY_MB}m" \\',
    '        --cpu-shares "$CPU_SHARES" --cpus "$CPUS" --pids-limit "$PIDS_LIMIT" \\',
    '        --read-only --tmpfs "/tmp:rw,noexec,nosuid,nodev,size=${TMPFS_MB}m" \\',
    "        --cap-drop ALL --security-opt no-new-privileges:true \\",
    '        --user "$AGENT_USER" --ipc private --restart on-failure:5 \\',
    '        "$AGENT_IMAGE" >/dev/null',
    "}",
    "",
    "# A warm container that stopped will never be claimed: remove it so a fresh one replaces it.",
    "while read -r id; do",
    '    [[ -n $id ]] && docker rm --force "$id" >/dev/null',
    'done < <(docker ps --all --quiet --filter "label=$pool_label" --filter "name=^${warm_prefix}" \\',
    "    --filter status=exited --filter status=dead --filter status=created)",
    'docker network prune --force --filter "label=$pool_label" >/dev/null',
    "",
    'docker image inspect "$AGENT_IMAGE" >/dev/null 2>&1 || docker pull --quiet "$AGENT_IMAGE" >/dev/null',
    "",
    "# Claimed containers still hold their memory and their slot: count every pool container on the node.",
    'total=$(count --filter "label=$pool_label")',
    'warm=$(count --filter "label=$pool_label" --filter "name=^${warm_prefix}")',
    "started=0",
    "while ((warm < PREWARM)); do",
    "    if ((total >= MAX_CONTAINERS)); then",
    '        echo "warm-pool: node holds $total of $MAX_CONTAINERS containers; not starting more" >&2',
    "        break",
    "    fi",
    "    if (((total + 1) * MEMORY_MB > budget_mb)); then",
    '        echo "warm-pool: one more ${MEMORY_MB} MiB container would pass the ${budget_mb} MiB budget" >&2',
    "        break",
    "    fi",
    "    start_warm",
    "    total=$((total + 1)) warm=$((warm + 1)) started=$((started + 1))",
    "done",
    'echo "warm-pool: tier=$POOL_TIER warm=$warm total=$total started=$started"',
    "",
    "# The node exporter reads only *.prom files: written beside it, then renamed over it, the file is always the",
    "# last pass's or this one's, never a part of either (a failed write stops the script before the rename).",
    `readonly metrics="\${WARM_POOL_METRICS:-${WARM_POOL_PATHS.metrics}}"`,
    'cat >"$metrics.$$" <<EOF',
    "# HELP phase_stacks_agent_containers Pool containers on this node: warm (unclaimed) or claimed.",
    "# TYPE phase_stacks_agent_containers gauge",
    'phase_stacks_agent_containers{tier="$POOL_TIER",state="warm"} $warm',
    'phase_stacks_agent_containers{tier="$POOL_TIER",state="claimed"} $((total - warm))',
    "# HELP phase_stacks_agent_containers_max The node's container maximum (MAX_CONTAINERS).",
    "# TYPE phase_stacks_agent_containers_max gauge",
    'phase_stacks_agent_containers_max{tier="$POOL_TIER"} $MAX_CONTAINERS',
    "# HELP phase_stacks_agent_containers_prewarm Warm containers the keeper keeps ready (PREWARM).",
    "# TYPE phase_stacks_agent_containers_prewarm gauge",
    'phase_stacks_agent_containers_prewarm{tier="$POOL_TIER"} $PREWARM',
    "# HELP phase_stacks_warm_pool_last_run_timestamp_seconds Unix time the keeper's last pass finished.",
    "# TYPE phase_stacks_warm_pool_last_run_timestamp_seconds gauge",
    'phase_stacks_warm_pool_last_run_timestamp_seconds{tier="$POOL_TIER"} $EPOCHSECONDS',
    "EOF",
    'mv --force "$metrics.$$" "$metrics"',
];

function renderKeeperScript(): string {
    return bashScript(
        [
            "Keeps PREWARM idle agent containers of this node's tier ready (settings: EnvironmentFile of its unit).",
            "A renamed (claimed) container is no longer warm; a new one replaces it within one timer interval.",
        ],
        KEEPER_BODY,
    );
}

function renderEnv(settings: Record<string, string>): string {
    return `${Object.entries(settings)
        .map(([k, v]) => `${k}=${v}`)
        .join("\n")}\n`;
}

export function renderWarmPool(spec: WarmPoolSpec): RenderedFile[] {
    if (!Number.isInteger(spec.intervalSeconds) || spec.intervalSeconds < 5)
        throw new Error("the warm-pool interval must be a whole number of at least 5 seconds");
    return [
        {
            path: WARM_POOL_PATHS.env,
            content: renderEnv(warmPoolSettings(spec)),
            kind: "env",
            permissions: "0644",
        },
        { path: WARM_POOL_PATHS.script, content: renderKeeperScript(), kind: "shell", permissions: "0755" },
        unitFile(WARM_POOL_UNITS.service, {
            Unit: {
                Description: "Keep the agent pool's pre-warmed containers ready",
                // Wants, not Requires: a docker restart must not fail a pass that is waiting for it.
                After: ["docker.service", "network-online.target"],
                Wants: "docker.service",
            },
            Service: {
                Type: "oneshot",
                EnvironmentFile: WARM_POOL_PATHS.env,
                ExecStart: WARM_POOL_PATHS.script,
                // A first pull of the agent image can take minutes; a hung pass is killed and retried next tick.
                TimeoutStartSec: 600,
                NoNewPrivileges: true,
                PrivateTmp: true,
                ProtectHome: true,
            },
        }),
        unitFile(WARM_POOL_UNITS.timer, {
            Unit: { Description: "Replenish the agent pool's pre-warmed containers" },
            Timer: {
                OnBootSec: "30s",
                OnUnitInactiveSec: `${spec.intervalSeconds}s`,
                AccuracySec: "1s",
            },
            Install: { WantedBy: "timers.target" },
        }),
    ];
}
