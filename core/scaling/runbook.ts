/**
 * The migration runbook for one transition, from the seed's "Migration Procedure" and "Rollback Plan":
 * T-7 monitoring and networking on the new stack, T-1 replica and index sync, the cutover in a maintenance
 * window, post-migration checks, and the 48-hour rollback. Each step carries the exact commands, run from a
 * checkout of this repository with the Pulumi CLI logged in; `$SOURCE_*`/`$TARGET_*` are set by the first
 * step from the stacks' outputs.
 */
import { CONTAINER_PATHS, DOCKER_COMPOSE, SCRIPTS_DIR } from "../render/base/paths";
import { shellQuote } from "../render/base/shell";
import type { BuiltPhase, OutputKey, StackOutputs } from "../contracts/outputs";
import type { ProductionPhase, ScalablePhase } from "./matrix";

export const RUNBOOK_STAGES = ["T-7", "T-1", "cutover", "post-migration", "rollback"] as const;
export type RunbookStage = (typeof RUNBOOK_STAGES)[number];

export interface RunbookStep {
    readonly stage: RunbookStage;
    readonly title: string;
    readonly commands: readonly string[];
}

/**
 * How the runbook finds a host's public address (to SSH to): a stack output the phase's contract declares
 * (core/contracts/outputs.ts), or, where the phase exports none, the server's `ipv4Address` in the stack's
 * state (`pulumi stack export`), by its resource name.
 */
type HostAddress<P extends BuiltPhase> = { readonly output: OutputKey<P> } | { readonly server: string };

interface HostLookup<P extends BuiltPhase> {
    readonly app: HostAddress<P>;
    readonly db: HostAddress<P>;
    /** The jq path, within the `privateAddresses` output, of the address replicas stream from. */
    readonly dbPrivate?: P extends "phase2" | "phase3"
        ? `.${keyof StackOutputs[P]["privateAddresses"] & string}`
        : never;
}

/** Phase 3's hosts, by the names stacks/phase3.ts gives them (the fleet is named after its region); phases 4-5 reuse them until their issues. */
/** Phase 3's first database node, the primary it bootstraps (Patroni may since have moved the role). */
export const PHASE3_DATABASE_SERVER = "db-primary-host-server";

const PHASE3_HOSTS = {
    app: { server: "eu-central-backend-1-server" },
    db: { server: PHASE3_DATABASE_SERVER },
    dbPrivate: ".writer",
} as const;

const HOSTS: {
    readonly phase1: HostLookup<"phase1">;
    readonly phase2: HostLookup<"phase2">;
    readonly phase3: HostLookup<"phase3">;
    readonly phase4: HostLookup<"phase3">;
    readonly phase5: HostLookup<"phase3">;
} = {
    phase1: { app: { output: "appIpv4" }, db: { output: "appIpv4" } },
    phase2: { app: { output: "appIpv4" }, db: { output: "dataIpv4" }, dbPrivate: ".data" },
    phase3: PHASE3_HOSTS,
    phase4: PHASE3_HOSTS,
    phase5: PHASE3_HOSTS,
};

/**
 * Phase 1 runs Postgres in Docker; later phases run it from Ubuntu's packages on the data server, under the
 * data node's unit, with its data directory on the Volume (names as `core/render/dataNode.ts` renders them).
 */
const DOCKER_POSTGRES: readonly ProductionPhase[] = ["phase1"];
const DATA_NODE = {
    postgresUnit: "phase-stacks-postgres.service",
    backupUnit: "phase-stacks-data-backup.service",
    pgData: "/mnt/postgres/pgdata",
} as const;
const SECRETS = ["hcloud:token", "cloudflare:apiToken", "backupAccessKeyId", "backupSecretAccessKey"];
const WRITERS = ["api", "worker", "crawler"];
const MEILI = "http://127.0.0.1:7700";

const compose = (args: string): string => `${DOCKER_COMPOSE.join(" ")} ${args}`;
/** The runbook's own variables, handed to remote commands that use them. */
const FORWARDED = ["PGDATABASE", "PGUSER", "TARGET_DB", "SOURCE_DB_PRIVATE"] as const;

