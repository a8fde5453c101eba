/** Checkov CKV_K8S_11/13: every container in a pod template has CPU and memory limits, within its pool tier. */
import { z } from "zod";
import { TIER_LABEL, k8sNamespace } from "../lib/labels";
import { CHECKOV_KUBERNETES, resourcePolicy, type Problem } from "../lib/policy";
import { isPodWorkload } from "../lib/typeTokens";
import { podTemplateOf } from "../sandbox/podTemplate";
import { arr, type Container, type Resources } from "../sandbox/pss/types";
import { MIB, parseQuantity, SHARES_PER_CPU } from "./quantity";
import { tiersConfig } from "./tiers";

const ID = { cpu: "Checkov CKV_K8S_11", memory: "Checkov CKV_K8S_13" } as const;

function limit(res: Resources | undefined, key: "cpu" | "memory"): number | undefined {
    return parseQuantity(res?.limits?.[key]);
}

/** The CPU a container is weighted by: its request, which defaults to its limit. */
function cpuRequest(c: Container): number | undefined {
    return parseQuantity(c.resources?.requests?.["cpu"]) ?? limit(c.resources, "cpu");
}

const sum = (xs: (number | undefined)[]) =>
    xs.every((x) => x !== undefined) ? xs.reduce<number>((a, b) => a + (b ?? 0), 0) : undefined;

export const k8sResourceLimits = resourcePolicy({
    name: "k8s-resource-limits",
    description:
        "Every container of every pod template sets limits.cpu and limits.memory (or the pod sets spec.resources.limits); a pod labelled phase-stacks/tier stays within that tier.",
    concern: "caps",
    level: "mandatory",
    severity: "high",
    framework: { ...CHECKOV_KUBERNETES, id: "CKV_K8S_11/CKV_K8S_13" },
    remediation:
        'Set resources.limits {cpu: "500m", memory: "256Mi"} on each container (and requests for scheduling).',
    config: z.strictObject({
        tiers: tiersConfig,
        exemptNamespaces: z.array(z.string()).default([]).describe("Namespaces whose pods are not judged."),
    }),
    appliesTo: isPodWorkload,
    judge: (r, config) => {
        const pod = podTemplateOf(r.type, r.props);
        if (!pod || config.exemptNamespaces.includes(k8sNamespace(r.props))) return [];
        const problems: Problem[] = [];
        const podLimits = pod.spec.resources;
        const containers = arr(pod.spec.containers);
        for (const c of [...arr(pod.spec.initContainers), ...containers]) {
            for (const key of ["cpu", "memory"] as const) {
                if (limit(c.resources, key) === undefined && limit(podLimits, key) === undefined) {
                    problems.push({
                        field: `${pod.field} container "${c.name ?? ""}" resources.limits.${key}`,
                        problem: "is not set",
                        fix: `set resources.limits.${key}`,
                        id: ID[key],
                    });
                }
            }
        }
        const tierName = pod.meta.labels?.[TIER_LABEL];
        if (tierName === undefined) return problems;
        const tier = config.tiers[tierName];
        const tierField = `${pod.field.replace(/spec$/, "metadata")}.labels["${TIER_LABEL}"]`;
        if (!tier) {
            return [
                ...problems,
                {
                    field: tierField,
                    problem: `is "${tierName}", which is not a configured tier`,
                    fix: "use a configured tier or add it to the pack config",
                },
            ];
        }
        const memory = limit(podLimits, "memory") ?? sum(containers.map((c) => limit(c.resources, "memory")));
        if (memory !== undefined && memory > tier.memoryMb * MIB) {
            problems.push({
                field: `${pod.field} limits.memory`,
                problem: `totals ${Math.round(memory / MIB)}Mi, above the ${tierName} tier maximum of ${tier.memoryMb}Mi`,
                fix: `lower it to at most ${tier.memoryMb}Mi`,
            });
        }
        const cpu = sum(containers.map(cpuRequest));
        const maxCpu = tier.cpuShares / SHARES_PER_CPU;
        if (cpu !== undefined && cpu > maxCpu) {
            problems.push({
                field: `${pod.field} requests.cpu`,
                problem: `totals ${cpu * 1000}m, above the ${tierName} tier's ${tier.cpuShares} shares (${maxCpu * 1000}m)`,
                fix: `lower it to at most ${maxCpu * 1000}m`,
            });
        }
        return problems;
    },
});
