/**
 * The data tier's day-2 operations under Patroni (phase 3, and each region of phase 4): switchover, maintenance pause, re-adding a node and
 * the emergency failover, each as the exact commands, when to use it and what it costs. The advisor prints them
 * beside the migration runbook; README.md explains the mechanisms.
 */
import { PATRONI_CREDENTIAL } from "../render/data/patroniNode";
import { shellQuote } from "../render/base/shell";
import type { ProductionPhase } from "./matrix";
import { PHASE3_DATABASE_SERVER, stateServerAddress } from "./runbook";

export interface OperationStep {
    readonly title: string;
    readonly when: string;
    /** What the operation costs the application, as measured by the loopback suite where it can be. */
    readonly impact: string;
    readonly commands: readonly string[];
}

/** The phases whose database nodes run Patroni. */
const PATRONI_PHASES: readonly ProductionPhase[] = ["phase3", "phase4"];

/** A database node's address: phase 3's by its server name, phase 4's the primary region's first node. */
function databaseNode(phase: ProductionPhase): string {
    if (phase === "phase4")
        return `$(pulumi stack output regions --stack phase4 --json | jq -r '[.[] | select(.role == "primary")][0].databasePublicIpv4.primary')`;
    return stateServerAddress(phase, PHASE3_DATABASE_SERVER);
}

const PATRONICTL = `sudo -u postgres patronictl -c ${PATRONI_CREDENTIAL("patroni.yml")}`;
/** patronictl on a database node, as root over SSH; `$DB_NODE` is any node's public address. */
const pctl = (args: string): string => `ssh root@"$DB_NODE" -- ${shellQuote(`${PATRONICTL} ${args}`)}`;

export function haOperations(phase: ProductionPhase): OperationStep[] {
    if (!PATRONI_PHASES.includes(phase)) return [];
    return [
        {
            title: "Find the cluster: members, roles, lag, timeline",
            when: "before every operation below, and after it to confirm",
            impact: "none",
            commands: [`export DB_NODE=${databaseNode(phase)}`, pctl("list")],
        },
        {
            title: "Switchover: move the primary to a replica (planned: host maintenance, a resize)",
            when: "the candidate is streaming with no lag (`list` shows it as Sync Standby)",
            impact: "a write pause of about 3 s; no committed row is lost; the endpoints follow by health check",
            commands: [pctl("switchover --leader pg1 --candidate pg2 --force"), pctl("list")],
        },
        {
            title: "Maintenance pause: Patroni stops acting while you restart PostgreSQL or etcd by hand",
            when: "work that would otherwise look like a failure (a PostgreSQL restart, an etcd member rebuild)",
            impact: "none while paused, but no automatic failover either: resume as soon as the work is done",
            commands: [pctl("pause --wait"), "# ... the maintenance ...", pctl("resume --wait")],
        },
        {
            title: "Re-add a node: wipe a broken or rebuilt replica and clone it from the leader",
            when: "a replica that cannot rejoin by itself (`list` shows it stopped or on an old timeline)",
            impact: "none on the primary beyond the base backup's read load; the reader drops the node meanwhile",
            commands: [
                // The cluster's name is its scope, `<stack>-<region>`, which the node's own patroni.yml holds.
                pctl(
                    `reinit "$(awk '/^scope:/ {print $2}' ${PATRONI_CREDENTIAL("patroni.yml")})" pg2 --force --wait`,
                ),
            ],
        },
        {
            title: "Emergency failover: promote a replica when no leader can be elected",
            when: "only when the cluster has no leader and will not elect one (e.g. the synchronous standby is gone)",
            impact: "writes resume on the candidate; with asynchronous replication, writes after its last replayed LSN are lost",
            commands: [pctl("failover --candidate pg2 --force"), pctl("list")],
        },
    ];
}
