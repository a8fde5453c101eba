/**
 * The Pod Security Standards checks at policy version v1.37 ("latest" on a 1.37 apiserver), one function per
 * upstream check in kubernetes/pod-security-admission `policy/check_*.go`, with upstream's check IDs and detail
 * wording. A check returns the forbidden detail, or undefined when the pod passes.
 */
import {
    arr,
    containersOf,
    inUserNamespace,
    isWindows,
    type Container,
    type HostHandler,
    type PodMetadata,
    type PodSpec,
} from "./types";

export const PSS = {
    name: "Pod Security Standards",
    version: "v1.37",
    reference: "https://github.com/kubernetes/pod-security-admission/tree/master/policy",
} as const;

export type Check = (spec: PodSpec, meta: PodMetadata) => string | undefined;

const q = (names: readonly string[]) => names.map((n) => JSON.stringify(n)).join(", ");
const containers = (names: readonly string[]) =>
    `${names.length === 1 ? "container" : "containers"} ${q(names)}`;
const uniq = (xs: readonly string[]) => [...new Set(xs)].sort();
const named = (c: Container) => c.name ?? "";

function hostNamespaces(spec: PodSpec): string | undefined {
    const set = (["hostNetwork", "hostPID", "hostIPC"] as const).filter((k) => spec[k] === true);
    return set.length ? set.map((k) => `${k}=true`).join(", ") : undefined;
}

function privileged(spec: PodSpec): string | undefined {
    const bad = containersOf(spec)
        .filter((c) => c.securityContext?.privileged === true)
        .map(named);
    return bad.length ? `${containers(bad)} must not set securityContext.privileged=true` : undefined;
}

const BASELINE_CAPABILITIES = new Set([
    "AUDIT_WRITE",
    "CHOWN",
    "DAC_OVERRIDE",
    "FOWNER",
    "FSETID",
    "KILL",
    "MKNOD",
    "NET_BIND_SERVICE",
    "SETFCAP",
    "SETGID",
    "SETPCAP",
    "SETUID",
    "SYS_CHROOT",
]);

function addedCapabilities(
    spec: PodSpec,
    allowed: (cap: string) => boolean,
): { bad: string[]; caps: string[] } {
    const bad: string[] = [];
    const caps: string[] = [];
    for (const c of containersOf(spec)) {
        const forbidden = arr(c.securityContext?.capabilities?.add).filter((cap) => !allowed(cap));
        if (forbidden.length) {
            bad.push(named(c));
            caps.push(...forbidden);
        }
    }
    return { bad, caps: uniq(caps) };
}

function capabilitiesBaseline(spec: PodSpec): string | undefined {
    const { bad, caps } = addedCapabilities(spec, (cap) => BASELINE_CAPABILITIES.has(cap));
    return bad.length
        ? `${containers(bad)} must not include ${q(caps)} in securityContext.capabilities.add`
        : undefined;
}

const volumeName = (v: Record<string, unknown>) => (typeof v["name"] === "string" ? v["name"] : "");

function hostPathVolumes(spec: PodSpec): string | undefined {
    const bad = arr(spec.volumes)
        .filter((v) => v["hostPath"] != null)
        .map(volumeName);
    return bad.length ? `${bad.length === 1 ? "hostPath volume" : "hostPath volumes"} ${q(bad)}` : undefined;
}

function hostPorts(spec: PodSpec): string | undefined {
    const bad: string[] = [];
    const ports: string[] = [];
    for (const c of containersOf(spec)) {
        const used = arr(c.ports).filter((p) => (p.hostPort ?? 0) !== 0);
        if (used.length) {
            bad.push(named(c));
            ports.push(...used.map((p) => String(p.hostPort)));
        }
    }
    return bad.length
        ? `${containers(bad)} ${bad.length === 1 ? "uses" : "use"} hostPorts ${uniq(ports).join(", ")}`
        : undefined;
}

