/**
 * A realistic phase-5 cluster for the k3s renderers: a real CA hierarchy made with openssl (ECDSA P-256 root and
 * five intermediates, an RSA 2048 service key, as components/k8s/k3sPki.ts makes them), secure tokens computed from
 * the root, and about 4 KB of auto-deploy manifests holding an hcloud token, the biggest server user data there is.
 */
import { secureJoinToken } from "../../../core/k8s/joinToken";
import { K3S_CAS, type K3sCaRole, type K3sPkiMaterial } from "../../../core/k8s/pki";
import type { K3sServerConfigInput, K3sAgentConfigInput } from "../../../core/k8s/k3sConfig";
import type { K3sManifest } from "../../../core/render/machines/k3sNode";
import { removeDir, tempDir } from "../../render/fixtures";
import { CA_EXTENSIONS, OpensslPki, SERVER_EXTENSIONS } from "../../helpers/opensslPki";

export interface TestPki {
    readonly material: K3sPkiMaterial;
    /** Signs a serving certificate for 127.0.0.1 with the server CA; returns [certFile, keyFile] in `dir`. */
    readonly signServing: (dir: string) => [string, string];
}

let pki: TestPki | undefined;

/** Made once per test file: a root and the five CAs k3s wants, each an intermediate of the root. */
export function testPki(): TestPki {
    if (pki) return pki;
    const dir = tempDir("k3s-pki");
    const ca = new OpensslPki(dir);
    ca.selfSigned("root", "k3s-root-ca");
    const cas = {} as Record<K3sCaRole, { certPem: string; keyPem: string }>;
    for (const { role, commonName } of K3S_CAS) {
        ca.issue(role, commonName, "root", CA_EXTENSIONS);
        cas[role] = { certPem: ca.read(`${role}.crt`), keyPem: ca.read(`${role}.key`) };
    }
    ca.rsaKey("service");
    const material: K3sPkiMaterial = {
        rootCertPem: ca.read("root.crt"),
        cas,
        serviceKeyPem: ca.read("service.key"),
    };
    const signServing = (out: string): [string, string] => {
        const serving = new OpensslPki(out);
        serving.issue(
            "serving",
            "k3s",
            { crt: ca.path("server-ca.crt"), key: ca.path("server-ca.key") },
            SERVER_EXTENSIONS,
        );
        return [serving.path("serving.crt"), serving.path("serving.key")];
    };
    pki = { material, signServing };
    process.on("exit", () => removeDir(dir));
    return pki;
}

/** Distinct alphanumeric passwords, so a token found where it must not be is unambiguous. */
export const SERVER_PASSWORD = "SrvPass7Kq2Lm9Xw4Rt8Yu3Zp6";
export const AGENT_PASSWORD = "AgtPass3Hd8Jf5Ks2Lg7Mn4Qb9";

export function tokens(): { serverToken: string; agentToken: string } {
    const root = testPki().material.rootCertPem;
    return {
        serverToken: secureJoinToken(root, "server", SERVER_PASSWORD),
        agentToken: secureJoinToken(root, "node", AGENT_PASSWORD),
    };
}

export const API_LB = { publicIpv4: "116.203.10.20", privateIp: "10.0.0.2" } as const;
export const SERVER_SUBNET = "10.0.0.0/24";
export const POOL_SUBNET = "10.0.16.0/20";

export function serverInput(clusterInit: boolean): K3sServerConfigInput {
    return {
        ...tokens(),
        clusterInit,
        apiLoadBalancer: API_LB,
        network: { clusterCidr: "10.244.0.0/16", serviceCidr: "10.43.0.0/16", clusterDns: "10.43.0.10" },
        etcdSnapshots: {
            scheduleCron: "0 */6 * * *",
            retention: 8,
            endpoint: "fsn1.your-objectstorage.com",
            bucket: "acme-etcd",
            folder: "p5",
            region: "fsn1",
            accessKey: "ETCDKEYID7Q2WE9R4TY",
            secretKey: "EtcdSecret8Ax7Bz9Cy3Dw5Ev1Fu6",
            s3Retention: 14,
        },
        nodeLabels: ["node.phase-stacks.dev/role=control-plane"],
        nodeTaints: ["node-role.kubernetes.io/control-plane=true:NoSchedule"],
    };
}

export function agentInput(): K3sAgentConfigInput {
    return {
        apiPrivateIp: API_LB.privateIp,
        agentToken: tokens().agentToken,
        nodeLabels: ["pool=agents"],
        nodeTaints: ["pool=agents:NoSchedule"],
    };
}

export const HCLOUD_TOKEN = "HcloudTok9Zq81Xw4Rt7Yu2Kd93Lm27Vn45Hs62Jd84Kf19Lg37Tq58Wr13Ab6Cd0E";

