/**
 * Label keys and values the program puts on resources. The components set them, the policy pack and the
 * tools select by them, and hcloud CLI filters key on them: declared once here, imported everywhere.
 */

/** On every Hetzner resource: which program manages it. */
export const MANAGED_BY_LABEL = "managed-by";
export const MANAGED_BY = "phase-stacks";
/** On every Hetzner resource: the Pulumi stack that owns it. */
export const STACK_LABEL = "stack";
/** On every Hetzner resource: what the resource is for (see Role). */
export const ROLE_LABEL = "role";
/** On Hetzner resources that hold data: `stateful="true"` makes the pack demand protection. */
export const STATEFUL_LABEL = "stateful";
/** On a kubernetes Namespace: the namespace holds one tenant's workloads and data. */
export const TENANT_LABEL = "phase-stacks/tenant";
/** On a docker Volume: what it holds ("data", "config", "secrets"); only data volumes are stateful. */
export const CONTENTS_LABEL = "phase-stacks/contents";
/** On a docker Container or a pod template: the ClawHQ pool tier whose resource maxima apply. */
export const TIER_LABEL = "phase-stacks/tier";

/** On Hetzner resources of a region-scoped fleet: the region (network zone) it serves; every selector names it. */
export const REGION_LABEL = "region";

/** The data tier is `database` in every phase (the pack's stateful-role default names it). */
export type Role =
    "app" | "agent" | "backend" | "frontend" | "database" | "cache" | "lb" | "k8s-server" | "k8s-node";
/** The role of agent-pool hosts, whose budget is the ClawHQ agent line. */
export const AGENT_ROLE: Role = "agent";

export function hetznerLabels(
    stack: string,
    role: Role,
    stateful = false,
    region?: string,
): Record<string, string> {
    return {
        [MANAGED_BY_LABEL]: MANAGED_BY,
        [STACK_LABEL]: stack,
        [ROLE_LABEL]: role,
        ...(stateful ? { [STATEFUL_LABEL]: "true" } : {}),
        ...(region ? { [REGION_LABEL]: region } : {}),
    };
}

/**
 * An hcloud label selector for one role of one region of one stack: without the region a second region's
 * servers of the same role would join the first region's load balancer.
 */
export function roleSelector(stack: string, role: Role, region: string): string {
    return `${STACK_LABEL}=${stack},${ROLE_LABEL}=${role},${REGION_LABEL}=${region}`;
}
