/**
 * The whole user data of a database node: the data tier's native daemons (dataNode.ts) plus the node's Docker
 * host (Meilisearch and monitoring where placed), assembled by the same service-host renderer as every other
 * host of phases 2-3.
 */
import type { RenderedFile } from "../base/artifact";
import { renderDataNode, type DataNodeSpec } from "../data/dataNode";
import type { ServiceSecrets } from "../app/secrets";
import { renderServiceHost, type ServiceHostSpec } from "./serviceHost";

export interface DatabaseHostSpec extends Omit<DataNodeSpec, "secrets"> {
    readonly host: Omit<ServiceHostSpec, "stack" | "workload" | "postgres" | "secrets" | "extra">;
    readonly secrets: DataNodeSpec["secrets"] & ServiceSecrets;
}

export function renderDatabaseHost(spec: DatabaseHostSpec): {
    readonly files: RenderedFile[];
    readonly cloudConfig: string;
} {
    const data = renderDataNode(spec);
    return renderServiceHost({
        ...spec.host,
        stack: spec.stack,
        workload: spec.workload,
        postgres: { database: spec.postgres.database, user: spec.postgres.user },
        secrets: spec.secrets,
        extra: data,
    });
}
