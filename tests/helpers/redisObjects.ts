/**
 * What the Redis tests share: the renderer's input, the password the fixtures generate, and typed views of the
 * rendered StatefulSet (tests/core/k8s/redis.test.ts checks the objects, tests/integration/k8sRedisSentinel.test.ts
 * runs their start script).
 */
import type { KubeObject } from "../../core/k8s/objects";
import type { RedisObjectsInput } from "../../core/k8s/redis";
import type { PodMetadata, PodSpec } from "../../policies/sandbox/pss/types";
import { distinctiveSecrets, WORKLOAD } from "../render/fixtures";

type Json = Record<string, unknown>;

export const INPUT: RedisObjectsInput = {
    namespace: "data",
    redis: WORKLOAD.redis,
    passwordSecret: "redis-auth",
    storageGi: 20,
};
export const PASSWORD = distinctiveSecrets().redisPassword;

export function only(objects: readonly KubeObject[], kind: string, name?: string): Json {
    const found = objects.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
    if (found.length !== 1) throw new Error(`expected one ${kind} ${name ?? ""}, found ${found.length}`);
    return found[0] as Json;
}

export interface Container {
    name: string;
    image: string;
    command: string[];
    env: { name: string; value?: string; valueFrom?: Json }[];
    resources: { requests: Record<string, string>; limits: Record<string, string> };
    volumeMounts: { name: string; mountPath: string }[];
    securityContext: Json;
    readinessProbe: { exec: { command: string[] } };
}
export interface StatefulSetSpec {
    serviceName: string;
    replicas: number;
    selector: { matchLabels: Record<string, string> };
    template: { metadata: PodMetadata & { labels: Record<string, string> }; spec: PodSpec & Json };
    volumeClaimTemplates: { metadata: { name: string }; spec: Json }[];
    persistentVolumeClaimRetentionPolicy: Json;
}
export const stsOf = (objects: readonly KubeObject[]) =>
    only(objects, "StatefulSet")["spec"] as StatefulSetSpec;
export const containers = (objects: readonly KubeObject[]) =>
    stsOf(objects).template.spec["containers"] as unknown as Container[];
