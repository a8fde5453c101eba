import * as hcloud from "@pulumi/hcloud";
import * as pulumi from "@pulumi/pulumi";

/**
 * The first of the preferred locations where Hetzner currently sells the server type. Capacity is not
 * guaranteed (fsn1 stopped taking new servers in Dec 2025), so stacks list fallbacks in the same zone.
 */
export function availableLocation(
    serverType: string,
    preferred: readonly string[],
    opts?: pulumi.InvokeOutputOptions,
): pulumi.Output<string> {
    return hcloud.getServerTypeOutput({ name: serverType }, opts).apply((t) => {
        const open = new Set(t.locations.filter((l) => l.available && !l.isDeprecated).map((l) => l.name));
        const chosen = preferred.find((l) => open.has(l));
        if (chosen === undefined) {
            throw new pulumi.RunError(
                `${serverType} cannot be ordered in ${preferred.join(", ")} right now; available: ${[...open].join(", ") || "none"}. ` +
                    `Add one of those to phase-stacks:fallbackLocations or pick another server type.`,
            );
        }
        return chosen;
    });
}
