/**
 * Inbound rules of the hosts' Hetzner firewalls, as data. Hetzner firewalls filter only the public interface
 * (the private network and load balancers pass them), and no outbound rule is ever set: any outbound rule
 * turns Hetzner's egress default to deny-all. `S` is whatever holds the sources (a list, or a deploy-time
 * value): the rules stay pure.
 */
import { DOCKER_TLS_PORT } from "../render/agents/dockerTls";
import { NODE_EXPORTER } from "../render/monitoring/nodeExporter";

export interface InboundRule<S> {
    readonly direction: "in";
    readonly protocol: "tcp";
    readonly port: string;
    readonly sourceIps: S;
    readonly description: string;
}

const tcpIn = <S>(port: number, sourceIps: S, description: string): InboundRule<S> => ({
    direction: "in",
    protocol: "tcp",
    port: String(port),
    sourceIps,
    description,
});

/** SSH (22) from the admins' ranges: every host. */
export function sshFromAdmins(cidrs: readonly string[]): InboundRule<string[]>[] {
    return [tcpIn(22, [...cidrs], "SSH from admin ranges")];
}

/** HTTP and HTTPS from Cloudflare's edge: a public origin, so it cannot be reached around the edge. */
export function webFromCloudflare(ranges: readonly string[]): InboundRule<string[]>[] {
    return [tcpIn(80, [...ranges], "HTTP from Cloudflare"), tcpIn(443, [...ranges], "HTTPS from Cloudflare")];
}

/** The agent hosts' Docker API (mutual TLS, 2376) from the API servers; 2375 is never opened. */
export function dockerTlsFrom<S>(sources: S): InboundRule<S>[] {
    return [tcpIn(DOCKER_TLS_PORT, sources, "Docker API (mutual TLS) from the API servers")];
}

/** Phase 1's agent hosts' node exporter (9100, on their public address) from the Prometheus host alone. */
export function nodeExporterFrom<S>(sources: S): InboundRule<S>[] {
    return [tcpIn(NODE_EXPORTER.port, sources, "node_exporter from the Prometheus host")];
}
