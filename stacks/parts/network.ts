/** The private network of phases 2-3 and the addresses its hosts take (named in each other's user data). */
import { PrivateNetwork } from "../../components/network/privateNetwork";
import { LOCATIONS } from "../../core/catalog/hetzner";
import { hetznerLabels } from "../../core/contracts/labels";
import { subnetPlan, type SubnetPlan } from "../../core/topology/subnetPlan";
import type { ConfigOf } from "../../core/config/schema";

export interface Network {
    readonly network: PrivateNetwork;
    readonly plan: SubnetPlan;
    /** The region a phase-3 fleet serves: the network zone, which a private network cannot leave. */
    readonly region: string;
    /** Hosts join the subnet, so they are created after it. */
    readonly afterSubnet: { readonly dependsOn: PrivateNetwork["subnet"][] };
}

export function privateNetwork(c: ConfigOf<"phase2" | "phase3">, stack: string): Network {
    const region = LOCATIONS[c.location].networkZone;
    const network = new PrivateNetwork("private", {
        ipRange: c.network.ipRange,
        subnet: c.network.subnet,
        networkZone: region,
        labels: hetznerLabels(stack, "database"),
    });
    return {
        network,
        plan: subnetPlan(c.network.subnet),
        region,
        afterSubnet: { dependsOn: [network.subnet] },
    };
}
