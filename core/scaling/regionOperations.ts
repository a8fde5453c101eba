/**
 * Phase 4's region operations: checking the replication between regions, promoting a standby region when the
 * primary region is lost, rebuilding the old primary region as a standby, and moving the primary back in a
 * window. Each step gives its commands and its expected duration; the total of a region failover is held against
 * the seed's 1 h RTO. Patroni does not promote a standby cluster by itself (one etcd never spans the Atlantic),
 * so a person decides; the write hostname's monitor follows the promotion with no DNS edit.
 */
import { PATRONI_CREDENTIAL } from "../render/data/patroniNode";
import { shellQuote } from "../render/base/shell";
import { WRITABLE_HEALTH_PATH } from "../render/app/caddy";
import type { OperationStep } from "./haOperations";
import type { ProductionPhase } from "./matrix";

export interface RegionOperationStep extends OperationStep {
    /** Expected wall-clock minutes: [typical, worst]; the failover's sum is checked against the RTO. */
    readonly minutes: readonly [number, number];
}

const PATRONICTL = `sudo -u postgres patronictl -c ${PATRONI_CREDENTIAL("patroni.yml")}`;
const on = (host: string, command: string) => `ssh root@"$${host}" -- ${shellQuote(command)}`;
const pctl = (host: string, args: string) => on(host, `${PATRONICTL} ${args}`);
/** A region's database addresses from the stack outputs (`REGION` and `PRIMARY` name regions). */
const regionIps = (variable: string, region: string, node = "primary") =>
    `export ${variable}=$(pulumi stack output regions --stack phase4 --json | jq -r --arg r "${region}" '.[$r].databasePublicIpv4.${node}')`;
const slot = (region: string) => `standby_$(echo ${region} | tr - _)`;
const ALL_IPS = (region: string) =>
    `$(pulumi stack output regions --stack phase4 --json | jq -r --arg r "${region}" '.[$r].databasePublicIpv4 | [.[]] | join(",")')`;

/** The write hostname's health check through Cloudflare: 200 only while some region's Postgres is the primary. */
const WRITABLE_PROBE = `curl -s -o /dev/null -w '%{http_code}\\n' "$(pulumi stack output writeUrl --stack phase4)${WRITABLE_HEALTH_PATH}"`;
/** patronictl's edit: `host` streams as a standby cluster of `upstream`'s region, through `host`'s own slot there. */
const followRegion = (host: string, upstream: string, slotOf: string) =>
    pctl(
        host,
        `edit-config --force -s standby_cluster.host=${ALL_IPS(upstream)} -s standby_cluster.port=5432 -s standby_cluster.primary_slot_name=${slot(slotOf)} -s slots=null`,
    );

