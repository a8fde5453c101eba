/**
 * The slice of the Kubernetes Pod API the Pod Security Standards read. Every field is optional because props are
 * untrusted JSON; the checks use `containersOf`/`arr` instead of trusting that arrays are arrays.
 */

export interface SecurityContext {
    privileged?: boolean;
    allowPrivilegeEscalation?: boolean;
    capabilities?: { add?: string[]; drop?: string[] };
    procMount?: string;
    runAsNonRoot?: boolean;
    runAsUser?: number;
    readOnlyRootFilesystem?: boolean;
    seccompProfile?: { type?: string };
    appArmorProfile?: { type?: string };
    seLinuxOptions?: { type?: string; user?: string; role?: string; level?: string };
    windowsOptions?: { hostProcess?: boolean };
}

export interface PodSecurityContext extends SecurityContext {
    sysctls?: { name?: string; value?: string }[];
}

export interface HostHandler {
    httpGet?: { host?: string };
    tcpSocket?: { host?: string };
}

export interface Container {
    name?: string;
    image?: string;
    securityContext?: SecurityContext;
    ports?: { containerPort?: number; hostPort?: number }[];
    livenessProbe?: HostHandler;
    readinessProbe?: HostHandler;
    startupProbe?: HostHandler;
    lifecycle?: { postStart?: HostHandler; preStop?: HostHandler };
    resources?: Resources;
    env?: { name?: string; value?: string }[];
}

export interface Resources {
    limits?: Record<string, string | number>;
    requests?: Record<string, string | number>;
}

export interface PodSpec {
    containers?: Container[];
    initContainers?: Container[];
    ephemeralContainers?: Container[];
    volumes?: Record<string, unknown>[];
    securityContext?: PodSecurityContext;
    hostNetwork?: boolean;
    hostPID?: boolean;
    hostIPC?: boolean;
    hostUsers?: boolean;
    os?: { name?: string };
    resources?: Resources;
}

export interface PodMetadata {
    name?: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
}

export function arr<T>(v: T[] | undefined): T[] {
    return Array.isArray(v) ? v : [];
}

/** Init, regular and ephemeral containers, in the order PSA visits them (visitor.go). */
export function containersOf(spec: PodSpec): Container[] {
    return [...arr(spec.initContainers), ...arr(spec.containers), ...arr(spec.ephemeralContainers)];
}

export function isWindows(spec: PodSpec): boolean {
    return spec.os?.name === "windows";
}

/** `hostUsers: false` puts the pod in a user namespace, which relaxes some checks from policy v1.35 (KEP-127). */
export function inUserNamespace(spec: PodSpec): boolean {
    return spec.hostUsers === false;
}
