/**
 * Tables for the Kubernetes sandboxing policies: PSS on every pod template, read-only root, pinned images,
 * namespace PSA labels.
 */
import { TENANT_LABEL } from "../../lib/labels";
import { T } from "../../lib/typeTokens";
import {
    k8sImagePinned,
    k8sPodSecurity,
    k8sReadOnlyRoot,
    k8sTenantNamespaceEnforcesRestricted,
} from "../../sandbox/pods";
import { dig, res, type Change, type PolicyTable } from "../table";

const RESTRICTED_SC = {
    allowPrivilegeEscalation: false,
    capabilities: { drop: ["ALL"] },
    readOnlyRootFilesystem: true,
};
const LIMITS = { limits: { cpu: "500m", memory: "256Mi" }, requests: { cpu: "250m", memory: "256Mi" } };

/** A restricted pod spec: what every tenant workload should look like. */
export function restrictedPodSpec() {
    return {
        securityContext: { runAsNonRoot: true, runAsUser: 10001, seccompProfile: { type: "RuntimeDefault" } },
        initContainers: [
            {
                name: "migrate",
                image: "api:1.4.2",
                securityContext: { ...RESTRICTED_SC },
                resources: structuredClone(LIMITS),
            },
        ],
        containers: [
            {
                name: "agent",
                image: "openclaw:2.1.0",
                securityContext: { ...RESTRICTED_SC },
                resources: structuredClone(LIMITS),
                ports: [{ containerPort: 8080 }],
                livenessProbe: { httpGet: { path: "/healthz", port: 8080 } },
                env: [{ name: "DB_PASSWORD", valueFrom: { secretKeyRef: { name: "db", key: "password" } } }],
            },
        ],
        volumes: [
            { name: "tmp", emptyDir: {} },
            { name: "creds", secret: { secretName: "db" } },
        ],
    };
}

export function deployment(name = "agent", labels: Record<string, string> = {}) {
    return res("kubernetes:apps/v1:Deployment", name, {
        metadata: { namespace: "tenant-a" },
        spec: {
            replicas: 1,
            template: { metadata: { labels: { app: name, ...labels } }, spec: restrictedPodSpec() },
        },
    });
}

const pod = (p: Record<string, unknown>) => dig(p, "spec", "template", "spec");
const agent = (p: Record<string, unknown>) => dig(p, "spec", "template", "spec", "containers", 0);
const agentSc = (p: Record<string, unknown>) => dig(agent(p), "securityContext");
const onPod =
    (f: (spec: Record<string, unknown>) => void): Change =>
    (p) =>
        f(pod(p));
const onSc =
    (f: (sc: Record<string, unknown>) => void): Change =>
    (p) =>
        f(agentSc(p));
const replace =
    (type: string, props: Record<string, unknown>): Change =>
    (_, all) => {
        all[0] = res(type, "workload", props);
    };
const privileged = () => {
    const spec = restrictedPodSpec();
    Object.assign(dig(spec, "containers", 0, "securityContext"), { privileged: true });
    return spec;
};
const PSS = (check: string) => `PSS restricted ${check}`;

