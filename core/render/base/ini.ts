/**
 * Serializer for INI-style files: systemd units and fail2ban jails. An array value repeats the key, which is
 * how systemd lists several ExecStartPre= or After= entries.
 */

export type IniValue = string | number | boolean | readonly string[];
export type IniSection = Readonly<Record<string, IniValue | undefined>>;
export type IniDocument = Readonly<Record<string, IniSection>>;

function scalar(section: string, key: string, v: string | number | boolean): string {
    const s = typeof v === "boolean" ? (v ? "yes" : "no") : String(v);
    if (/[\r\n]/.test(s)) throw new Error(`[${section}] ${key}: values must be one line`);
    return s;
}

/** Renders sections in insertion order; `header` lines become `#` comments at the top. */
export function renderIni(doc: IniDocument, header: readonly string[] = []): string {
    const lines = header.map((h) => `# ${h}`);
    for (const [name, section] of Object.entries(doc)) {
        if (lines.length > 0) lines.push("");
        lines.push(`[${name}]`);
        for (const [key, value] of Object.entries(section)) {
            if (value === undefined) continue;
            const values = typeof value === "object" ? value : [value];
            for (const v of values) lines.push(`${key}=${scalar(name, key, v)}`);
        }
    }
    return `${lines.join("\n")}\n`;
}
