/**
 * Phase 4's replication between regions: every database node gets a reserved public IPv4 before any server
 * exists, so the certificates (one replication CA for the stack) and the other regions' firewalls can name it.
 * The primary region keeps a permanent slot per standby region; each standby region's Patroni cluster streams
 * from the primary region's nodes (libpq multi-host, the writable one) with verify-full both ways.
 */
import * as hcloud from "@pulumi/hcloud";
import * as pulumi from "@pulumi/pulumi";
import { ReplicationTlsAuthority } from "../../components/data/replicationTlsAuthority";
import { HostFirewall } from "../../components/hetzner/hostFirewall";
import { availableLocation } from "../../components/hetzner/location";
import { ServiceCredentials } from "../../components/secrets/serviceCredentials";
import { hetznerLabels } from "../../core/contracts/labels";
import type { ConfigOf } from "../../core/config/schema";
import type { RegionConfig } from "../../core/config/regions";
import type { CrossRegionSpec } from "../../core/render/data/crossRegion";
import type { DataNodeCrossRegion } from "./dataTier";
import { PATRONI_PASSWORDS } from "./haCluster";
import { databaseNodes } from "./region";

/** A standby region's permanent slot on the primary region's leader (Postgres: `[a-z0-9_]{1,63}`). */
export const standbySlotName = (region: string): string => `standby_${region.replace(/-/g, "_")}`;

interface RegionNodes {
    readonly region: RegionConfig;
    readonly nodes: readonly { readonly name: string; readonly ip: string }[];
    readonly publicIps: readonly hcloud.PrimaryIp[];
    readonly firewall: HostFirewall;
}

export interface CrossRegionReplication {
    /** Region `r`'s database node `n`: its address, firewall and cross-region replication spec. */
    readonly node: (r: number) => (n: number) => DataNodeCrossRegion;
    /** Region `r`'s database nodes' public IPv4s by node name. */
    readonly publicIpv4s: (r: number) => pulumi.Output<Record<string, string>>;
    /**
     * Patroni's roles, shared by every region: a standby cluster is a physical copy of the primary's, so it logs
     * in with the primary's superuser, replication and rewind roles.
     */
    readonly patroniPasswords: Readonly<Record<keyof typeof PATRONI_PASSWORDS, pulumi.Output<string>>>;
}

export function crossRegionReplication(c: ConfigOf<"phase4">, stack: string): CrossRegionReplication {
    const pgPort = c.workload.postgres.port;
    const nodeName = (r: RegionConfig, n: string) => `${r.name}-db-${n}`;
    const patroniPasswords = new ServiceCredentials("patroni", { lengths: PATRONI_PASSWORDS }).values;

    const addresses = c.regions.map((r) => {
        const location = availableLocation(r.servers.database.type, [r.location, ...r.fallbackLocations]);
        const nodes = databaseNodes(r);
        // The address is named in certificates inside a stateful server's user data, which is never re-applied:
        // replacing it would cut replication, so it is protected like the node.
        const publicIps = nodes.map(
            (n) =>
                new hcloud.PrimaryIp(
                    `${nodeName(r, n.name)}-ipv4`,
                    {
                        type: "ipv4",
                        assigneeType: "server",
                        location,
                        autoDelete: false,
                        labels: hetznerLabels(stack, "database", true, r.name),
                    },
                    { protect: true, ignoreChanges: ["type", "location", "datacenter"] },
                ),
        );
        return { region: r, nodes, publicIps };
    });
    const authority = new ReplicationTlsAuthority("replication-tls", {
        organization: stack,
        nodes: addresses.flatMap((a) =>
            a.nodes.map((n, i) => ({
                name: nodeName(a.region, n.name),
                privateIp: n.ip,
                publicIp: (a.publicIps[i] as hcloud.PrimaryIp).ipAddress,
            })),
        ),
    });
    const others = (r: number) => addresses.filter((_, i) => i !== r).flatMap((a) => a.publicIps);
    const regions: RegionNodes[] = addresses.map((a, r) => ({
        ...a,
        firewall: new HostFirewall(`${a.region.name}-replication`, {
            rules: [
                {
                    direction: "in",
                    protocol: "tcp",
                    port: String(pgPort),
                    sourceIps: others(r).map((ip) => ip.ipAddress.apply((v) => `${v}/32`)),
                    description:
                        "PostgreSQL from the other regions' database nodes (TLS, client certificates)",
                },
            ],
            labels: hetznerLabels(stack, "database", false, a.region.name),
        }),
    }));
    const [primary, ...standbys] = regions;
    if (!primary) throw new pulumi.RunError("phase4 needs a primary region");

    const node =
        (r: number) =>
        (n: number): DataNodeCrossRegion => {
            const self = regions[r];
            const ip = self?.publicIps[n];
            if (!self || !ip) throw new pulumi.RunError(`no database node ${n} in region ${r}`);
            const tls = authority.material[nodeName(self.region, self.nodes[n]?.name ?? "")];
            if (!tls) throw new pulumi.RunError(`no replication certificates for node ${n} of region ${r}`);
            const replication: pulumi.Output<CrossRegionSpec> = pulumi
                .all([
                    ip.ipAddress,
                    pulumi.all(others(r).map((o) => o.ipAddress)),
                    pulumi.all(primary.publicIps.map((p) => p.ipAddress)),
                    tls,
                ])
                .apply(([publicAddress, peerAddresses, primaryHosts, material]): CrossRegionSpec => ({
                    publicAddress,
                    peerAddresses,
                    tls: material,
                    ...(r === 0
                        ? { standbySlots: standbys.map((s) => standbySlotName(s.region.name)) }
                        : {
                              standbySlots: [],
                              upstream: {
                                  hosts: primaryHosts,
                                  port: pgPort,
                                  slotName: standbySlotName(self.region.name),
                              },
                          }),
                }));
            return {
                primaryIpv4Id: ip.id.apply(Number),
                firewallIds: [self.firewall.firewallId],
                replication,
            };
        };

    return {
        node,
        publicIpv4s: (r) => {
            const self = regions[r];
            if (!self) throw new pulumi.RunError(`no region ${r}`);
            return pulumi
                .all(self.publicIps.map((p) => p.ipAddress))
                .apply((ips) => Object.fromEntries(self.nodes.map((n, i) => [n.name, ips[i] as string])));
        },
        patroniPasswords,
    };
}