/**
 * A command on a host, as root over SSH: ssh hands the remote login shell the joined arguments, so the
 * command is quoted once and its `$` expand there; the runbook's own variables it uses are exported first,
 * expanded here (they hold addresses and identifiers, never spaces).
 */
function on(hostVar: string, command: string): string {
    const vars = FORWARDED.filter((v) => new RegExp(`\\$\\{?${v}\\b`).test(command));
    const exports = vars.length > 0 ? `export ${vars.map((v) => `${v}="$${v}"`).join(" ")} \\; ` : "";
    return `ssh root@"$${hostVar}" -- ${exports}${shellQuote(command)}`;
}

/** A Postgres client tool against the phase's primary, run on its host. */
function pg(phase: ProductionPhase, tool: string): string {
    return DOCKER_POSTGRES.includes(phase)
        ? compose(`exec -T postgres ${tool} -U "$PGUSER" -d "$PGDATABASE"`)
        : `sudo -u postgres ${tool} -d "$PGDATABASE"`;
}
const psql = (phase: ProductionPhase, sql: string): string => `${pg(phase, "psql")} -Atc ${shellQuote(sql)}`;
const RESTORE_FLAGS = "--clean --if-exists --no-owner --single-transaction";
/** Streams a custom-format dump of one host's primary into the other's. */
function copyDatabase(fromVar: string, from: ProductionPhase, toVar: string, to: ProductionPhase): string {
    return `${on(fromVar, `${pg(from, "pg_dump")} -Fc`)} | ${on(toVar, `${pg(to, "pg_restore")} ${RESTORE_FLAGS}`)}`;
}

/** A server's public address from the stack's state, by its resource name, as a command substitution. */
export function stateServerAddress(stack: string, server: string): string {
    const select = `.deployment.resources[] | select(.type == "hcloud:index/server:Server" and (.urn | endswith("::${server}"))) | .outputs.ipv4Address`;
    return `$(pulumi stack export --stack ${stack} | jq -r ${shellQuote(select)})`;
}

function address(phase: ProductionPhase, key: "app" | "db"): string {
    const a = HOSTS[phase][key];
    if ("output" in a) return `$(pulumi stack output ${a.output} --stack ${phase})`;
    return stateServerAddress(phase, a.server);
}

function hostVars(from: ScalablePhase, to: ProductionPhase): string[] {
    const dbPrivate = HOSTS[from].dbPrivate;
    return [
        `export SOURCE_APP=${address(from, "app")} SOURCE_DB=${address(from, "db")}`,
        `export TARGET_APP=${address(to, "app")} TARGET_DB=${address(to, "db")}`,
        `export PGDATABASE=$(pulumi config get --path postgres.database --stack ${from}) PGUSER=$(pulumi config get --path postgres.user --stack ${from})`,
        ...(dbPrivate === undefined
            ? []
            : [
                  `export SOURCE_DB_PRIVATE=$(pulumi stack output privateAddresses --stack ${from} --json | jq -r ${dbPrivate})`,
              ]),
    ];
}

