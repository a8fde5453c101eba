/** Config problems as users see them: the full key, what is wrong, and the exact command that fixes it. */

export interface ConfigProblem {
    /** Full key path as `pulumi config` shows it, e.g. `phase-stacks:servers.app.type`. */
    readonly key: string;
    readonly message: string;
    readonly fix: string;
}

export function pathToString(path: readonly PropertyKey[]): string {
    return path.reduce<string>(
        (acc, p) => (typeof p === "number" ? `${acc}[${p}]` : acc ? `${acc}.${String(p)}` : String(p)),
        "",
    );
}

export function setFix(path: string, stack: string, secret = false): string {
    return secret
        ? `pulumi config set --secret ${path} <value> --stack ${stack}`
        : `pulumi config set --path '${path}' <value> --stack ${stack}`;
}

export function removeFix(path: string, stack: string): string {
    return `pulumi config rm --path '${path}' --stack ${stack}`;
}

export function formatProblems(problems: readonly ConfigProblem[], project: string, stack: string): string {
    const n = problems.length;
    const lines = [
        `Invalid stack configuration for ${project}/${stack} (${n} problem${n === 1 ? "" : "s"}):`,
    ];
    for (const p of problems) lines.push(`  - ${p.key}: ${p.message}`, `      fix: ${p.fix}`);
    return lines.join("\n");
}
