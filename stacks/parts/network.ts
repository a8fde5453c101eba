/** The private network of phases 2-4 and the addresses its hosts take (named in each other's user data). */
import { PrivateNetwork } from "../../components/network/privateNetwork";
import { LOCATIONS } from "../../core/catalog/hetzner";
import { hetznerLabels } from "../../core/contracts/labels";
import { subnetPlan, type SubnetPlan } from "../../core/topology/subnetPlan";
import type { ConfigOf } from "../../core/config/schema";

export interface Network {
    readonly network: PrivateNetwork;
    readonly plan: SubnetPlan;
    /** The network zone, which a private network cannot leave. */
    readonly zone: string;
    /** The region its fleet serves: phase 3's is the network zone, phase 4 names each region. */
    readonly region: string;
    /** Hosts join the subnet, so they are created after it. */
    readonly afterSubnet: { readonly dependsOn: PrivateNetwork["subnet"][] };
}

/** Phase 3's names: the one network is "private" and its region the network zone. */
const ZONE_NAMED = { name: (n: string) => n };

export function privateNetwork(
    c: Pick<ConfigOf<"phase2" | "phase3">, "location" | "network">,
    stack: string,
    region: { readonly name: (resource: string) => string; readonly region?: string } = ZONE_NAMED,
): Network {
    const zone = LOCATIONS[c.location].networkZone;
    const network = new PrivateNetwork(region.name("private"), {
        ipRange: c.network.ipRange,
        subnet: c.network.subnet,
        networkZone: zone,
        labels: hetznerLabels(stack, "database", false, region.region),
    });
    return {
        network,
        plan: subnetPlan(c.network.subnet),
        zone,
        region: region.region ?? zone,
        afterSubnet: { dependsOn: [network.subnet] },
    };
}
