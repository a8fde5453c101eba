/** Labels the program puts on resources, which decide what the pack treats as stateful, tenant or tiered. */
import { at, stringMap } from "./read";

/** On a kubernetes Namespace: the namespace holds one tenant's workloads and data. */
export const TENANT_LABEL = "phase-stacks/tenant";
/** On a docker Volume: what it holds ("data", "config", "secrets"); only data volumes are stateful. */
export const CONTENTS_LABEL = "phase-stacks/contents";
/** On a docker Container or a pod template: the ClawHQ pool tier whose resource maxima apply. */
export const TIER_LABEL = "phase-stacks/tier";

/** metadata.labels of a Kubernetes object. */
export function k8sLabels(props: unknown): Record<string, string> {
    return stringMap(at(props, "metadata", "labels"));
}

export function isTenantNamespace(props: unknown): boolean {
    return TENANT_LABEL in k8sLabels(props);
}

/** metadata.name of a Kubernetes object (Pulumi auto-names it from the resource name when unset). */
export function k8sName(props: unknown, resourceName: string): string {
    const n = at(props, "metadata", "name");
    return typeof n === "string" ? n : resourceName;
}

export function k8sNamespace(props: unknown): string {
    const ns = at(props, "metadata", "namespace");
    return typeof ns === "string" ? ns : "default";
}
