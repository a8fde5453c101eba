/** `docker-compose config -q` on a rendered project, its secrets directory moved into `dir`. */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { SECRETS_DIR } from "../../core/render/base/artifact";
import { runTool } from "./tools";

interface ComposeFiles {
    readonly services: Record<string, { readonly env_file?: readonly string[] }>;
    readonly secrets?: Record<string, { readonly file: string }>;
}

/** docker-compose insists env files and secret files exist: they are created empty in `dir`. */
export function dockerComposeConfig(raw: string, dir: string): { status: number | null; output: string } {
    const rebased = raw.split(SECRETS_DIR).join(dir);
    const project = parse(rebased) as ComposeFiles;
    for (const s of Object.values(project.services)) for (const f of s.env_file ?? []) writeFileSync(f, "");
    for (const { file } of Object.values(project.secrets ?? {})) writeFileSync(file, "");
    const file = join(dir, "compose.yaml");
    writeFileSync(file, rebased);
    return runTool("docker-compose", ["-p", "phase-stacks", "-f", file, "config", "-q"]);
}
