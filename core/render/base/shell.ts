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

/** `readonly pgdata="${PGDATA:-$pgdata_default}"`: the host's value, overridable from the environment (the tests do). */
export function envSetting(name: string, value: string | number, variable = name.toLowerCase()): string[] {
    const v = variable;
    return [`${v}_default=${shellQuote(String(value))}`, `readonly ${v}="\${${name}:-$${v}_default}"`];
}
