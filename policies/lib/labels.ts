/** Labels the program puts on resources, which decide what the pack treats as stateful, tenant or tiered. */
import { TENANT_LABEL } from "../../core/contracts/labels";
import { at, stringMap } from "./read";

export { CONTENTS_LABEL, TENANT_LABEL, TIER_LABEL } from "../../core/contracts/labels";

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