function handlerHosts(h: HostHandler | undefined): string[] {
    return [h?.httpGet?.host, h?.tcpSocket?.host].filter(
        (x): x is string => typeof x === "string" && x !== "",
    );
}

function hostProbesAndHostLifecycle(spec: PodSpec): string | undefined {
    const bad: string[] = [];
    const hosts: string[] = [];
    for (const c of containersOf(spec)) {
        const found = [
            c.livenessProbe,
            c.readinessProbe,
            c.startupProbe,
            c.lifecycle?.postStart,
            c.lifecycle?.preStop,
        ].flatMap(handlerHosts);
        if (found.length) {
            bad.push(named(c));
            hosts.push(...found);
        }
    }
    return bad.length
        ? `${containers(uniq(bad))} ${bad.length === 1 ? "uses" : "use"} probe or lifecycle hosts ${q(uniq(hosts))}`
        : undefined;
}

const APPARMOR_ANNOTATION = "container.apparmor.security.beta.kubernetes.io/";
const appArmorTypeOk = (t: string | undefined) => t === "RuntimeDefault" || t === "Localhost";
const appArmorAnnotationOk = (v: string) => v === "" || v === "runtime/default" || v.startsWith("localhost/");

function appArmorProfile(spec: PodSpec, meta: PodMetadata): string | undefined {
    const setters: string[] = [];
    const values: string[] = [];
    const podProfile = spec.securityContext?.appArmorProfile;
    if (podProfile && !appArmorTypeOk(podProfile.type)) {
        setters.push("pod");
        values.push(String(podProfile.type));
    }
    const bad = containersOf(spec).filter((c) => {
        const p = c.securityContext?.appArmorProfile;
        if (p && !appArmorTypeOk(p.type)) values.push(String(p.type));
        return p !== undefined && !appArmorTypeOk(p.type);
    });
    if (bad.length) setters.push(containers(bad.map(named)));
    const annotations = Object.entries(meta.annotations ?? {})
        .filter(([k, v]) => k.startsWith(APPARMOR_ANNOTATION) && !appArmorAnnotationOk(v))
        .map(([k, v]) => `${k}=${JSON.stringify(v)}`);
    if (annotations.length) setters.push(annotations.length === 1 ? "annotation" : "annotations");
    if (!setters.length) return undefined;
    return `${setters.join(" and ")} must not set AppArmor profile type to ${q([...uniq(values), ...annotations.sort()])}`;
}

// v1.31 added container_engine_t.
const SELINUX_TYPES = new Set([
    "",
    "container_t",
    "container_init_t",
    "container_kvm_t",
    "container_engine_t",
]);

function seLinuxOptions(spec: PodSpec): string | undefined {
    const types: string[] = [];
    let user = false;
    let role = false;
    const valid = (o: { type?: string; user?: string; role?: string }) => {
        let ok = true;
        if (!SELINUX_TYPES.has(o.type ?? "")) {
            ok = false;
            types.push(o.type ?? "");
        }
        if (o.user) {
            user = true;
            ok = false;
        }
        if (o.role) {
            role = true;
            ok = false;
        }
        return ok;
    };
    const setters: string[] = [];
    const podOpts = spec.securityContext?.seLinuxOptions;
    if (podOpts && !valid(podOpts)) setters.push("pod");
    const bad = containersOf(spec).filter((c) => {
        const o = c.securityContext?.seLinuxOptions;
        return o !== undefined && !valid(o);
    });
    if (bad.length) setters.push(containers(bad.map(named)));
    if (!setters.length) return undefined;
    const data = [
        ...(types.length ? [`${types.length === 1 ? "type" : "types"} ${q(uniq(types))}`] : []),
        ...(user ? ["user may not be set"] : []),
        ...(role ? ["role may not be set"] : []),
    ];
    return `${setters.join(" and ")} set forbidden securityContext.seLinuxOptions: ${data.join("; ")}`;
}

