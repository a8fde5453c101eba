/**
 * pg_hba.conf of a data-tier node: local superuser by peer, the application from its hosts and replication from
 * the database nodes with scram-sha-256, everything else rejected (first match wins, so the reject line is last).
 */
import { isIP } from "node:net";
import { parseCidr } from "../../config/net";
import { crossRegionHbaRows } from "./crossRegion";

export interface PgHbaSpec {
    readonly database: string;
    readonly appUser: string;
    readonly replicationUser: string;
    /** The private subnet, e.g. 10.0.1.0/24 (and 127.0.0.1/32 for PgBouncer and health checks on the host). */
    readonly allowedCidrs: readonly string[];
    /** Replication and pg_rewind only from these (the other database nodes); the allowed CIDRs when unset. */
    readonly peerCidrs?: readonly string[];
    /** Patroni's pg_rewind role, allowed from the peers. */
    readonly rewindUser?: string;
    /**
     * Phase 4: the other regions' database nodes (public IPv4s). Replication and pg_rewind from each over TLS only,
     * with a password and a client certificate whose CN is the user.
     */
    readonly sslPeerAddresses?: readonly string[];
}

/** The rows, first match wins: the local superuser by peer, then the allowed sources, then a reject for the rest. */
export function pgHbaRows(spec: PgHbaSpec): string[][] {
    const peers = spec.peerCidrs ?? spec.allowedCidrs;
    for (const c of [...spec.allowedCidrs, ...peers])
        if (!parseCidr(c)) throw new Error(`pg_hba: '${c}' is not a CIDR such as 10.0.1.0/24`);
    for (const [field, v] of Object.entries({
        database: spec.database,
        appUser: spec.appUser,
        replicationUser: spec.replicationUser,
        ...(spec.rewindUser ? { rewindUser: spec.rewindUser } : {}),
    }))
        if (!/^[a-z_][a-z0-9_]{0,62}$/.test(v))
            throw new Error(`pg_hba: ${field} '${v}' is not an identifier`);
    for (const ip of spec.sslPeerAddresses ?? [])
        if (isIP(ip) !== 4) throw new Error(`pg_hba: sslPeerAddresses '${ip}' is not an IPv4 address`);
    return [
        ["local", "all", "postgres", "", "peer"],
        // The base backup timer runs pg_basebackup as the local superuser.
        ["local", "replication", "postgres", "", "peer"],
        ...spec.allowedCidrs.map((c) => ["host", spec.database, spec.appUser, c, "scram-sha-256"]),
        ...peers.flatMap((c) => [
            ["host", "replication", spec.replicationUser, c, "scram-sha-256"],
            // pg_rewind and the health responder read catalog state over the postgres database.
            ["host", "postgres", spec.replicationUser, c, "scram-sha-256"],
            ...(spec.rewindUser ? [["host", "postgres", spec.rewindUser, c, "scram-sha-256"]] : []),
        ]),
        ...crossRegionHbaRows(spec.sslPeerAddresses ?? [], {
            replication: spec.replicationUser,
            ...(spec.rewindUser ? { rewind: spec.rewindUser } : {}),
        }),
        ["host", "all", "all", "0.0.0.0/0", "reject"],
        ["host", "all", "all", "::/0", "reject"],
    ];
}

export function renderPgHba(spec: PgHbaSpec): string {
    const rows = pgHbaRows(spec);
    const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((r) => (r[i] ?? "").length)));
    return (
        [
            "# phase-stacks: who may connect. Replication only from the private subnet, with scram-sha-256.",
            ...rows.map((r) => r.map((f, i) => (i < 4 ? f.padEnd(widths[i] ?? 0) : f)).join(" ")),
        ].join("\n") + "\n"
    );
}
