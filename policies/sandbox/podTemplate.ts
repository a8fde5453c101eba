/** The pod template inside any Kubernetes workload, as the PSS judge and the caps/secrets policies read it. */
import { at, rec } from "../lib/read";
import { podTemplatePath } from "../lib/typeTokens";
import type { PodMetadata, PodSpec } from "./pss/types";

export interface PodTemplate {
    readonly spec: PodSpec;
    readonly meta: PodMetadata;
    /** Where the pod spec sits in the resource's props, for messages ("spec" or "spec.template.spec"). */
    readonly field: string;
}

export function podTemplateOf(type: string, props: unknown): PodTemplate | undefined {
    const path = podTemplatePath(type);
    if (path === undefined) return undefined;
    const template = path.length ? at(props, ...path) : props;
    const spec = rec(at(template, "spec"));
    if (!spec) return undefined;
    return {
        spec,
        meta: rec(at(template, "metadata")) ?? {},
        field: [...path, "spec"].join("."),
    };
}
