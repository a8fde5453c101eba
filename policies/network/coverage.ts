/**
 * Every hcloud Server with a public interface sits behind a Firewall: Hetzner leaves a server without one open on
 * every port. A server is covered by `firewallIds`, by a Firewall or FirewallAttachment whose label selector matches
 * its labels, or by one that references it (and therefore depends on it).
 */
import { z } from "zod";
import { PACK_FRAMEWORK, stackPolicy, type Judged } from "../lib/policy";
import { list, records, stringMap, strings } from "../lib/read";
import { T } from "../lib/typeTokens";
import { selectorMatches } from "./labelSelector";

/** Hetzner gives a server public IPv4 and IPv6 unless publicNets turns both off. */
function hasPublicInterface(server: Judged): boolean {
    if (server.props["publicNets"] === undefined) return true;
    return records(server.props["publicNets"]).some(
        (n) => n["ipv4Enabled"] !== false || n["ipv6Enabled"] !== false,
    );
}

function selectorsOf(fw: Judged): string[] {
    if (fw.type === T.hcloudFirewall)
        return records(fw.props["applyTos"]).flatMap((a) => strings([a["labelSelector"]]));
    return strings(fw.props["labelSelectors"]);
}

function covered(server: Judged, firewalls: readonly Judged[]): boolean {
    if (list(server.props["firewallIds"]).length > 0) return true;
    const labels = stringMap(server.props["labels"]);
    return firewalls.some(
        (fw) =>
            fw.dependencies.includes(server.urn) || selectorsOf(fw).some((s) => selectorMatches(s, labels)),
    );
}

export const serversFirewalled = stackPolicy({
    name: "hcloud-server-has-firewall",
    description: "Every hcloud Server with a public IPv4 or IPv6 interface is covered by an hcloud Firewall.",
    concern: "network",
    level: "mandatory",
    severity: "critical",
    framework: { ...PACK_FRAMEWORK, id: "PHS-NET-1" },
    remediation:
        "Pass the firewall's id in firewallIds, or target the server with a Firewall applyTos labelSelector.",
    config: z.strictObject({}),
    judge: (resources) => {
        const firewalls = resources.filter(
            (r) => r.type === T.hcloudFirewall || r.type === T.hcloudFirewallAttachment,
        );
        return resources
            .filter((r) => r.type === T.hcloudServer && hasPublicInterface(r) && !covered(r, firewalls))
            .map((s) => ({
                subject: { type: s.type, name: s.name, urn: s.urn },
                field: "firewallIds",
                problem:
                    "is empty and no Firewall selects this server, so every port of its public address is open",
                fix: "attach the stack's firewall",
            }));
    },
});
