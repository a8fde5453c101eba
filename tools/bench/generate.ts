/**
 * Synthetic input for the policy pack at a chosen size, built from real plans so every record is a shape the
 * program emits: 30% Hetzner servers (phase 3's, with their full user data), 10% firewalls, 30% Docker
 * containers (dev's), and 15% each of Deployments and Pods with a restricted pod spec. Names are numbered
 * so no two records share a URN.
 */
import type { PolicyResource } from "../../policies/evaluate";

const RESTRICTED_POD = {
    securityContext: { runAsNonRoot: true, runAsUser: 10001, seccompProfile: { type: "RuntimeDefault" } },
    containers: [
        {
            name: "app",
            image: "ghcr.io/example/app:1.0.0",
            ports: [{ containerPort: 8080 }],
            resources: {
                limits: { cpu: "500m", memory: "256Mi" },
                requests: { cpu: "100m", memory: "128Mi" },
            },
            securityContext: {
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                capabilities: { drop: ["ALL"] },
            },
        },
    ],
};

function podRecords(): PolicyResource[] {
    const metadata = { name: "app", namespace: "tenant-0001", labels: { app: "agent" } };
    return [
        {
            type: "kubernetes:apps/v1:Deployment",
            name: "app",
            props: {
                metadata,
                spec: {
                    replicas: 2,
                    selector: { matchLabels: { app: "agent" } },
                    template: { metadata: { labels: { app: "agent" } }, spec: RESTRICTED_POD },
                },
            },
        },
        { type: "kubernetes:core/v1:Pod", name: "pod", props: { metadata, spec: RESTRICTED_POD } },
    ];
}

/**
 * Cycles through `pool`, numbering each copy's name. A server's copy also renames the host inside its user data
 * (its certificates name it), so every host's user data is its own, as in a real pool, while files that do not
 * name the host stay shared.
 */
function take(pool: readonly PolicyResource[], count: number, tag: string): PolicyResource[] {
    if (!pool.length) throw new Error(`no ${tag} resources to copy`);
    return Array.from({ length: count }, (_, i) => {
        const r = pool[i % pool.length] as PolicyResource;
        const name = `${r.name}-${tag}${i}`;
        const userData = r.props["userData"];
        if (typeof userData !== "string") return { ...r, name };
        const host = r.name.replace(/-server$/, "");
        return {
            ...r,
            name,
            props: { ...r.props, userData: userData.replaceAll(host, `${host}-${tag}${i}`) },
        };
    });
}

/** `size` records in the mix above, from the records phase 3's and dev's plans hand the pack. */
export function syntheticResources(
    phase3: readonly PolicyResource[],
    dev: readonly PolicyResource[],
    size: number,
): PolicyResource[] {
    // Without URNs (and the parents and dependencies they name) copies cannot collide.
    const of = (rs: readonly PolicyResource[], type: string) =>
        rs
            .filter((r) => r.type === type)
            .map(({ type, name, props, opts = {} }) => {
                const { protect, ignoreChanges, deleteBeforeReplace, retainOnDelete } = opts;
                return {
                    type,
                    name,
                    props,
                    opts: { protect, ignoreChanges, deleteBeforeReplace, retainOnDelete },
                };
            });
    const [deployment, pod] = podRecords() as [PolicyResource, PolicyResource];
    const servers = Math.round(size * 0.3);
    const firewalls = Math.round(size * 0.1);
    const containers = Math.round(size * 0.3);
    const deployments = Math.round(size * 0.15);
    return [
        ...take(of(phase3, "hcloud:index/server:Server"), servers, "s"),
        ...take(of(phase3, "hcloud:index/firewall:Firewall"), firewalls, "f"),
        ...take(of(dev, "docker:index/container:Container"), containers, "c"),
        ...take([deployment], deployments, "d"),
        ...take([pod], size - servers - firewalls - containers - deployments, "p"),
    ];
}
