/**
 * Phase 5's `kubernetes`: a k3s cluster on Hetzner, its control plane and its node pools. Odd control-plane
 * counts only: embedded etcd needs a majority, and an even count adds a member without adding a failure it
 * survives.
 */
import { z } from "zod";
import type { PlacedType } from "./placement";
import { DnsLabel, ServerTypeEnum } from "./sections";

export const ControlPlane = z
    .object({
        type: ServerTypeEnum,
        count: z
            .number()
            .int()
            .min(1)
            .max(7)
            .refine((n) => n % 2 === 1, "must be odd (1, 3, 5 or 7): etcd needs a majority of its members")
            .default(3),
    })
    .strict();

export const NodePool = z
    .object({
        /** Names the pool's servers and its node label. */
        name: DnsLabel,
        type: ServerTypeEnum,
        min: z.number().int().min(0).max(100),
        max: z.number().int().min(1).max(100),
    })
    .strict()
    .refine((p) => p.max >= p.min, { message: "must be at least min", path: ["max"] });

export const Kubernetes = z
    .object({
        /** The k3s release every node installs, pinned. */
        version: z.string().regex(/^v\d+\.\d+\.\d+\+k3s\d+$/, "must be a k3s release such as v1.31.4+k3s1"),
        controlPlane: ControlPlane,
        nodePools: z.array(NodePool).min(1, "needs at least one pool for workloads"),
    })
    .strict()
    .superRefine((k, ctx) => {
        const names = k.nodePools.map((p) => p.name);
        names.forEach((n, i) => {
            if (names.indexOf(n) !== i)
                ctx.addIssue({
                    code: "custom",
                    path: ["nodePools", i, "name"],
                    message: "names another pool too: pool names must differ",
                });
        });
    });
export type KubernetesConfig = z.output<typeof Kubernetes>;

/** The cluster's server types and the keys that set them. */
export function kubernetesTypes(k: KubernetesConfig): PlacedType[] {
    return [
        { path: ["kubernetes", "controlPlane", "type"], type: k.controlPlane.type },
        ...k.nodePools.map((p, i) => ({ path: ["kubernetes", "nodePools", i, "type"], type: p.type })),
    ];
}
