/**
 * Reads Pulumi.yaml and a stack file into the raw config a Pulumi program receives, the way the CLI merges
 * them: project-level values first, stack values replacing whole top-level keys. Secure values are never
 * decrypted: each becomes a placeholder, so planning needs no passphrase and no cloud token.
 */
import { readFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { parse } from "yaml";
import type { RawConfig } from "../../core/config/load";

export class StackFileError extends Error {}

export function secretPlaceholder(key: string): string {
    return `<secret:${key}>`;
}

function readYaml(path: string): unknown {
    let text: string;
    try {
        text = readFileSync(path, "utf8");
    } catch {
        throw new StackFileError(
            `cannot read ${path}: check the path (stack files are named Pulumi.<stack>.yaml)`,
        );
    }
    try {
        return parse(text);
    } catch (e) {
        throw new StackFileError(`${path} is not valid YAML: ${(e as Error).message.split("\n")[0]}`);
    }
}

function isRecord(v: unknown): v is Record<string, unknown> {
    return typeof v === "object" && v !== null && !Array.isArray(v);
}

function qualify(key: string, project: string): string {
    return key.includes(":") ? key : `${project}:${key}`;
}

function encode(v: unknown): string {
    return typeof v === "string" ? v : JSON.stringify(v);
}

/** Project-level config: plain values, `{value: ...}` declarations, or `{type, default}` schemas. */
function projectValues(project: Record<string, unknown>, name: string): Record<string, string> {
    const out: Record<string, string> = {};
    const config = project["config"];
    if (!isRecord(config)) return out;
    for (const [key, decl] of Object.entries(config)) {
        if (isRecord(decl) && "value" in decl) out[qualify(key, name)] = encode(decl["value"]);
        else if (isRecord(decl) && "default" in decl) out[qualify(key, name)] = encode(decl["default"]);
        else if (!isRecord(decl)) out[qualify(key, name)] = encode(decl);
    }
    return out;
}

/** Stack name from `Pulumi.<stack>.yaml`, else the file's base name. */
export function stackNameOf(stackFile: string): string {
    const m = /^Pulumi\.(.+)\.ya?ml$/.exec(basename(stackFile));
    return m?.[1] ?? basename(stackFile).replace(/\.ya?ml$/, "");
}

export interface LoadedStackFile extends RawConfig {
    readonly projectDir: string;
}

export function readStackFile(
    stackFile: string,
    projectFile = join(dirname(stackFile), "Pulumi.yaml"),
): LoadedStackFile {
    const project = readYaml(projectFile);
    if (!isRecord(project) || typeof project["name"] !== "string") {
        throw new StackFileError(`${projectFile} has no project name: it must start with 'name: <project>'`);
    }
    const name = project["name"];
    const stackDoc = readYaml(stackFile) ?? {};
    if (!isRecord(stackDoc))
        throw new StackFileError(`${stackFile} must be a YAML mapping with a 'config:' key`);
    const stackConfig = stackDoc["config"] ?? {};
    if (!isRecord(stackConfig))
        throw new StackFileError(`${stackFile}: 'config' must be a mapping of key: value`);

    const values = projectValues(project, name);
    const secretKeys = new Set<string>();
    for (const [key, value] of Object.entries(stackConfig)) {
        const full = qualify(key, name);
        if (isRecord(value) && "secure" in value) {
            values[full] = secretPlaceholder(full);
            secretKeys.add(full);
        } else {
            values[full] = encode(value);
        }
    }
    return {
        project: name,
        stack: stackNameOf(stackFile),
        values,
        secretKeys,
        projectDir: dirname(projectFile),
    };
}