/** The hcloud Secret and the CCM/CSI HelmCharts, as the phase-5 manifests look: a little over 4 KB together (4 KB is what the brief sizes for). */
export function manifests(): K3sManifest[] {
    const helmChart = (name: string, chart: string, version: string, values: string) =>
        [
            "apiVersion: helm.cattle.io/v1",
            "kind: HelmChart",
            "metadata:",
            `  name: ${name}`,
            "  namespace: kube-system",
            "spec:",
            "  repo: https://charts.hetzner.cloud",
            `  chart: ${chart}`,
            `  version: ${version}`,
            "  targetNamespace: kube-system",
            "  bootstrap: true",
            "  valuesContent: |-",
            ...values.split("\n").map((l) => `    ${l}`),
            "",
        ].join("\n");
    const ccmValues = [
        "networking:",
        "  enabled: true",
        "  clusterCIDR: 10.244.0.0/16",
        "env:",
        '  HCLOUD_LOAD_BALANCERS_USE_PRIVATE_IP: {value: "true"}',
        "  HCLOUD_LOAD_BALANCERS_LOCATION: {value: fsn1}",
        '  HCLOUD_LOAD_BALANCERS_DISABLE_PRIVATE_INGRESS: {value: "true"}',
        '  HCLOUD_NETWORK_ROUTES_ENABLED: {value: "false"}',
        "monitoring:",
        "  enabled: true",
        "  podMonitor:",
        "    enabled: false",
        "resources:",
        "  requests: {cpu: 100m, memory: 64Mi}",
        "  limits: {memory: 128Mi}",
        "tolerations:",
        '  - {key: node.cloudprovider.kubernetes.io/uninitialized, value: "true", effect: NoSchedule}',
        "  - {key: node-role.kubernetes.io/control-plane, operator: Exists, effect: NoSchedule}",
        "  - {key: CriticalAddonsOnly, operator: Exists}",
    ].join("\n");
    const csiValues = [
        "controller:",
        "  hcloudToken:",
        // Block style, as core/k8s/autoDeploy.ts renders it: the secrets policy's assignment check reads a flow
        // mapping `existingSecret: {name: hcloud, ...}` as the credential `{name:`.
        "    existingSecret:",
        "      name: hcloud",
        "      key: token",
        "  replicaCount: 1",
        "  resources:",
        "    csiAttacher: {requests: {cpu: 10m, memory: 32Mi}}",
        "    csiResizer: {requests: {cpu: 10m, memory: 32Mi}}",
        "    csiProvisioner: {requests: {cpu: 10m, memory: 32Mi}}",
        "    livenessProbe: {requests: {cpu: 10m, memory: 16Mi}}",
        "    hcloudCSIDriver: {requests: {cpu: 50m, memory: 64Mi}}",
        "  tolerations:",
        "    - {key: node-role.kubernetes.io/control-plane, operator: Exists, effect: NoSchedule}",
        "node:",
        "  tolerations:",
        "    - {operator: Exists}",
        "storageClasses:",
        "  - name: hcloud-volumes",
        "    defaultStorageClass: true",
        "    reclaimPolicy: Retain",
        "metrics:",
        "  enabled: true",
    ].join("\n");
    const secret = [
        "apiVersion: v1",
        "kind: Secret",
        "metadata:",
        "  name: hcloud",
        "  namespace: kube-system",
        "type: Opaque",
        "stringData:",
        `  token: ${HCLOUD_TOKEN}`,
        "  network: p5-network",
        "",
    ].join("\n");
    const sucPlan = (name: string, selector: string) =>
        [
            "apiVersion: upgrade.cattle.io/v1",
            "kind: Plan",
            "metadata:",
            `  name: ${name}`,
            "  namespace: system-upgrade",
            "spec:",
            "  concurrency: 1",
            "  cordon: true",
            "  nodeSelector:",
            `    matchExpressions: [{key: node-role.kubernetes.io/control-plane, operator: ${selector}}]`,
            "  serviceAccountName: system-upgrade",
            "  upgrade: {image: rancher/k3s-upgrade}",
            "  version: v1.33.13+k3s2",
            "  window:",
            "    days: [monday, tuesday, wednesday, thursday, friday]",
            '    startTime: "19:00"',
            '    endTime: "21:00"',
            "    timeZone: UTC",
            "",
        ].join("\n");
    const sucRbac = [
        "apiVersion: v1",
        "kind: Namespace",
        "metadata:",
        "  name: system-upgrade",
        "  labels:",
        "    pod-security.kubernetes.io/enforce: privileged",
        "---",
        "apiVersion: v1",
        "kind: ServiceAccount",
        "metadata:",
        "  name: system-upgrade",
        "  namespace: system-upgrade",
        "---",
        "apiVersion: rbac.authorization.k8s.io/v1",
        "kind: ClusterRoleBinding",
        "metadata:",
        "  name: system-upgrade",
        "roleRef:",
        "  apiGroup: rbac.authorization.k8s.io",
        "  kind: ClusterRole",
        "  name: cluster-admin",
        "subjects:",
        "  - kind: ServiceAccount",
        "    name: system-upgrade",
        "    namespace: system-upgrade",
        "",
    ].join("\n");
    const corednsConfig = [
        "apiVersion: v1",
        "kind: ConfigMap",
        "metadata:",
        "  name: coredns-custom",
        "  namespace: kube-system",
        "data:",
        "  log.override: |",
        "    log . {",
        "        class error",
        "    }",
        "  cache.override: |",
        "    cache 300 {",
        "        success 9984 300",
        "        denial 9984 60",
        "        prefetch 10 1m 10%",
        "    }",
        "  forward.override: |",
        "    forward . 185.12.64.1 185.12.64.2 {",
        "        max_concurrent 1000",
        "        health_check 5s",
        "    }",
        "",
    ].join("\n");
    return [
        { name: "hcloud-secret", content: secret },
        { name: "coredns-custom", content: corednsConfig },
        { name: "system-upgrade", content: sucRbac },
        {
            name: "hcloud-ccm",
            content: helmChart("hcloud-ccm", "hcloud-cloud-controller-manager", "1.35.0", ccmValues),
        },
        { name: "hcloud-csi", content: helmChart("hcloud-csi", "hcloud-csi", "2.22.1", csiValues) },
        {
            name: "upgrade-plans",
            content: `${sucPlan("server-plan", "Exists")}---\n${sucPlan("agent-plan", "DoesNotExist")}`,
        },
    ];
}
