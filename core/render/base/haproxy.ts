/**
 * The part of haproxy.cfg every HAProxy this program ships shares: the global section and TCP defaults. The web
 * entry and the data tier's role endpoints add their own sections, with the timeouts their traffic needs.
 */

export interface HaproxyProcess {
    /** First line: what this HAProxy is for. */
    readonly comment: string;
    /** `log` target: `/dev/log` on a host, `stdout format raw` in a container or test. */
    readonly log: string;
    readonly maxconn: number;
    /** Stats and runtime API socket, for `show servers state`. */
    readonly statsSocket?: string;
}

/** A token the config carries unquoted: addresses, names, paths. */
export function haproxyWord(field: string, v: string): string {
    if (!/^[A-Za-z0-9._:/@[\]-]+$/.test(v))
        throw new Error(`haproxy ${field} '${v}' has characters the config cannot carry`);
    return v;
}

export function renderHaproxy(p: HaproxyProcess, sections: readonly (readonly string[])[]): string {
    return [
        `# phase-stacks: ${p.comment}`,
        "global",
        `    log ${p.log} local0`,
        `    maxconn ${p.maxconn}`,
        ...(p.statsSocket
            ? [`    stats socket ${haproxyWord("statsSocket", p.statsSocket)} mode 600 level admin`]
            : []),
        "",
        "defaults",
        "    mode tcp",
        "    log global",
        "    option tcplog",
        "    option dontlognull",
        "    timeout connect 3s",
        "    timeout client 60s",
        "    timeout server 60s",
        "    timeout check 2s",
        "",
        ...sections.flatMap((s) => [...s, ""]),
    ].join("\n");
}