/** The steps, in the order a region failover and its failback run them. */
export function regionOperations(phase: ProductionPhase): RegionOperationStep[] {
    if (phase !== "phase4") return [];
    return [
        {
            title: "Check replication between regions: lag, slot, standby leader",
            when: "daily, and first in every operation below; PRIMARY is the region holding the writable database, REGION a standby",
            impact: "none",
            minutes: [1, 2],
            commands: [
                "export PRIMARY=eu REGION=us-east",
                regionIps("PRIMARY_DB", "$PRIMARY"),
                regionIps("STANDBY_DB", "$REGION"),
                on(
                    "PRIMARY_DB",
                    `sudo -u postgres psql -XAt -c "SELECT application_name, client_addr, state, replay_lag, pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn) AS bytes_behind FROM pg_stat_replication WHERE application_name NOT LIKE 'pg%'" -c "SELECT slot_name, active, wal_status FROM pg_replication_slots WHERE slot_name LIKE 'standby_%'"`,
                ),
                pctl("STANDBY_DB", "list"),
            ],
        },
        {
            title: "Region failover, 1: confirm the primary region is lost and fence what is left of it",
            when: "the write hostname's pools are all unhealthy and the primary region's nodes do not answer, or Hetzner reports the location down; not for a single node (Patroni fails over inside the region by itself)",
            impact: "writes are already failing; fencing makes sure a half-alive old primary cannot take writes once the standby is promoted",
            minutes: [5, 15],
            commands: [
                WRITABLE_PROBE,
                pctl("PRIMARY_DB", "list"),
                "# Fence it at the edge: its pools take no visitors, even once it comes back (preview: only its pools change).",
                `pulumi config set --path 'loadBalancing.fencedRegions[0]' "$PRIMARY" --stack phase4`,
                "pulumi preview --stack phase4 --diff && pulumi up --stack phase4 --yes",
                "# If a node of the primary region still answers SSH, stop Patroni there for good (it stops PostgreSQL):",
                on("PRIMARY_DB", "systemctl disable --now phase-stacks-patroni.service"),
            ],
        },
        {
            title: "Region failover, 2: promote the standby region's cluster",
            when: "after the fence; its standby leader becomes the primary and its replicas follow it",
            impact: "writes resume in the promoted region; with asynchronous replication, commits after its last replayed WAL (the measured lag, under a second) are lost: the RPO",
            minutes: [1, 2],
            commands: [
                pctl("STANDBY_DB", "edit-config --force -s standby_cluster=null"),
                pctl("STANDBY_DB", "list"),
                on("STANDBY_DB", `sudo -u postgres psql -XAt -c "SELECT pg_is_in_recovery()"`),
            ],
        },
        {
            title: "Region failover, 3: confirm writes moved (no DNS edit: the write pools follow the primary)",
            when: "right after the promotion; Cloudflare needs consecutiveUp probes at the monitor interval (2 x 60 s by default)",
            impact: "none; until it turns, the write hostname answers 503 or from the fallback pool",
            minutes: [2, 5],
            commands: [
                WRITABLE_PROBE,
                "# The application's writes go to the write hostname or the promoted region's writer endpoint:",
                "pulumi stack output regions --stack phase4 --json | jq -r --arg r \"$REGION\" '.[$r].roleEndpoints.postgresWriter'",
            ],
        },
        {
            title: "Failback, 1: rebuild the old primary region as a standby of the promoted one",
            when: "once the old primary region is back; its cluster has diverged and must not take writes",
            impact: "none on the promoted primary beyond the base backup or pg_rewind's read load",
            minutes: [10, 45],
            commands: [
                "# A permanent slot for the old primary region on the promoted cluster:",
                pctl("STANDBY_DB", `edit-config --force -s slots.${slot("$PRIMARY")}.type=physical`),
                "# The old primary region follows the promoted one (its etcd takes the edit with Patroni still stopped),",
                "# then Patroni starts and rewinds (or, failing that, re-clones) its leader; do this on each of its nodes:",
                followRegion("PRIMARY_DB", "$REGION", "$PRIMARY"),
                on("PRIMARY_DB", "systemctl enable --now phase-stacks-patroni.service"),
                pctl("PRIMARY_DB", "list"),
            ],
        },
        {
            title: "Failback, 2: move the primary back to the EU in a window (GDPR keeps it there)",
            when: "the EU standby shows no lag (step 1's check); a maintenance window, since writes pause",
            impact: "writes pause from the demotion until the EU's write pool turns healthy (2-3 min at the default monitor); the demoted primary shuts down cleanly, so compare the two replay positions before promoting",
            minutes: [5, 15],
            commands: [
                "# Unfence the EU at the edge first: its write pool turns healthy only once it is promoted below.",
                "pulumi config rm loadBalancing.fencedRegions --stack phase4 && pulumi up --stack phase4 --yes",
                "# Demote the promoted region: it becomes a standby cluster of the EU again, its last WAL streamed out first.",
                followRegion("STANDBY_DB", "$PRIMARY", "$REGION"),
                "# Both must print the same position before the EU is promoted:",
                on("STANDBY_DB", `sudo -u postgres psql -XAt -c "SELECT pg_last_wal_replay_lsn()"`),
                on("PRIMARY_DB", `sudo -u postgres psql -XAt -c "SELECT pg_last_wal_replay_lsn()"`),
                pctl(
                    "PRIMARY_DB",
                    `edit-config --force -s standby_cluster=null -s slots.${slot("$REGION")}.type=physical`,
                ),
                pctl("PRIMARY_DB", "list"),
            ],
        },
    ];
}

/** The steps a region failover takes (not the failback), typical and worst case, in minutes. */
export function regionFailoverMinutes(steps: readonly RegionOperationStep[]): readonly [number, number] {
    const failover = steps.filter(
        (s) => s.title.startsWith("Region failover") || s.title.startsWith("Check"),
    );
    return [failover.reduce((n, s) => n + s.minutes[0], 0), failover.reduce((n, s) => n + s.minutes[1], 0)];
}
