/**
 * postgres_exporter on a database node, and the scrape job that reads it. The node runs Debian's and Ubuntu's
 * `prometheus-postgres-exporter` package (0.11.1 on Debian bookworm, where the tests run it; Ubuntu 24.04 ships a
 * later 0.1x): its unit, with a drop-in of ours that replaces the command line and the environment, so the
 * package's defaults (`/etc/default/prometheus-postgres-exporter`: no DSN, listening on every interface) never
 * apply, not even on the first start that the package's postinst does (cloud-init writes files before it installs
 * packages). Only what both versions share is used: `--web.listen-address` and `DATA_SOURCE_NAME`, and metric
 * names both have (`pg_up`, `pg_database_size_bytes`, the replication series of replicationRules.ts).
 *
 * It connects over the local Unix socket as the `postgres` OS user, so peer authentication lets it in as the
 * `postgres` role with no password anywhere: pg_hba.conf (pgHba.ts) admits local connections for that role only.
 * A least-privileged role (pg_monitor) would need its own `local ... peer` row there and a role of its own: not yet.
 */
import type { RenderedFile } from "../base/artifact";
import { renderIni } from "../base/ini";
import { UNIT_DIR } from "../base/systemd";
import { labelledTargets, privateListen, type ScrapeHost } from "./scrapeTargets";

export const POSTGRES_EXPORTER = {
    package: "prometheus-postgres-exporter",
    unit: "prometheus-postgres-exporter.service",
    binary: "/usr/bin/prometheus-postgres-exporter",
    port: 9187,
    dropIn: `${UNIT_DIR}/prometheus-postgres-exporter.service.d/10-phase-stacks.conf`,
} as const;

/** The job name the replication rules' tests and the scaling triggers' series carry. */
export const POSTGRES_SCRAPE_JOB = "postgres";

export interface PostgresExporterSpec {
    /** The node's private address: the only one the exporter listens on. */
    readonly listenIp: string;
    readonly socketDir: string;
    readonly pgPort: number;
    /** The unit that runs PostgreSQL here (Patroni's): the exporter starts after it. */
    readonly after: string;
}

/** libpq key/value connection string: the local socket as the peer-authenticated superuser, no password. */
export function postgresExporterDsn(socketDir: string, pgPort: number): string {
    if (!/^\/[A-Za-z0-9_./-]*$/.test(socketDir))
        throw new Error(`postgresExporter: socketDir '${socketDir}'`);
    if (!Number.isInteger(pgPort) || pgPort < 1 || pgPort > 65535)
        throw new Error(`postgresExporter: pgPort ${pgPort}`);
    return `host=${socketDir} port=${pgPort} user=postgres dbname=postgres sslmode=disable`;
}

/** The packaged unit's drop-in: the empty `EnvironmentFile=` and `ExecStart=` drop the package's own. */
export function renderPostgresExporter(spec: PostgresExporterSpec): RenderedFile[] {
    const listen = privateListen("postgresExporter", spec.listenIp, POSTGRES_EXPORTER.port);
    const dsn = postgresExporterDsn(spec.socketDir, spec.pgPort);
    return [
        {
            path: POSTGRES_EXPORTER.dropIn,
            content: renderIni(
                {
                    Unit: {
                        // The private address must be up to bind it; PostgreSQL may come later (pg_up 0 until then).
                        Wants: "network-online.target",
                        After: `network-online.target ${spec.after}`,
                    },
                    Service: {
                        User: "postgres",
                        EnvironmentFile: "",
                        Environment: `"DATA_SOURCE_NAME=${dsn}"`,
                        ExecStart: ["", `${POSTGRES_EXPORTER.binary} --web.listen-address=${listen}`],
                        // The package's postinst may start it before the postgres user exists: keep retrying.
                        Restart: "always",
                        RestartSec: "10s",
                        NoNewPrivileges: true,
                    },
                },
                [
                    "Written by phase-stacks: postgres_exporter on the private address only, through the local socket.",
                ],
            ),
            kind: "systemd",
            permissions: "0644",
        },
    ];
}

/** A database node: the Patroni member name (pg1, pg2, ...) as the series' `node` label, and its private address. */
export type DatabaseNodeTarget = ScrapeHost;

/** The `postgres` job: each node's exporter on its private address, labelled with the member's name. */
export function postgresScrapeTargets(
    nodes: readonly DatabaseNodeTarget[],
): ReturnType<typeof labelledTargets> {
    return labelledTargets(POSTGRES_SCRAPE_JOB, nodes, POSTGRES_EXPORTER.port);
}