/** How the target's database is first filled, per transition (the seed's "Create PostgreSQL replica"). */
function replicaSteps(from: ScalablePhase, to: ProductionPhase): RunbookStep[] {
    if (DOCKER_POSTGRES.includes(from))
        return [
            {
                stage: "T-1",
                title: `Copy the database into ${to}'s data server (a rehearsal of the cutover's final sync; time it)`,
                commands: [
                    on("SOURCE_DB", `${SCRIPTS_DIR}/backup-postgres.sh`),
                    `time ${copyDatabase("SOURCE_DB", from, "TARGET_DB", to)}`,
                ],
            },
        ];
    return [
        {
            stage: "T-1",
            title: `Start ${to}'s primary as a streaming replica of ${from}'s primary and watch it catch up`,
            commands: [
                on(
                    "SOURCE_DB",
                    psql(
                        from,
                        "SELECT pg_create_physical_replication_slot('migration') WHERE NOT EXISTS (SELECT 1 FROM pg_replication_slots WHERE slot_name = 'migration')",
                    ),
                ),
                on("TARGET_DB", `systemctl stop ${DATA_NODE.postgresUnit}`),
                on(
                    "TARGET_DB",
                    `sudo -u postgres pg_basebackup -h "$SOURCE_DB_PRIVATE" -U replicator -D ${DATA_NODE.pgData}.migration -R -X stream -S migration -P`,
                ),
                on(
                    "TARGET_DB",
                    `mv ${DATA_NODE.pgData} ${DATA_NODE.pgData}.empty && mv ${DATA_NODE.pgData}.migration ${DATA_NODE.pgData} && systemctl start ${DATA_NODE.postgresUnit}`,
                ),
                on("SOURCE_DB", psql(from, "SELECT client_addr, state, replay_lag FROM pg_stat_replication")),
            ],
        },
    ];
}

