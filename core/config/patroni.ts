/**
 * The config of automatic failover (phase 3's data tier, and each region of phase 4 after it): Patroni's timings and
 * synchronous mode, and where etcd's members run. Lives under `replication.patroni`.
 */
import { z } from "zod";

/** Where the third etcd member runs when there are only two database nodes. */
export const ETCD_WITNESSES = ["frontend", "none"] as const;
export type EtcdWitness = (typeof ETCD_WITNESSES)[number];

export const Patroni = z
    .object({
        /**
         * With `replication.synchronous`. false: with no synchronous standby left the primary keeps taking writes (a later failover may lose what it
         * took alone). true: commits wait until a synchronous standby is back, so writes stop while it is down.
         */
        synchronousStrict: z.boolean().default(false),
        /** Seconds the leader key lives without a refresh: the longest a dead primary holds the role. */
        ttlSeconds: z.number().int().min(8).max(300).default(30),
        /** Seconds between Patroni's cycles. */
        loopWaitSeconds: z.number().int().min(1).max(60).default(10),
        /** Seconds Patroni retries etcd and Postgres before it demotes a primary it cannot confirm. */
        retryTimeoutSeconds: z.number().int().min(2).max(120).default(10),
        /** A replica further behind than this may not become the primary (maximum_lag_on_failover). */
        maximumLagOnFailoverMb: z.number().int().min(0).max(10_240).default(1),
        /** The reader endpoint drops a replica further behind than this (`/replica?lag=`). */
        readerMaxLagMb: z.number().int().min(1).max(10_240).default(16),
        /** The third etcd member beside two database nodes: the frontend host, or none (then add a replica). */
        etcdWitness: z.enum(ETCD_WITNESSES).default("frontend"),
    })
    .strict()
    .superRefine((p, ctx) => {
        if (p.loopWaitSeconds + 2 * p.retryTimeoutSeconds > p.ttlSeconds)
            ctx.addIssue({
                code: "custom",
                path: ["ttlSeconds"],
                message:
                    "must be at least loopWaitSeconds + 2 x retryTimeoutSeconds, or a primary loses its key while still retrying",
            });
    });
export type PatroniConfig = z.output<typeof Patroni>;

/** The reader endpoints' lag bound in bytes, as Patroni's `/replica?lag=` takes it. */
export const readerMaxLagBytes = (p: PatroniConfig): number => p.readerMaxLagMb * 1024 * 1024;

/** How many etcd members a data tier of `databaseNodes` runs, and on which extra host. */
export function etcdMembers(
    databaseNodes: number,
    witness: EtcdWitness,
): { count: number; witness: boolean } {
    const extra = databaseNodes === 2 && witness === "frontend";
    return { count: databaseNodes + (extra ? 1 : 0), witness: extra };
}

/**
 * The replication section's checks: etcd needs an odd number of members (3 survives one loss, 4 no better), and
 * strict mode is a kind of synchronous mode.
 */
export function replicationIssues(r: {
    readonly replicas: number;
    readonly synchronous: boolean;
    readonly patroni: PatroniConfig;
}): { path: (string | number)[]; message: string }[] {
    const strict =
        r.patroni.synchronousStrict && !r.synchronous
            ? [
                  {
                      path: ["patroni", "synchronousStrict"],
                      message: "needs replication.synchronous: true; set both, or synchronousStrict to false",
                  },
              ]
            : [];
    const nodes = r.replicas + 1;
    const { count } = etcdMembers(nodes, r.patroni.etcdWitness);
    if (count >= 3 && count % 2 === 1) return strict;
    const fix =
        nodes === 2
            ? "set replication.patroni.etcdWitness to frontend, or replication.replicas to 2"
            : `set replication.replicas to ${nodes % 2 === 0 ? r.replicas - 1 : r.replicas + 1} (an odd node count)`;
    return [
        ...strict,
        {
            path: nodes === 2 ? ["patroni", "etcdWitness"] : ["replicas"],
            message: `gives ${count} etcd member${count === 1 ? "" : "s"}: a quorum needs an odd count of at least 3; ${fix}`,
        },
    ];
}
