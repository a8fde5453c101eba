/** Pulumi type tokens the pack judges. Kubernetes is matched by token because @pulumi/kubernetes is not a dependency. */

export const T = {
    hcloudServer: "hcloud:index/server:Server",
    hcloudVolume: "hcloud:index/volume:Volume",
    hcloudFirewall: "hcloud:index/firewall:Firewall",
    hcloudFirewallAttachment: "hcloud:index/firewallAttachment:FirewallAttachment",
    hcloudLoadBalancerService: "hcloud:index/loadBalancerService:LoadBalancerService",
    dockerContainer: "docker:index/container:Container",
    dockerVolume: "docker:index/volume:Volume",
    cfZoneSetting: "cloudflare:index/zoneSetting:ZoneSetting",
    cfOriginPulls: "cloudflare:index/authenticatedOriginPullsSettings:AuthenticatedOriginPullsSettings",
    cfDnsRecord: "cloudflare:index/dnsRecord:DnsRecord",
    cfRecordLegacy: "cloudflare:index/record:Record",
    k8sNamespace: "kubernetes:core/v1:Namespace",
    k8sResourceQuota: "kubernetes:core/v1:ResourceQuota",
    k8sLimitRange: "kubernetes:core/v1:LimitRange",
    k8sNetworkPolicy: "kubernetes:networking.k8s.io/v1:NetworkPolicy",
    k8sPod: "kubernetes:core/v1:Pod",
    k8sStatefulSet: "kubernetes:apps/v1:StatefulSet",
    k8sService: "kubernetes:core/v1:Service",
} as const;

export const DNS_RECORD_TYPES: readonly string[] = [T.cfDnsRecord, T.cfRecordLegacy];

/** Where each Kubernetes workload kind keeps its pod template (Pod itself holds the spec directly). */
const TEMPLATE_PATHS: ReadonlyArray<readonly [RegExp, readonly string[]]> = [
    [/^kubernetes:core\/v1:Pod$/, []],
    [/^kubernetes:core\/v1:(ReplicationController)$/, ["spec", "template"]],
    [/^kubernetes:core\/v1:PodTemplate$/, ["template"]],
    [
        /^kubernetes:(apps|extensions)\/v1(beta[12])?:(Deployment|StatefulSet|DaemonSet|ReplicaSet)$/,
        ["spec", "template"],
    ],
    [/^kubernetes:batch\/v1(beta1)?:Job$/, ["spec", "template"]],
    [/^kubernetes:batch\/v1(beta1)?:CronJob$/, ["spec", "jobTemplate", "spec", "template"]],
];

/** Path from the resource props to the pod template ({metadata, spec}), or undefined if not a workload. */
export function podTemplatePath(type: string): readonly string[] | undefined {
    return TEMPLATE_PATHS.find(([re]) => re.test(type))?.[1];
}

export function isPodWorkload(type: string): boolean {
    return podTemplatePath(type) !== undefined;
}

/** "docker:index/container:Container" -> "docker Container", for messages. */
export function kindLabel(type: string): string {
    const [provider, , kind] = type.split(":");
    return kind ? `${provider} ${kind}` : type;
}
