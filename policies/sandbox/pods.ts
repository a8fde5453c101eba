/**
 * Kubernetes sandboxing: every pod template meets the Pod Security Standards (restricted by default), runs with
 * a read-only root filesystem (CIS Docker 5.13's Kubernetes equivalent) and pinned images, and tenant namespaces
 * ask the cluster's own admission controller to enforce restricted, which also covers pods the pack never sees
 * (operators, jobs).
 */
import { z } from "zod";
import { unpinnedReason } from "../lib/images";
import { isTenantNamespace, k8sLabels, k8sNamespace } from "../lib/labels";
import { CHECKOV_KUBERNETES, resourcePolicy } from "../lib/policy";
import { isPodWorkload, T } from "../lib/typeTokens";
import { podTemplateOf } from "./podTemplate";
import { PSS, PSS_LEVELS } from "./pss/checks";
import { podSpecViolations } from "./pss/judge";
import { arr, containersOf } from "./pss/types";

const exemptNamespaces = z
    .array(z.string())
    .default(["kube-system", "system-upgrade"])
    .describe(
        "Namespaces whose pods are not judged (node agents such as CSI drivers run there, and k3s's upgrade jobs need the host: PSA exempts them).",
    );

export const k8sPodSecurity = resourcePolicy({
    name: "k8s-pod-security-restricted",
    description:
        "Every pod template (Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob) meets the Pod Security Standards at the configured level, restricted by default.",
    concern: "sandbox",
    level: "mandatory",
    severity: "critical",
    framework: { ...PSS, id: "restricted" },
    remediation:
        'Give every pod securityContext {runAsNonRoot: true, seccompProfile: {type: "RuntimeDefault"}} and every container {allowPrivilegeEscalation: false, capabilities: {drop: ["ALL"]}}; no host namespaces, ports or paths.',
    config: z.strictObject({
        level: z
            .enum(PSS_LEVELS)
            .default("restricted")
            .describe("Pod Security Standards level pods must meet."),
        exemptNamespaces,
    }),
    appliesTo: isPodWorkload,
    judge: (r, config) => {
        const pod = podTemplateOf(r.type, r.props);
        if (!pod || config.exemptNamespaces.includes(k8sNamespace(r.props))) return [];
        return podSpecViolations(pod.spec, config.level, pod.meta).map((v) => ({
            field: pod.field,
            problem: `fails ${v.check}: ${v.detail}`,
            fix: v.fix,
            id: `PSS ${config.level} ${v.check}`,
        }));
    },
});

export const k8sReadOnlyRoot = resourcePolicy({
    name: "k8s-read-only-root-filesystem",
    description: "Every container in a pod template runs with securityContext.readOnlyRootFilesystem: true.",
    concern: "sandbox",
    level: "mandatory",
    severity: "medium",
    framework: { ...CHECKOV_KUBERNETES, id: "CKV_K8S_22" },
    remediation: "Set readOnlyRootFilesystem: true and mount an emptyDir where the process writes.",
    config: z.strictObject({ exemptNamespaces }),
    appliesTo: isPodWorkload,
    judge: (r, config) => {
        const pod = podTemplateOf(r.type, r.props);
        if (!pod || config.exemptNamespaces.includes(k8sNamespace(r.props))) return [];
        return [...arr(pod.spec.initContainers), ...arr(pod.spec.containers)]
            .filter((c) => c.securityContext?.readOnlyRootFilesystem !== true)
            .map((c) => ({
                field: `${pod.field} container "${c.name ?? ""}" securityContext.readOnlyRootFilesystem`,
                problem: "is not true (CIS Docker 5.13)",
                fix: "set it to true and mount an emptyDir for writable paths",
            }));
    },
});

export const k8sImagePinned = resourcePolicy({
    name: "k8s-image-pinned",
    description:
        "Every container and init container image of every pod template names a tag other than latest, or a digest, so a restart or reschedule runs the image that was reviewed.",
    concern: "sandbox",
    level: "mandatory",
    severity: "medium",
    framework: { ...CHECKOV_KUBERNETES, id: "CKV_K8S_14" },
    remediation: 'Reference each image by a fixed tag ("nginx:1.27.3") or a digest ("nginx@sha256:...").',
    config: z.strictObject({}),
    appliesTo: isPodWorkload,
    judge: (r) => {
        const pod = podTemplateOf(r.type, r.props);
        if (!pod) return [];
        return containersOf(pod.spec).flatMap((c) => {
            const field = `${pod.field} container "${c.name ?? ""}" image`;
            const image = typeof c.image === "string" ? c.image : undefined;
            const reason = image === undefined ? undefined : unpinnedReason(image);
            if (image === undefined)
                return [{ field, problem: "is not set", fix: "name an image with a fixed tag or a digest" }];
            return reason === undefined
                ? []
                : [
                      {
                          field,
                          problem: `"${image}" is not pinned: ${reason}`,
                          fix: "use a fixed tag other than latest, or a digest",
                      },
                  ];
        });
    },
});

const ENFORCE = "pod-security.kubernetes.io/enforce";
const ENFORCE_VERSION = "pod-security.kubernetes.io/enforce-version";

export const k8sTenantNamespaceEnforcesRestricted = resourcePolicy({
    name: "k8s-tenant-namespace-enforces-restricted",
    description: `Tenant namespaces (labelled phase-stacks/tenant) carry ${ENFORCE}=restricted at the latest policy version, so the cluster rejects pods the pack cannot see.`,
    concern: "sandbox",
    level: "mandatory",
    severity: "high",
    framework: {
        name: "Kubernetes Pod Security Admission",
        version: "v1.37",
        id: "enforce=restricted",
        reference: "https://kubernetes.io/docs/concepts/security/pod-security-admission/",
    },
    remediation: `Label the namespace ${ENFORCE}: restricted and leave ${ENFORCE_VERSION} unset or "latest".`,
    config: z.strictObject({}),
    appliesTo: (type) => type === T.k8sNamespace,
    judge: (r) => {
        if (!isTenantNamespace(r.props)) return [];
        const labels = k8sLabels(r.props);
        const version = labels[ENFORCE_VERSION];
        return [
            ...(labels[ENFORCE] === "restricted"
                ? []
                : [
                      {
                          field: `metadata.labels["${ENFORCE}"]`,
                          problem: labels[ENFORCE] ? `is "${labels[ENFORCE]}", not restricted` : "is not set",
                          fix: `set it to "restricted"`,
                      },
                  ]),
            ...(version === undefined || version === "latest"
                ? []
                : [
                      {
                          field: `metadata.labels["${ENFORCE_VERSION}"]`,
                          problem: `pins "${version}", which drops checks added since`,
                          fix: 'remove it or set "latest"',
                      },
                  ]),
        ];
    },
});
