/** Helpers for the bash scripts the renderers emit: quoting values into them and assembling lines. */

/** Single-quotes a value for bash; safe for any content. */
export function shellQuote(value: string): string {
    return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** A bash script from its lines, with strict mode on and the description as header comments. */
export function bashScript(description: readonly string[], body: readonly string[]): string {
    return (
        ["#!/usr/bin/env bash", ...description.map((d) => `# ${d}`), "set -euo pipefail", "", ...body].join(
            "\n",
        ) + "\n"
    );
}
