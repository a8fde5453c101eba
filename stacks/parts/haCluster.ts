/**
 * The automatic-failover layer of one region's data tier: Patroni's member names, the etcd members (the
 * database nodes, plus the witness host when there are two), their TLS material and Patroni's passwords. A
 * function of a node list and addresses, so phase 4's region fleets can each build their own cluster.
 */
import * as pulumi from "@pulumi/pulumi";
import { ClusterTlsAuthority } from "../../components/data/clusterTlsAuthority";
import { ServiceCredentials } from "../../components/secrets/serviceCredentials";
import { etcdMembers, type PatroniConfig } from "../../core/config/patroni";
import type { RenderedFile } from "../../core/render/base/artifact";
import { renderEtcdWitness, type ClusterHost } from "../../core/render/data/haPostgres";
import type { DataNodeSpec } from "../../core/render/data/dataNode";

/** Patroni's own roles: the superuser it manages PostgreSQL with, pg_rewind's role, its REST API's user. */
export const PATRONI_PASSWORDS = { superuser: 32, rewind: 32, restApi: 32 } as const;

export interface HaClusterArgs {
    /** `<stack>-<region>`: the cluster's etcd prefix; one etcd never spans regions. */
    readonly scope: string;
    readonly organization: string;
    readonly nodeIps: readonly string[];
    readonly appHostIps: readonly string[];
    readonly witness: ClusterHost;
    readonly config: PatroniConfig;
    /** Names the authority and the credentials: phase 4 prefixes its region's name. */
    readonly name?: (resource: string) => string;
    /** Phase 4: the stack's Patroni roles, which every region's cluster shares (a standby is a physical copy). */
    readonly passwords?: Readonly<Record<keyof typeof PATRONI_PASSWORDS, pulumi.Output<string>>>;
}

export interface HaCluster {
    /** The `ha` section of node `i`'s data-node spec, once the secrets are known. */
    readonly node: (
        i: number,
        replicationPassword: pulumi.Input<string>,
    ) => pulumi.Output<NonNullable<DataNodeSpec["ha"]>>;
    /** The database nodes as Patroni names them (pg1, pg2, ...), with their private addresses. */
    readonly members: readonly ClusterHost[];
    /** The cluster CA's certificate: the HAProxy role endpoints verify Patroni's REST API with it. */
    readonly caCertPem: pulumi.Output<string>;
    /** The witness host's etcd member files, when it runs one. */
    readonly witnessFiles?: pulumi.Output<RenderedFile[]>;
}

export function haCluster(a: HaClusterArgs): HaCluster {
    const nodes: ClusterHost[] = a.nodeIps.map((ip, i) => ({ name: `pg${i + 1}`, ip }));
    const members = etcdMembers(nodes.length, a.config.etcdWitness);
    const etcd = members.witness ? [...nodes, a.witness] : nodes;
    const name = a.name ?? ((resource: string) => resource);
    const authority = new ClusterTlsAuthority(name("db-tls"), {
        organization: a.organization,
        members: etcd,
    });
    const passwords =
        a.passwords ?? new ServiceCredentials(name("patroni"), { lengths: PATRONI_PASSWORDS }).values;
    const materialOf = (name: string) => {
        const m = authority.material[name];
        if (!m) throw new pulumi.RunError(`no TLS material for etcd member ${name}`);
        return m;
    };
    return {
        members: nodes,
        caCertPem: authority.caCertPem,
        node: (i, replicationPassword) => {
            const self = nodes[i];
            if (!self) throw new pulumi.RunError(`no database node ${i}`);
            return pulumi
                .all([materialOf(self.name), passwords, replicationPassword])
                .apply(([tls, p, replication]) => ({
                    memberName: self.name,
                    scope: a.scope,
                    nodes,
                    etcd,
                    appHostIps: a.appHostIps,
                    config: a.config,
                    tls,
                    passwords: { ...p, replication },
                }));
        },
        ...(members.witness
            ? {
                  witnessFiles: materialOf(a.witness.name).apply((tls) =>
                      renderEtcdWitness(a.witness, etcd, tls),
                  ),
              }
            : {}),
    };
}
