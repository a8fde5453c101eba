/**
 * Phase 5's `kubernetes.platform`: what the platform on the cluster keeps and how big it may grow. Sizes are
 * GiB of Hetzner volumes, which come in whole GiB from 10 up.
 */
import { VOLUME_MIN_GB } from "../catalog/hetzner";
import { z } from "zod";

const VolumeGi = z
    .number()
    .int()
    .min(VOLUME_MIN_GB, `must be at least ${VOLUME_MIN_GB}: Hetzner volumes start at ${VOLUME_MIN_GB} GiB`)
    .max(10_240);

export const Platform = z
    .object({
        postgres: z
            .object({
                /** CloudNativePG instances: a primary and synchronous standbys; the data volume is `postgres.volumeGb`. */
                instances: z
                    .number()
                    .int()
                    .min(1)
                    .max(9)
                    .refine(
                        (n) => n % 2 === 1,
                        "must be odd (3, 5, 7 or 9, or 1 for a throwaway cluster): with 2, losing the one standby stops every commit",
                    )
                    .default(3),
                walStorageGi: VolumeGi.default(10),
            })
            .strict()
            .prefault({}),
        redis: z
            .object({ storageGi: VolumeGi.default(10) })
            .strict()
            .prefault({}),
        meilisearch: z
            .object({ storageGi: VolumeGi.default(10) })
            .strict()
            .prefault({}),
        /** The application's Deployments autoscale from their configured replicas up to this multiple. */
        maxReplicasFactor: z.number().int().min(1).max(10).default(3),
        observability: z
            .object({
                metricsRetentionDays: z.number().int().min(1).max(400).default(15),
                metricsStorageGi: VolumeGi.default(20),
                logsRetentionDays: z.number().int().min(1).max(400).default(14),
                logsStorageGi: VolumeGi.default(20),
            })
            .strict()
            .prefault({}),
    })
    .strict();
export type PlatformConfig = z.output<typeof Platform>;
