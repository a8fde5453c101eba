/**
 * The application hosts of phases 2-3 (app server, frontend, backends): stateless servers whose cloud-config
 * the composition renders from config; the components only receive it as an input.
 */
import * as pulumi from "@pulumi/pulumi";
import { DATA_UNITS, renderSentinelFiles } from "../../core/render/data/dataNode";
import { renderServiceHost } from "../../core/render/machines/serviceHost";
import type { PrometheusInputs } from "../../core/render/monitoring/monitoring";
import type { AlertReceiverSpec } from "../../core/render/monitoring/alertmanager";
import type { RenderedFile } from "../../core/render/base/artifact";
import { ETCD_UNIT } from "../../core/render/data/etcd";
import type { HostPlacement } from "../../core/topology/placement";
import type { CloudStackConfig } from "../../core/config/schema";
import type { REPLICATED_SERVICE_PASSWORDS, StackSecrets } from "./credentials";
import type { Hostnames } from "./edge";
import { SENTINEL_QUORUM } from "./dataTier";
import { hostMemory } from "./memory";

export interface AppHostSpec {
    readonly name: string;
    readonly serverType: string;
    readonly ip: string;
    readonly placement: HostPlacement;
    /** Runs one of the three Redis Sentinels, watching this primary. */
    readonly sentinelOf?: string;
    /** The host running Prometheus: the region's database nodes to scrape, and phase 4's replication rules. */
    readonly prometheus?: PrometheusInputs;
    /** Phase 4 backends: the region's database nodes' role health endpoints (`host:port`), for writes' health. */
    readonly writableFrom?: readonly string[];
    /** Runs the data tier's third etcd member (beside two database nodes): its files. */
    readonly etcdWitness?: pulumi.Output<RenderedFile[]>;
}

/** A stateless app host's cloud-config, secret because it carries the stack's credentials. */
export function appHostUserData(
    c: Pick<CloudStackConfig, "phase" | "workload" | "memory" | "postgres"> & {
        readonly alertReceiver?: AlertReceiverSpec | undefined;
    },
    stack: string,
    hostnames: Hostnames,
    secrets: pulumi.Output<StackSecrets<keyof typeof REPLICATED_SERVICE_PASSWORDS>>,
    h: AppHostSpec,
): { userData: pulumi.Output<string>; memory: ReturnType<typeof hostMemory> } {
    const memory = hostMemory(c, h.name, h.serverType, h.placement.local, []);
    const redisPort = c.workload.redis.port;
    const userData = pulumi.secret(
        pulumi.all([secrets, h.etcdWitness ?? []]).apply(([s, witness]) => {
            const sentinel = h.sentinelOf
                ? renderSentinelFiles({
                      privateIp: h.ip,
                      primaryIp: h.sentinelOf,
                      redisPort,
                      quorum: SENTINEL_QUORUM,
                      password: s.redisPassword,
                  })
                : [];
            // The packages' own units would run default configs on the same ports.
            const packaged = [
                ...(h.sentinelOf ? ["redis-sentinel.service"] : []),
                ...(witness.length > 0 ? ["etcd.service"] : []),
            ];
            const units = [
                ...(h.sentinelOf ? [DATA_UNITS.sentinel] : []),
                ...(witness.length > 0 ? [ETCD_UNIT] : []),
            ];
            return renderServiceHost({
                stack,
                hostName: h.name,
                phase: c.phase,
                workload: c.workload,
                reservationsMb: memory.reservationsMb,
                placement: h.placement,
                hostnames,
                postgres: { database: c.postgres.database, user: c.postgres.user },
                secrets: s,
                ...(h.writableFrom ? { writableFrom: h.writableFrom } : {}),
                ...(h.prometheus ? { prometheus: h.prometheus } : {}),
                ...(c.alertReceiver ? { alertReceiver: c.alertReceiver } : {}),
                ...(units.length > 0
                    ? {
                          extra: {
                              files: [...sentinel, ...witness],
                              packages: [
                                  ...(h.sentinelOf ? ["redis-sentinel"] : []),
                                  ...(witness.length > 0 ? ["etcd-server", "etcd-client"] : []),
                              ],
                              runcmd: [
                                  ["systemctl", "disable", "--now", ...packaged],
                                  ["systemctl", "daemon-reload"],
                                  ["systemctl", "enable", "--now", ...units],
                              ],
                          },
                      }
                    : {}),
            }).cloudConfig;
        }),
    );
    return { userData, memory };
}