function procMountDefault(spec: PodSpec): string | undefined {
    const values: string[] = [];
    const bad = containersOf(spec).filter((c) => {
        const pm = c.securityContext?.procMount;
        if (pm !== undefined && pm !== "Default") values.push(pm);
        return pm !== undefined && pm !== "Default";
    });
    return bad.length
        ? `${containers(bad.map(named))} must not set securityContext.procMount to ${q(uniq(values))}`
        : undefined;
}

function procMountBaseline(spec: PodSpec): string | undefined {
    return inUserNamespace(spec) ? undefined : procMountDefault(spec);
}

const seccompOk = (t: string | undefined) => t === "RuntimeDefault" || t === "Localhost";

function seccompProfileBaseline(spec: PodSpec): string | undefined {
    const setters: string[] = [];
    const values: string[] = [];
    const pod = spec.securityContext?.seccompProfile;
    if (pod && !seccompOk(pod.type)) {
        setters.push("pod");
        values.push(String(pod.type));
    }
    const bad = containersOf(spec).filter((c) => {
        const p = c.securityContext?.seccompProfile;
        if (p && !seccompOk(p.type)) values.push(String(p.type));
        return p !== undefined && !seccompOk(p.type);
    });
    if (bad.length) setters.push(containers(bad.map(named)));
    return setters.length
        ? `${setters.join(" and ")} must not set securityContext.seccompProfile.type to ${q(uniq(values))}`
        : undefined;
}

// v1.0, 1.27, 1.29, 1.32 and 1.37 additions (check_sysctls.go).
export const SAFE_SYSCTLS: readonly string[] = [
    "kernel.shm_rmid_forced",
    "net.ipv4.ip_local_port_range",
    "net.ipv4.tcp_syncookies",
    "net.ipv4.ping_group_range",
    "net.ipv4.ip_unprivileged_port_start",
    "net.ipv4.ip_local_reserved_ports",
    "net.ipv4.tcp_keepalive_time",
    "net.ipv4.tcp_fin_timeout",
    "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes",
    "net.ipv4.tcp_rmem",
    "net.ipv4.tcp_wmem",
    "net.ipv4.tcp_slow_start_after_idle",
    "net.ipv4.tcp_notsent_lowat",
];

function sysctls(spec: PodSpec): string | undefined {
    const bad = arr(spec.securityContext?.sysctls)
        .map((s) => s.name ?? "")
        .filter((n) => !SAFE_SYSCTLS.includes(n));
    return bad.length ? `forbidden sysctls ${uniq(bad).join(", ")}` : undefined;
}

function windowsHostProcess(spec: PodSpec): string | undefined {
    const bad = containersOf(spec)
        .filter((c) => c.securityContext?.windowsOptions?.hostProcess === true)
        .map(named);
    const pod = spec.securityContext?.windowsOptions?.hostProcess === true;
    if (!bad.length && !pod) return undefined;
    const who = [...(pod ? ["pod"] : []), ...(bad.length ? [containers(bad)] : [])].join(" and ");
    return `${who} must not set securityContext.windowsOptions.hostProcess=true`;
}

const RESTRICTED_VOLUME_SOURCES = [
    "configMap",
    "csi",
    "downwardAPI",
    "emptyDir",
    "ephemeral",
    "image",
    "persistentVolumeClaim",
    "projected",
    "secret",
];

function restrictedVolumes(spec: PodSpec): string | undefined {
    const bad: string[] = [];
    const types: string[] = [];
    for (const v of arr(spec.volumes)) {
        const sources = Object.keys(v).filter((k) => k !== "name" && v[k] != null);
        // The API server defaults a volume without a source to emptyDir (SetDefaults_Volume).
        if (sources.length === 0 || sources.some((s) => RESTRICTED_VOLUME_SOURCES.includes(s))) continue;
        bad.push(volumeName(v));
        types.push(...sources);
    }
    if (!bad.length) return undefined;
    const n = bad.length === 1;
    return `${n ? "volume" : "volumes"} ${q(bad)} ${n ? "uses" : "use"} restricted volume ${types.length === 1 ? "type" : "types"} ${q(uniq(types))}`;
}