export function buildRunbook(from: ScalablePhase, to: ProductionPhase): RunbookStep[] {
    const dockerSource = DOCKER_POSTGRES.includes(from);
    const stopWriters = on("SOURCE_APP", compose(`stop ${WRITERS.join(" ")}`));
    const startWriters = on("SOURCE_APP", compose(`start ${WRITERS.join(" ")}`));
    const stopTargetWriters = on("TARGET_APP", compose(`stop ${WRITERS.join(" ")}`));
    return [
        {
            stage: "T-7",
            title: `Review ${to}'s offline plan: resources, monthly cost, policy verdicts`,
            commands: [`npm run plan -- ${to}`, "npm run costs"],
        },
        {
            stage: "T-7",
            title: `Create the ${to} stack with its secrets (each command prompts for the value)`,
            commands: [
                `pulumi stack init ${to}`,
                ...SECRETS.map((k) => `pulumi config set --secret ${k} --stack ${to}`),
            ],
        },
        {
            stage: "T-7",
            title: `Build ${to}'s servers, private network and monitoring beside ${from} (policy pack on)`,
            commands: [
                `pulumi preview --stack ${to} --policy-pack policies`,
                `pulumi up --stack ${to} --policy-pack policies`,
            ],
        },
        {
            stage: "T-7",
            title: "Record the hosts and database names every later step uses",
            commands: hostVars(from, to),
        },
        {
            stage: "T-7",
            title: `Test connectivity and performance: ${from} reaches ${to}'s database, ${to}'s Prometheus scrapes every target`,
            commands: [
                on("TARGET_DB", "pg_isready -h 127.0.0.1 -p 5432"),
                on("SOURCE_APP", 'nc -vz -w 5 "$TARGET_DB" 22'),
                on("TARGET_APP", "curl -fsS http://127.0.0.1:9090/api/v1/targets?state=active"),
                on("TARGET_APP", "curl -fsS http://127.0.0.1:9090/api/v1/rules?type=alert"),
            ],
        },
        ...replicaSteps(from, to),
        {
            stage: "T-1",
            title: "Sync the Meilisearch indexes: dump on the source, import on the target",
            commands: [
                // Inside the container, where the master key is in the environment (busybox wget is in the image).
                on(
                    "SOURCE_APP",
                    compose(
                        `exec -T meilisearch sh -c ${shellQuote(`wget -qO- --post-data= --header "Authorization: Bearer $MEILI_MASTER_KEY" ${MEILI}/dumps`)}`,
                    ),
                ),
                on("SOURCE_APP", compose("cp meilisearch:/meili_data/dumps ./meili-dumps")),
                `scp -r root@"$SOURCE_APP":meili-dumps root@"$TARGET_APP":meili-dumps`,
                on(
                    "TARGET_APP",
                    `${compose("cp ./meili-dumps/. meilisearch:/meili_data/dumps/")} && ${compose("run --rm meilisearch meilisearch --import-dump /meili_data/dumps/$(ls -t ./meili-dumps | head -n 1)")}`,
                ),
            ],
        },
        {
            stage: "T-1",
            title: "Make Redis persistent on the source so the final snapshot carries sessions and queues",
            commands: [
                on(
                    "SOURCE_APP",
                    compose(
                        `exec -T redis sh -c ${shellQuote(`redis-cli --no-auth-warning -a "$(awk '/^requirepass/ {print $2}' ${CONTAINER_PATHS.redisAuth})" CONFIG SET appendonly yes`)}`,
                    ),
                ),
            ],
        },
        {
            stage: "cutover",
            title: "Maintenance mode: stop the writers (api, workers, crawler) so nothing changes during the final sync",
            commands: [stopWriters],
        },
        {
            stage: "cutover",
            title: "Final data sync and a last off-site backup of the source",
            commands: dockerSource
                ? [
                      on("SOURCE_DB", `${SCRIPTS_DIR}/backup-postgres.sh`),
                      copyDatabase("SOURCE_DB", from, "TARGET_DB", to),
                      `test "$(${on("SOURCE_DB", psql(from, "SELECT count(*) FROM pg_stat_user_tables"))})" = "$(${on("TARGET_DB", psql(to, "SELECT count(*) FROM pg_stat_user_tables"))})"`,
                  ]
                : [
                      on("SOURCE_DB", psql(from, "SELECT pg_current_wal_lsn()")),
                      on("TARGET_DB", psql(to, "SELECT pg_last_wal_replay_lsn()")),
                      on("TARGET_DB", "sudo -u postgres psql -Atc 'SELECT pg_promote()'"),
                  ],
        },
        {
            stage: "cutover",
            title: `Update connection strings and switch DNS: ${to}'s stack points the Cloudflare records at its own origin`,
            commands: [
                `pulumi up --stack ${to} --policy-pack policies`,
                `dig +short "$(pulumi config get --path edge.appHost --stack ${to}).$(pulumi config get --path edge.zone --stack ${to})"`,
            ],
        },
        {
            stage: "cutover",
            title: "Verify: the health endpoints answer through Cloudflare, then leave maintenance mode",
            commands: [
                `for url in $(pulumi stack output urls --stack ${to} --json | jq -r '.[]'); do curl -fsS -o /dev/null -w '%{http_code} %{url_effective}\\n' "$url"; done`,
                on("TARGET_APP", compose("ps")),
            ],
        },
        {
            stage: "post-migration",
            title: `Monitor performance: the ${to} scaling alerts must stay quiet and the advisor must say stay`,
            commands: [
                on("TARGET_APP", "curl -fsS http://127.0.0.1:9090/api/v1/alerts"),
                `npm run advise -- --prometheus http://127.0.0.1:9090 --phase ${to}`,
            ],
        },
        {
            stage: "post-migration",
            title: "Update backup procedures: run and check the first backup on the new primary",
            commands: [
                on("TARGET_DB", `systemctl start ${DATA_NODE.backupUnit}`),
                on("TARGET_DB", "systemctl list-timers 'phase-stacks-*'"),
            ],
        },
        {
            stage: "rollback",
            title: `Keep ${from} running for 48 hours: do not destroy its stack before this date`,
            commands: [
                `pulumi stack tag set rollback-until "$(date -u -d '+48 hours' +%FT%TZ)" --stack ${from}`,
            ],
        },
        {
            stage: "rollback",
            title: `One-command rollback within the 48 hours: copy the data back, point DNS at ${from}, restart its writers`,
            commands: [
                `${stopTargetWriters} && ${copyDatabase("TARGET_DB", to, "SOURCE_DB", from)} && pulumi up --stack ${from} --policy-pack policies --yes && ${startWriters}`,
            ],
        },
        {
            stage: "rollback",
            title: `After 48 quiet hours: retire ${from} (its protected resources need unprotecting first)`,
            commands: [`pulumi state unprotect --all --stack ${from}`, `pulumi destroy --stack ${from}`],
        },
    ];
}
