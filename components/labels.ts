/** Labels every Hetzner resource carries: the policy pack and `hcloud` CLI filters key on them. */
export type Role = "app" | "data" | "agent" | "backend" | "frontend" | "database" | "cache" | "lb";

export function hetznerLabels(stack: string, role: Role, stateful = false): Record<string, string> {
    return { "managed-by": "phase-stacks", stack, role, ...(stateful ? { stateful: "true" } : {}) };
}
