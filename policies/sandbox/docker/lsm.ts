/** CIS Docker 5.22, 5.2, 5.3 and the PSS procMount/sysctls checks: kernel confinement the container must keep. */
import { stringMap } from "../../lib/read";
import { SAFE_SYSCTLS } from "../pss/checks";
import { securityOpts, type SecurityOpt } from "./container";
import { dockerPolicy, NO_CONFIG } from "./define";

function optProblems(
    opts: SecurityOpt[],
    key: string,
    bad: (value: string) => string | undefined,
    fix: string,
) {
    return opts.flatMap((o, i) => {
        if (o.key !== key) return [];
        const why = bad((o.value ?? "").trim().toLowerCase());
        return why ? [{ field: `securityOpts[${i}]`, problem: `is "${o.raw}": ${why}`, fix }] : [];
    });
}

export const dockerSeccompNotDisabled = dockerPolicy({
    name: "docker-seccomp-not-disabled",
    description:
        "Docker containers must keep a seccomp profile (Docker's default unless overridden; PSS seccompProfile).",
    item: { cis: "5.22" },
    severity: "high",
    remediation:
        'Remove "seccomp=unconfined" from securityOpts (or point seccomp= at a custom profile file).',
    config: NO_CONFIG,
    judge: (props) =>
        optProblems(
            securityOpts(props),
            "seccomp",
            (v) => (v === "unconfined" ? "it disables syscall filtering" : undefined),
            "remove it to keep Docker's default seccomp profile",
        ),
});

export const dockerAppArmorNotDisabled = dockerPolicy({
    name: "docker-apparmor-not-disabled",
    description:
        "Docker containers must keep an AppArmor profile (docker-default unless overridden; PSS appArmorProfile).",
    item: { cis: "5.2" },
    severity: "high",
    remediation: 'Remove "apparmor=unconfined" from securityOpts.',
    config: NO_CONFIG,
    judge: (props) =>
        optProblems(
            securityOpts(props),
            "apparmor",
            (v) => (v === "unconfined" ? "it disables AppArmor confinement" : undefined),
            "remove it to keep the docker-default profile",
        ),
});

// PSS seLinuxOptions: allowed types; user and role may not be set.
const SELINUX_TYPES = new Set(["container_t", "container_init_t", "container_kvm_t", "container_engine_t"]);

export const dockerSeLinuxNotDisabled = dockerPolicy({
    name: "docker-selinux-not-disabled",
    description:
        "Docker containers must not disable SELinux labelling or pick a privileged SELinux type, user or role (PSS seLinuxOptions).",
    item: { cis: "5.3" },
    severity: "high",
    remediation:
        'Remove "label=disable" and any label=type/user/role option outside container_t, container_init_t, container_kvm_t, container_engine_t.',
    config: NO_CONFIG,
    judge: (props) =>
        optProblems(
            securityOpts(props),
            "label",
            (v) => {
                if (v === "disable") return "it turns SELinux separation off";
                const [part, value = ""] = v.split(":");
                if (part === "user" || part === "role") return `PSS forbids setting the SELinux ${part}`;
                if (part === "type" && !SELINUX_TYPES.has(value))
                    return `SELinux type ${value} is not one PSS allows`;
                return undefined;
            },
            "remove it",
        ),
});

export const dockerMaskedPaths = dockerPolicy({
    name: "docker-masked-paths",
    description:
        "Docker containers must keep /proc and /sys paths masked (no systempaths=unconfined; PSS procMount).",
    item: { pss: "procMount" },
    severity: "high",
    remediation: 'Remove "systempaths=unconfined" from securityOpts.',
    config: NO_CONFIG,
    judge: (props) =>
        optProblems(
            securityOpts(props),
            "systempaths",
            (v) => (v === "unconfined" ? "it unmasks /proc and /sys paths" : undefined),
            "remove it",
        ),
});

export const dockerSafeSysctls = dockerPolicy({
    name: "docker-safe-sysctls",
    description: "Docker containers may set only the namespaced sysctls on the PSS allow-list (v1.37).",
    item: { pss: "sysctls" },
    severity: "medium",
    remediation: `Set only ${SAFE_SYSCTLS.join(", ")}.`,
    config: NO_CONFIG,
    judge: (props) =>
        Object.keys(stringMap(props["sysctls"]))
            .filter((k) => !SAFE_SYSCTLS.includes(k))
            .map((k) => ({
                field: `sysctls["${k}"]`,
                problem: "is not on the PSS safe-sysctl allow-list",
                fix: `remove ${k}`,
            })),
});