export const POD_TABLES: PolicyTable[] = [
    {
        policy: k8sPodSecurity,
        baseline: () => [deployment()],
        broken: [
            {
                name: "hostNetwork",
                change: onPod((s) => (s["hostNetwork"] = true)),
                expect: "fails hostNamespaces: hostNetwork=true",
                id: PSS("hostNamespaces"),
            },
            {
                name: "privileged container",
                change: onSc((sc) => (sc["privileged"] = true)),
                expect: 'container "agent" must not set securityContext.privileged=true',
                id: PSS("privileged"),
            },
            {
                name: "added NET_RAW",
                change: onSc((sc) => (sc["capabilities"] = { drop: ["ALL"], add: ["NET_RAW"] })),
                expect: 'must not include "NET_RAW"',
                id: PSS("capabilities_restricted"),
            },
            {
                name: "no drop ALL",
                change: onSc((sc) => (sc["capabilities"] = {})),
                expect: 'must set securityContext.capabilities.drop=["ALL"]',
                id: PSS("capabilities_restricted"),
            },
            {
                name: "allowPrivilegeEscalation unset",
                change: onSc((sc) => delete sc["allowPrivilegeEscalation"]),
                expect: "must set securityContext.allowPrivilegeEscalation=false",
                id: PSS("allowPrivilegeEscalation"),
            },
            {
                name: "runAsNonRoot unset",
                change: onPod((s) => delete dig(s, "securityContext")["runAsNonRoot"]),
                expect: 'pod or containers "migrate", "agent" must set securityContext.runAsNonRoot=true',
                id: PSS("runAsNonRoot"),
            },
            {
                name: "runAsUser 0",
                change: onSc((sc) => (sc["runAsUser"] = 0)),
                expect: 'container "agent" must not set runAsUser=0',
                id: PSS("runAsUser"),
            },
            {
                name: "seccomp unset",
                change: onPod((s) => delete dig(s, "securityContext")["seccompProfile"]),
                expect: 'must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost"',
                id: PSS("seccompProfile_restricted"),
            },
            {
                name: "seccomp Unconfined",
                change: onSc((sc) => (sc["seccompProfile"] = { type: "Unconfined" })),
                expect: 'must not set securityContext.seccompProfile.type to "Unconfined"',
                id: PSS("seccompProfile_restricted"),
            },
            {
                name: "hostPath volume",
                change: onPod(
                    (s) => (s["volumes"] = [{ name: "docker", hostPath: { path: "/var/run/docker.sock" } }]),
                ),
                expect: 'volume "docker" uses restricted volume type "hostPath"',
                id: PSS("restrictedVolumes"),
            },
            {
                name: "hostPort",
                change: (p) => (agent(p)["ports"] = [{ containerPort: 8080, hostPort: 8080 }]),
                expect: 'container "agent" uses hostPorts 8080',
                id: PSS("hostPorts"),
            },
            {
                name: "procMount Unmasked",
                change: onSc((sc) => (sc["procMount"] = "Unmasked")),
                expect: 'must not set securityContext.procMount to "Unmasked"',
                id: PSS("procMount_restricted"),
            },
            {
                name: "unsafe sysctl",
                change: onPod(
                    (s) => (dig(s, "securityContext")["sysctls"] = [{ name: "kernel.msgmax", value: "1" }]),
                ),
                expect: "forbidden sysctls kernel.msgmax",
                id: PSS("sysctls"),
            },
            {
                name: "AppArmor annotation unconfined",
                change: (p) =>
                    (dig(p, "spec", "template", "metadata")["annotations"] = {
                        "container.apparmor.security.beta.kubernetes.io/agent": "unconfined",
                    }),
                expect: "annotation must not set AppArmor profile type",
                id: PSS("appArmorProfile"),
            },
            {
                name: "AppArmor field Unconfined",
                change: onSc((sc) => (sc["appArmorProfile"] = { type: "Unconfined" })),
                expect: 'container "agent" must not set AppArmor profile type to "Unconfined"',
                id: PSS("appArmorProfile"),
            },
            {
                name: "SELinux spc_t",
                change: onSc((sc) => (sc["seLinuxOptions"] = { type: "spc_t" })),
                expect: 'set forbidden securityContext.seLinuxOptions: type "spc_t"',
                id: PSS("seLinuxOptions"),
            },
            {
                name: "windows hostProcess",
                change: onSc((sc) => (sc["windowsOptions"] = { hostProcess: true })),
                expect: "must not set securityContext.windowsOptions.hostProcess=true",
                id: PSS("windowsHostProcess"),
            },
            {
                name: "probe host",
                change: (p) =>
                    (agent(p)["livenessProbe"] = { tcpSocket: { host: "169.254.169.254", port: 80 } }),
                expect: 'uses probe or lifecycle hosts "169.254.169.254"',
                id: PSS("hostProbesAndHostLifecycle"),
            },
            {
                name: "a privileged Pod",
                change: replace(T.k8sPod, { metadata: { namespace: "tenant-a" }, spec: privileged() }),
                expect: "kubernetes Pod 'workload': spec fails privileged",
                id: PSS("privileged"),
            },
            {
                name: "a privileged CronJob",
                change: replace("kubernetes:batch/v1:CronJob", {
                    spec: { schedule: "@daily", jobTemplate: { spec: { template: { spec: privileged() } } } },
                }),
                expect: "spec.jobTemplate.spec.template.spec fails privileged",
                id: PSS("privileged"),
            },
            {
                name: "a privileged Job",
                change: replace("kubernetes:batch/v1:Job", { spec: { template: { spec: privileged() } } }),
                expect: "kubernetes Job 'workload'",
                id: PSS("privileged"),
            },
            {
                name: "a privileged DaemonSet",
                change: replace("kubernetes:apps/v1:DaemonSet", {
                    spec: { template: { spec: privileged() } },
                }),
                expect: "kubernetes DaemonSet 'workload'",
                id: PSS("privileged"),
            },
            {
                name: "a privileged StatefulSet",
                change: replace("kubernetes:apps/v1:StatefulSet", {
                    spec: { template: { spec: privileged() } },
                }),
                expect: "kubernetes StatefulSet 'workload'",
                id: PSS("privileged"),
            },
            {
                name: "a privileged ReplicaSet",
                change: replace("kubernetes:apps/v1:ReplicaSet", {
                    spec: { template: { spec: privileged() } },
                }),
                expect: "kubernetes ReplicaSet 'workload'",
                id: PSS("privileged"),
            },
            {
                name: "baseline checks at the baseline level",
                change: onPod((s) => (s["hostPID"] = true)),
                config: { level: "baseline" },
                expect: "fails hostNamespaces: hostPID=true",
                id: "PSS baseline hostNamespaces",
            },
        ],
        passing: [
            {
                name: "restricted fields missing at the baseline level",
                change: onPod((s) => (s["securityContext"] = {})),
                config: { level: "baseline" },
            },
            {
                name: "an exempt namespace",
                change: (p) =>
                    Object.assign(p, {
                        metadata: { namespace: "kube-system" },
                        spec: { template: { spec: privileged() } },
                    }),
            },
            {
                name: "runAsNonRoot at container level only",
                change: (p) => {
                    delete dig(pod(p), "securityContext")["runAsNonRoot"];
                    for (const c of [dig(pod(p), "containers", 0), dig(pod(p), "initContainers", 0)])
                        dig(c, "securityContext")["runAsNonRoot"] = true;
                },
            },
            {
                name: "a user-namespaced pod with runAsUser 0",
                change: onPod((s) => {
                    s["hostUsers"] = false;
                    dig(s, "securityContext")["runAsUser"] = 0;
                }),
            },
            {
                name: "an image volume (allowed since 1.33)",
                change: onPod(
                    (s) => (s["volumes"] = [{ name: "model", image: { reference: "registry/model:1" } }]),
                ),
            },
            {
                name: "SELinux container_engine_t (1.31)",
                change: onSc((sc) => (sc["seLinuxOptions"] = { type: "container_engine_t" })),
            },
        ],
    },
    {
        policy: k8sReadOnlyRoot,
        baseline: () => [deployment()],
        broken: [
            {
                name: "container without it",
                change: onSc((sc) => delete sc["readOnlyRootFilesystem"]),
                expect: 'container "agent" securityContext.readOnlyRootFilesystem is not true',
            },
            {
                name: "init container set to false",
                change: onPod(
                    (s) => (dig(s, "initContainers", 0, "securityContext")["readOnlyRootFilesystem"] = false),
                ),
                expect: 'container "migrate"',
            },
        ],
        passing: [
            {
                name: "an exempt namespace",
                change: (p) => {
                    dig(p, "metadata")["namespace"] = "kube-system";
                    delete agentSc(p)["readOnlyRootFilesystem"];
                },
            },
        ],
    },
    {
        policy: k8sImagePinned,
        baseline: () => [deployment()],
        broken: [
            {
                name: "an image without a tag",
                change: (p) => (agent(p)["image"] = "nginx"),
                expect: 'container "agent" image "nginx" is not pinned: it names no tag, so the runtime pulls latest',
            },
            {
                name: "the latest tag",
                change: (p) => (agent(p)["image"] = "nginx:latest"),
                expect: '"nginx:latest" is not pinned: latest is a moving tag',
            },
            {
                name: "the latest tag in capitals",
                change: (p) => (agent(p)["image"] = "nginx:LATEST"),
                expect: '"nginx:LATEST" is not pinned',
            },
            {
                name: "a registry port but no tag",
                change: (p) => (agent(p)["image"] = "registry.local:5000/team/app"),
                expect: '"registry.local:5000/team/app" is not pinned: it names no tag',
            },
            {
                name: "an empty tag",
                change: (p) => (agent(p)["image"] = "nginx:"),
                expect: "its tag is empty",
            },
            {
                name: "a malformed digest",
                change: (p) => (agent(p)["image"] = "nginx@sha256:abc"),
                expect: "its digest is not sha256:<64 hex>",
            },
            {
                name: "no image",
                change: (p) => delete agent(p)["image"],
                expect: 'container "agent" image is not set',
            },
            {
                name: "an unpinned init container",
                change: onPod((s) => (dig(s, "initContainers", 0)["image"] = "busybox")),
                expect: 'spec.template.spec container "migrate" image "busybox" is not pinned',
            },
            {
                name: "an unpinned CronJob",
                change: replace("kubernetes:batch/v1:CronJob", {
                    spec: {
                        schedule: "@daily",
                        jobTemplate: {
                            spec: {
                                template: { spec: { containers: [{ name: "job", image: "app:latest" }] } },
                            },
                        },
                    },
                }),
                expect: 'spec.jobTemplate.spec.template.spec container "job" image "app:latest"',
            },
            {
                name: "an unpinned Pod",
                change: replace(T.k8sPod, { spec: { containers: [{ name: "p", image: "nginx" }] } }),
                expect: 'kubernetes Pod \'workload\': spec container "p" image "nginx" is not pinned',
            },
            {
                name: "an unpinned system pod (no namespace is exempt)",
                change: (p) => {
                    dig(p, "metadata")["namespace"] = "kube-system";
                    agent(p)["image"] = "nginx";
                },
                expect: '"nginx" is not pinned',
            },
        ],
        passing: [
            { name: "a fixed tag", change: (p) => (agent(p)["image"] = "nginx:1.27.3") },
            {
                name: "a digest",
                change: (p) => (agent(p)["image"] = `ghcr.io/x/y@sha256:${"a1".repeat(32)}`),
            },
            {
                name: "a tag and a digest",
                change: (p) => (agent(p)["image"] = `nginx:latest@sha256:${"0f".repeat(32)}`),
            },
            {
                name: "a registry port and a tag",
                change: (p) => (agent(p)["image"] = "registry.local:5000/team/app:2.0.1"),
            },
            {
                name: "a tag that merely contains latest",
                change: (p) => (agent(p)["image"] = "app:latest-1.2"),
            },
        ],
    },
    {
        policy: k8sTenantNamespaceEnforcesRestricted,
        baseline: () => [
            res(T.k8sNamespace, "tenant-a", {
                metadata: {
                    name: "tenant-a",
                    labels: { [TENANT_LABEL]: "a", "pod-security.kubernetes.io/enforce": "restricted" },
                },
            }),
        ],
        broken: [
            {
                name: "no enforce label",
                change: (p) => delete dig(p, "metadata", "labels")["pod-security.kubernetes.io/enforce"],
                expect: 'metadata.labels["pod-security.kubernetes.io/enforce"] is not set',
            },
            {
                name: "enforce baseline",
                change: (p) =>
                    (dig(p, "metadata", "labels")["pod-security.kubernetes.io/enforce"] = "baseline"),
                expect: 'is "baseline", not restricted',
            },
            {
                name: "a pinned old version",
                change: (p) =>
                    (dig(p, "metadata", "labels")["pod-security.kubernetes.io/enforce-version"] = "v1.25"),
                expect: 'pins "v1.25"',
            },
        ],
        passing: [
            {
                name: "enforce-version latest",
                change: (p) =>
                    (dig(p, "metadata", "labels")["pod-security.kubernetes.io/enforce-version"] = "latest"),
            },
            {
                name: "a namespace that is not a tenant's",
                change: (p) => (dig(p, "metadata")["labels"] = {}),
            },
        ],
    },
];
