/** What counts as stateful: the resources whose loss loses data, and so must never be deleted by a deploy. */
import { z } from "zod";
import { CONTENTS_LABEL, isTenantNamespace } from "../lib/labels";
import type { Judged } from "../lib/policy";
import { at, stringMap } from "../lib/read";
import { T } from "../lib/typeTokens";
import { labels } from "../sandbox/docker/container";

export const statefulRoles = z
    .array(z.string())
    .default(["database", "postgres", "redis"])
    .describe('hcloud Server `role` labels that make a server stateful even without stateful="true".');

export const statefulTypes = z
    .array(z.string())
    .default([T.hcloudVolume, T.dockerVolume, "kubernetes:postgresql.cnpg.io/v1:Cluster"])
    .describe(
        'Resource types that hold data (docker Volumes labelled phase-stacks/contents other than "data" excepted).',
    );

/** Why a resource is stateful, or undefined when it is not. */
export function statefulReason(
    r: Judged,
    roles: readonly string[],
    types: readonly string[],
): string | undefined {
    if (r.type === T.hcloudServer) {
        const labels = stringMap(r.props["labels"]);
        if (labels["stateful"] === "true") return 'it is labelled stateful="true"';
        const role = labels["role"];
        if (role !== undefined && roles.includes(role)) return `its role is "${role}"`;
        return undefined;
    }
    if (r.type === T.k8sNamespace)
        return isTenantNamespace(r.props)
            ? "it is a tenant namespace (deleting it deletes its volumes)"
            : undefined;
    if (r.type === T.k8sStatefulSet)
        return Array.isArray(at(r.props, "spec", "volumeClaimTemplates"))
            ? "it claims volumes for its pods' data"
            : undefined;
    if (!types.includes(r.type)) return undefined;
    // Docker volumes that carry rendered config or secret files are rebuilt from the program; unlabelled ones count as data.
    const contents = r.type === T.dockerVolume ? labels(r.props)[CONTENTS_LABEL] : undefined;
    return contents === undefined || contents === "data" ? "it holds data" : undefined;
}