function allowPrivilegeEscalation(spec: PodSpec): string | undefined {
    if (isWindows(spec)) return undefined;
    const bad = containersOf(spec)
        .filter((c) => c.securityContext?.allowPrivilegeEscalation !== false)
        .map(named);
    return bad.length
        ? `${containers(bad)} must set securityContext.allowPrivilegeEscalation=false`
        : undefined;
}

function runAsNonRoot(spec: PodSpec): string | undefined {
    if (inUserNamespace(spec)) return undefined;
    const podValue = spec.securityContext?.runAsNonRoot;
    const explicit: string[] = [];
    const implicit: string[] = [];
    for (const c of containersOf(spec)) {
        const v = c.securityContext?.runAsNonRoot;
        if (v === false) explicit.push(named(c));
        else if (v === undefined && podValue !== true) implicit.push(named(c));
    }
    const details = [
        ...(podValue === false ? ["pod must not set securityContext.runAsNonRoot=false"] : []),
        ...(explicit.length
            ? [`${containers(explicit)} must not set securityContext.runAsNonRoot=false`]
            : []),
        ...(implicit.length
            ? [`pod or ${containers(implicit)} must set securityContext.runAsNonRoot=true`]
            : []),
    ];
    return details.length ? details.join("; ") : undefined;
}

function runAsUser(spec: PodSpec): string | undefined {
    if (inUserNamespace(spec)) return undefined;
    const bad = containersOf(spec)
        .filter((c) => c.securityContext?.runAsUser === 0)
        .map(named);
    const pod = spec.securityContext?.runAsUser === 0;
    if (!pod && !bad.length) return undefined;
    const who = [...(pod ? ["pod"] : []), ...(bad.length ? [containers(bad)] : [])].join(" and ");
    return `${who} must not set runAsUser=0`;
}

function seccompProfileRestricted(spec: PodSpec): string | undefined {
    if (isWindows(spec)) return undefined;
    const pod = spec.securityContext?.seccompProfile;
    const values: string[] = [];
    const explicit: string[] = [];
    const implicit: string[] = [];
    if (pod && !seccompOk(pod.type)) values.push(String(pod.type));
    const podSet = pod !== undefined && seccompOk(pod.type);
    for (const c of containersOf(spec)) {
        const p = c.securityContext?.seccompProfile;
        if (p === undefined) {
            if (!podSet) implicit.push(named(c));
        } else if (!seccompOk(p.type)) {
            explicit.push(named(c));
            values.push(String(p.type));
        }
    }
    const setters = [
        ...(pod && !seccompOk(pod.type) ? ["pod"] : []),
        ...(explicit.length ? [containers(explicit)] : []),
    ];
    const details = [
        ...(setters.length
            ? [
                  `${setters.join(" and ")} must not set securityContext.seccompProfile.type to ${q(uniq(values))}`,
              ]
            : []),
        ...(implicit.length
            ? [
                  `pod or ${containers(implicit)} must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost"`,
              ]
            : []),
    ];
    return details.length ? details.join("; ") : undefined;
}

function capabilitiesRestricted(spec: PodSpec): string | undefined {
    if (isWindows(spec)) return undefined;
    const missingDrop = containersOf(spec)
        .filter((c) => !arr(c.securityContext?.capabilities?.drop).includes("ALL"))
        .map(named);
    const { bad, caps } = addedCapabilities(spec, (cap) => cap === "NET_BIND_SERVICE");
    const details = [
        ...(missingDrop.length
            ? [`${containers(missingDrop)} must set securityContext.capabilities.drop=["ALL"]`]
            : []),
        ...(bad.length
            ? [`${containers(bad)} must not include ${q(caps)} in securityContext.capabilities.add`]
            : []),
    ];
    return details.length ? details.join("; ") : undefined;
}

export const PSS_LEVELS = ["baseline", "restricted"] as const;
export type PssLevel = (typeof PSS_LEVELS)[number];

