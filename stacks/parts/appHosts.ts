/**
 * The application hosts of phases 2-3 (app server, frontend, backends): stateless servers whose cloud-config
 * the composition renders from config; the components only receive it as an input.
 */
import * as pulumi from "@pulumi/pulumi";
import { DATA_UNITS, renderSentinelFiles } from "../../core/render/data/dataNode";
import { renderServiceHost } from "../../core/render/machines/serviceHost";
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
}

/** A stateless app host's cloud-config, secret because it carries the stack's credentials. */
export function appHostUserData(
    c: CloudStackConfig,
    stack: string,
    hostnames: Hostnames,
    secrets: pulumi.Output<StackSecrets<keyof typeof REPLICATED_SERVICE_PASSWORDS>>,
    h: AppHostSpec,
): { userData: pulumi.Output<string>; memory: ReturnType<typeof hostMemory> } {
    const memory = hostMemory(c, h.name, h.serverType, h.placement.local, []);
    const redisPort = c.workload.redis.port;
    const userData = pulumi.secret(
        secrets.apply(
            (s) =>
                renderServiceHost({
                    stack,
                    phase: c.phase,
                    workload: c.workload,
                    reservationsMb: memory.reservationsMb,
                    placement: h.placement,
                    hostnames,
                    postgres: { database: c.postgres.database, user: c.postgres.user },
                    secrets: s,
                    ...(h.sentinelOf
                        ? {
                              extra: {
                                  files: renderSentinelFiles({
                                      privateIp: h.ip,
                                      primaryIp: h.sentinelOf,
                                      redisPort,
                                      quorum: SENTINEL_QUORUM,
                                      password: s.redisPassword,
                                  }),
                                  packages: ["redis-sentinel"],
                                  runcmd: [
                                      ["systemctl", "disable", "--now", "redis-sentinel.service"],
                                      ["systemctl", "daemon-reload"],
                                      ["systemctl", "enable", "--now", DATA_UNITS.sentinel],
                                  ],
                              },
                          }
                        : {}),
                }).cloudConfig,
        ),
    );
    return { userData, memory };
}
