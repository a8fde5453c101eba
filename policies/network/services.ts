/**
 * A Kubernetes Service of type LoadBalancer asks the hcloud cloud controller manager for a public Hetzner load
 * balancer, which no host firewall filters. Only the ingress controller's namespace may ask for one; a tenant
 * namespace never may, even when named in the config. A Service is a tenant's when it carries TENANT_LABEL, when
 * its metadata.namespace names a Namespace labelled TENANT_LABEL, or when it depends on such a Namespace (Pulumi
 * auto-names namespaces, so the name may only be known after deploy).
 */
import { z } from "zod";
import { isTenantNamespace, k8sLabels, k8sNamespace, TENANT_LABEL } from "../lib/labels";
import { PACK_FRAMEWORK, stackPolicy, type Judged } from "../lib/policy";
import { at, str } from "../lib/read";
import { T } from "../lib/typeTokens";

const isLoadBalancer = (svc: Judged) => str(at(svc.props, "spec", "type"))?.toLowerCase() === "loadbalancer";

function tenantNamespaceOf(svc: Judged, tenantNamespaces: readonly Judged[]): string | undefined {
    if (TENANT_LABEL in k8sLabels(svc.props)) return k8sNamespace(svc.props);
    const ns = tenantNamespaces.find(
        (n) =>
            str(at(n.props, "metadata", "name")) === k8sNamespace(svc.props) ||
            svc.dependencies.includes(n.urn),
    );
    return ns ? (str(at(ns.props, "metadata", "name")) ?? ns.name) : undefined;
}

export const loadBalancerServiceIngressOnly = stackPolicy({
    name: "k8s-load-balancer-service-ingress-only",
    description:
        "A Kubernetes Service of type LoadBalancer (a public Hetzner load balancer no firewall filters) exists only in the configured ingress namespaces, never in a tenant namespace.",
    concern: "network",
    level: "mandatory",
    severity: "high",
    framework: { ...PACK_FRAMEWORK, id: "PHS-NET-3" },
    remediation:
        "Use a ClusterIP Service and route outside traffic through the ingress controller's LoadBalancer Service in the ingress namespace.",
    config: z.strictObject({
        ingressNamespaces: z
            .array(z.string())
            .default(["ingress"])
            .describe(
                "Namespaces whose Services may be of type LoadBalancer (the ingress controller's); tenant namespaces never may.",
            ),
    }),
    judge: (resources, config) => {
        const tenantNamespaces = resources.filter(
            (r) => r.type === T.k8sNamespace && isTenantNamespace(r.props),
        );
        return resources
            .filter((r) => r.type === T.k8sService && isLoadBalancer(r))
            .flatMap((svc) => {
                const subject = { type: svc.type, name: svc.name, urn: svc.urn };
                const tenant = tenantNamespaceOf(svc, tenantNamespaces);
                const ns = k8sNamespace(svc.props);
                if (tenant === undefined && config.ingressNamespaces.includes(ns)) return [];
                return [
                    {
                        subject,
                        field: "spec.type",
                        problem:
                            tenant !== undefined
                                ? `is LoadBalancer in tenant namespace "${tenant}", which would give the tenant a public load balancer`
                                : `is LoadBalancer in namespace "${ns}", which is not an ingress namespace (${config.ingressNamespaces.join(", ") || "none configured"})`,
                        fix: "make it ClusterIP and expose it through the ingress controller",
                    },
                ];
            });
    },
});