export interface PssCheck {
    readonly id: string;
    readonly level: PssLevel;
    /** Baseline checks this restricted check replaces at the restricted level (OverrideCheckIDs upstream). */
    readonly overrides?: string;
    readonly check: Check;
    readonly fix: string;
}

export const PSS_CHECKS: readonly PssCheck[] = [
    {
        id: "appArmorProfile",
        level: "baseline",
        check: appArmorProfile,
        fix: "use AppArmor type RuntimeDefault or Localhost (or leave it unset)",
    },
    {
        id: "capabilities_baseline",
        level: "baseline",
        check: capabilitiesBaseline,
        fix: "add only capabilities from the baseline allow-list",
    },
    {
        id: "hostNamespaces",
        level: "baseline",
        check: hostNamespaces,
        fix: "remove hostNetwork, hostPID and hostIPC",
    },
    {
        id: "hostPathVolumes",
        level: "baseline",
        check: hostPathVolumes,
        fix: "replace hostPath volumes with a PersistentVolumeClaim, configMap or secret",
    },
    {
        id: "hostPorts",
        level: "baseline",
        check: hostPorts,
        fix: "remove hostPort and expose the port through a Service",
    },
    {
        id: "hostProbesAndHostLifecycle",
        level: "baseline",
        check: hostProbesAndHostLifecycle,
        fix: "remove .host from probes and lifecycle handlers (the kubelet then targets the pod IP)",
    },
    { id: "privileged", level: "baseline", check: privileged, fix: "remove securityContext.privileged" },
    {
        id: "procMount",
        level: "baseline",
        check: procMountBaseline,
        fix: "remove securityContext.procMount or set it to Default",
    },
    {
        id: "seLinuxOptions",
        level: "baseline",
        check: seLinuxOptions,
        fix: "use an allowed SELinux type (container_t, container_init_t, container_kvm_t, container_engine_t) and no user or role",
    },
    {
        id: "seccompProfile_baseline",
        level: "baseline",
        check: seccompProfileBaseline,
        fix: "use seccompProfile type RuntimeDefault or Localhost",
    },
    {
        id: "sysctls",
        level: "baseline",
        check: sysctls,
        fix: "set only the namespaced sysctls on the PSS allow-list",
    },
    {
        id: "windowsHostProcess",
        level: "baseline",
        check: windowsHostProcess,
        fix: "remove windowsOptions.hostProcess",
    },
    {
        id: "allowPrivilegeEscalation",
        level: "restricted",
        check: allowPrivilegeEscalation,
        fix: "set securityContext.allowPrivilegeEscalation: false on every container",
    },
    {
        id: "capabilities_restricted",
        level: "restricted",
        overrides: "capabilities_baseline",
        check: capabilitiesRestricted,
        fix: 'set securityContext.capabilities: {drop: ["ALL"]} and add at most NET_BIND_SERVICE',
    },
    {
        id: "procMount_restricted",
        level: "restricted",
        overrides: "procMount",
        check: procMountDefault,
        fix: "remove securityContext.procMount or set it to Default",
    },
    {
        id: "restrictedVolumes",
        level: "restricted",
        overrides: "hostPathVolumes",
        check: restrictedVolumes,
        fix: "use only configMap, csi, downwardAPI, emptyDir, ephemeral, image, persistentVolumeClaim, projected or secret volumes",
    },
    {
        id: "runAsNonRoot",
        level: "restricted",
        check: runAsNonRoot,
        fix: "set spec.securityContext.runAsNonRoot: true (and never false on a container)",
    },
    {
        id: "runAsUser",
        level: "restricted",
        check: runAsUser,
        fix: "set runAsUser to a non-zero UID or leave it unset",
    },
    {
        id: "seccompProfile_restricted",
        level: "restricted",
        overrides: "seccompProfile_baseline",
        check: seccompProfileRestricted,
        fix: 'set spec.securityContext.seccompProfile: {type: "RuntimeDefault"}',
    },
];
