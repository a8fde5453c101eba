/**
 * Validates Kubernetes objects against the official schemas: kubernetes-models 4.5 (Kubernetes 1.33) for core
 * kinds, and the upstream CRDs vendored in tests/fixtures/crds for custom resources (ajv over each version's
 * openAPIV3Schema; `x-kubernetes-*` keywords are ignored, as the API server's structural check is not here).
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import Ajv, { type ValidateFunction } from "ajv";
import { parse } from "yaml";
import type { KubeObject } from "../../core/k8s/objects";

const CRD_DIR = join(__dirname, "..", "fixtures", "crds");

interface CrdVersion {
    name: string;
    schema?: { openAPIV3Schema?: object };
}
interface Crd {
    spec: { group: string; names: { kind: string }; versions: CrdVersion[] };
}

/** OpenAPI's `nullable` and the `x-kubernetes-*` extensions are not JSON Schema: let ajv pass over them. */
function jsonSchema(node: unknown): unknown {
    if (Array.isArray(node)) return node.map(jsonSchema);
    if (node === null || typeof node !== "object") return node;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(node)) {
        if (k.startsWith("x-kubernetes-") || k === "nullable") continue;
        out[k] =
            k === "properties"
                ? Object.fromEntries(Object.entries(v as object).map(([p, s]) => [p, jsonSchema(s)]))
                : jsonSchema(v);
    }
    return out;
}

/** CRD patterns are Go regular expressions: `(?i)` there is JavaScript's `i` flag. */
const goRegExp = (pattern: string, flags: string) =>
    pattern.includes("(?i)")
        ? new RegExp(pattern.replaceAll("(?i)", ""), `${flags}i`)
        : new RegExp(pattern, flags);
goRegExp.code = "goRegExp";

const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false, code: { regExp: goRegExp } });
let crdSchemas: Map<string, object> | undefined;
const crdValidators = new Map<string, ValidateFunction>();

/** The validator of one custom resource kind, compiled when first asked for (the CNPG schemas are large). */
function crdValidator(key: string): ValidateFunction | undefined {
    if (!crdSchemas) {
        crdSchemas = new Map();
        for (const file of readdirSync(CRD_DIR).filter((f) => f.endsWith(".yaml"))) {
            const crd = parse(readFileSync(join(CRD_DIR, file), "utf8")) as Crd;
            for (const v of crd.spec.versions)
                if (v.schema?.openAPIV3Schema)
                    crdSchemas.set(
                        `${crd.spec.group}/${v.name}/${crd.spec.names.kind}`,
                        v.schema.openAPIV3Schema,
                    );
        }
    }
    const schema = crdSchemas.get(key);
    if (!schema) return undefined;
    let validate = crdValidators.get(key);
    if (!validate) {
        validate = ajv.compile(jsonSchema(schema) as object);
        crdValidators.set(key, validate);
    }
    return validate;
}

/** The kubernetes-models class for an apiVersion and kind, if the package ships one. */
function modelClass(
    apiVersion: string,
    kind: string,
): (new (o: unknown) => { validate(): void }) | undefined {
    try {
        // The package's classes sit one file per kind; a synchronous lookup keeps the helper synchronous.
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const mod = require(`kubernetes-models/${apiVersion}/${kind}`) as Record<string, unknown>;
        return mod[kind] as new (o: unknown) => { validate(): void };
    } catch {
        return undefined;
    }
}

/**
 * The schema problems of one object; empty when it is valid. An object whose kind neither source knows is a
 * problem too, so that nothing passes unchecked.
 */
export function kubeSchemaProblems(o: KubeObject): string[] {
    const where = `${o.kind} ${o.metadata?.namespace ? `${o.metadata.namespace}/` : ""}${o.metadata?.name}`;
    const Model = modelClass(o.apiVersion, o.kind);
    if (Model) {
        try {
            new Model(o).validate();
            return [];
        } catch (e) {
            return [`${where}: ${(e as Error).message}`];
        }
    }
    const validate = crdValidator(`${o.apiVersion}/${o.kind}`);
    if (!validate)
        return [
            `${where}: no schema for ${o.apiVersion} ${o.kind} in kubernetes-models or tests/fixtures/crds`,
        ];
    if (validate(o)) return [];
    return (validate.errors ?? []).map((e) => `${where}: ${e.instancePath || "/"} ${e.message ?? ""}`);
}
