/** Every policy of the pack, grouped by concern. Side-effect free: tests, the CLI and the offline plan import it. */
import { agentPoolHostLimits } from "./caps/agentPool";
import { dockerCpuCap, dockerResourceLimits } from "./caps/docker";
import { monthlyBudget, openEndedBudget } from "./caps/budget";
import { stackPhaseDeclared } from "./caps/phase";
import { k8sResourceLimits } from "./caps/pods";
import { serverCount, serverTypesAllowed } from "./caps/servers";
import { tenantDefaultDeny, tenantLimitRange, tenantResourceQuota } from "./caps/tenants";
import {
    hcloudBackups,
    hcloudDeleteProtection,
    statefulIgnoreChanges,
    statefulProtected,
} from "./data/protection";
import { publicListenTls, publicReplicationHostsslCert, standbyVerifyFull } from "./data/replication";
import { noPrivateAddresses, recordsProxied } from "./edge/dns";
import { alwaysHttps, hsts, minTls, sslStrict, zoneSettingsPresent } from "./edge/zoneSettings";
import type { Concern, PackPolicy } from "./lib/policy";
import { consensusPortsPrivate } from "./network/consensus";
import { serversFirewalled } from "./network/coverage";
import { dataPortsExactPeers } from "./network/dataPorts";
import { loadBalancerNoCloudflareBypass } from "./network/loadBalancer";
import { noPlainDockerApi, noWorldSensitivePorts } from "./network/ingress";
import { webOnlyFromCloudflare } from "./network/origin";
import { loadBalancerServiceIngressOnly } from "./network/services";
import { DOCKER_SANDBOX_POLICIES } from "./sandbox/docker";
import {
    k8sImagePinned,
    k8sPodSecurity,
    k8sReadOnlyRoot,
    k8sTenantNamespaceEnforcesRestricted,
} from "./sandbox/pods";
import { containerEnvSecrets } from "./secrets/env";
import { userDataSecrets } from "./secrets/userData";

export const policies: readonly PackPolicy[] = [
    ...DOCKER_SANDBOX_POLICIES,
    k8sPodSecurity,
    k8sReadOnlyRoot,
    k8sImagePinned,
    k8sTenantNamespaceEnforcesRestricted,
    dockerResourceLimits,
    dockerCpuCap,
    k8sResourceLimits,
    tenantResourceQuota,
    tenantLimitRange,
    tenantDefaultDeny,
    stackPhaseDeclared,
    serverTypesAllowed,
    serverCount,
    monthlyBudget,
    openEndedBudget,
    agentPoolHostLimits,
    noWorldSensitivePorts,
    noPlainDockerApi,
    consensusPortsPrivate,
    dataPortsExactPeers,
    webOnlyFromCloudflare,
    loadBalancerNoCloudflareBypass,
    loadBalancerServiceIngressOnly,
    serversFirewalled,
    statefulProtected,
    hcloudDeleteProtection,
    hcloudBackups,
    statefulIgnoreChanges,
    standbyVerifyFull,
    publicReplicationHostsslCert,
    publicListenTls,
    sslStrict,
    minTls,
    alwaysHttps,
    hsts,
    zoneSettingsPresent,
    recordsProxied,
    noPrivateAddresses,
    userDataSecrets,
    containerEnvSecrets,
];

const BY_NAME = new Map(policies.map((p) => [p.name, p]));

export function policyNamed(name: string): PackPolicy | undefined {
    return BY_NAME.get(name);
}

export function concernOf(name: string): Concern | undefined {
    return BY_NAME.get(name)?.concern;
}
