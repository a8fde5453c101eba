/** What counts as stateful: the resources whose loss loses data, and so must never be deleted by a deploy. */
import { z } from "zod";
import { isTenantNamespace } from "../lib/labels";
import type { Judged } from "../lib/policy";
import { stringMap } from "../lib/read";
import { T } from "../lib/types";

export const statefulRoles = z
    .array(z.string())
    .default(["database", "postgres", "redis"])
    .describe('hcloud Server `role` labels that make a server stateful even without stateful="true".');

export const statefulTypes = z
    .array(z.string())
    .default([T.hcloudVolume, T.dockerVolume, "kubernetes:postgresql.cnpg.io/v1:Cluster"])
    .describe("Resource types that always hold data.");

/** Why a resource is stateful, or undefined when it is not. */
export function statefulReason(r: Judged, roles: readonly string[], types: readonly string[]): string | undefined {
    if (r.type === T.hcloudServer) {
        const labels = stringMap(r.props["labels"]);
        if (labels["stateful"] === "true") return 'it is labelled stateful="true"';
        const role = labels["role"];
        if (role !== undefined && roles.includes(role)) return `its role is "${role}"`;
        return undefined;
    }
    if (r.type === T.k8sNamespace) return isTenantNamespace(r.props) ? "it is a tenant namespace (deleting it deletes its volumes)" : undefined;
    return types.includes(r.type) ? "it holds data" : undefined;
}
