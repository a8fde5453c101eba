/**
 * The pieces every exporter on a host of the private network shares: it listens on the host's private address
 * only (never on every interface, where a public IPv4 would expose it), and the region's Prometheus reads it
 * there, each target labelled with the host's name so a series says which node it is from.
 */
import { isIP } from "node:net";

export interface ScrapeHost {
    /** A plain label value: the Patroni member (pg1), the server's role (backend-1). The series' `node` label. */
    readonly name: string;
    /** Its private address. */
    readonly ip: string;
}

/** `ip:port` for an exporter's listen flag; refuses the wildcard and anything that is not one IPv4 address. */
export function privateListen(exporter: string, ip: string, port: number): string {
    if (isIP(ip) !== 4 || ip === "0.0.0.0")
        throw new Error(`${exporter}: listen address '${ip}' is not one host's IPv4 address`);
    return `${ip}:${port}`;
}

/** A job's targets (`ip:port`) and each target's `node` label, refusing names that are not label values. */
export function labelledTargets(
    job: string,
    hosts: readonly ScrapeHost[],
    port: number,
): { readonly targets: string[]; readonly labels: Record<string, Record<string, string>> } {
    const problems: string[] = [];
    hosts.forEach((h, i) => {
        if (!/^[A-Za-z0-9_.-]+$/.test(h.name))
            problems.push(`hosts[${i}].name '${h.name}' is not a plain label value`);
        if (isIP(h.ip) !== 4) problems.push(`hosts[${i}].ip '${h.ip}' is not an IPv4 address`);
    });
    for (const k of ["name", "ip"] as const)
        if (new Set(hosts.map((h) => h[k])).size !== hosts.length)
            problems.push(`a host's ${k} appears twice`);
    if (problems.length > 0) throw new Error(`${job} scrape job: ${problems.join("; ")}`);
    const targets = hosts.map((h) => `${h.ip}:${port}`);
    return {
        targets,
        labels: Object.fromEntries(hosts.map((h, i) => [targets[i] as string, { node: h.name }])),
    };
}
