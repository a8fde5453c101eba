/** Tables for the Docker container sandboxing policies (CIS Docker section 5, PSS equivalents). */
import { T } from "../../lib/typeTokens";
import * as fs from "../../sandbox/docker/filesystem";
import * as lsm from "../../sandbox/docker/lsm";
import * as ns from "../../sandbox/docker/namespaces";
import * as ports from "../../sandbox/docker/ports";
import * as priv from "../../sandbox/docker/privileges";
import * as rt from "../../sandbox/docker/runtime";
import { res, type Change, type PolicyTable } from "../table";

export const DIGEST = `sha256:${"ab".repeat(32)}`;

/** A dev-stack Postgres container that meets every sandboxing policy. */
export function compliantContainer() {
    return res(T.dockerContainer, "postgres", {
        image: `postgres@${DIGEST}`,
        user: "70:70",
        capabilities: { drops: ["ALL"] },
        securityOpts: ["no-new-privileges:true"],
        readOnly: true,
        tmpfs: { "/tmp": "rw,noexec,nosuid,size=64m", "/run/postgresql": "rw,size=1m" },
        memory: 1024,
        memorySwap: 1024,
        cpus: "1.0",
        ports: [{ internal: 5432, external: 15432, ip: "127.0.0.1", protocol: "tcp" }],
        networksAdvanced: [{ name: "phase-stacks-dev" }],
        healthcheck: { tests: ["CMD", "pg_isready", "-U", "app"], interval: "10s" },
        restart: "unless-stopped",
        mounts: [
            { type: "volume", source: "pgdata", target: "/var/lib/postgresql/data" },
            {
                type: "bind",
                source: "/srv/phase-stacks/dev/postgresql.conf",
                target: "/etc/postgresql/postgresql.conf",
                readOnly: true,
            },
        ],
        envs: ["POSTGRES_PASSWORD_FILE=/run/secrets/postgres", "PGDATA=/var/lib/postgresql/data/pgdata"],
        sysctls: { "net.ipv4.tcp_keepalive_time": "600" },
    });
}

const set =
    (key: string, value: unknown): Change =>
    (p) => {
        p[key] = value;
    };
const bind =
    (source: string, extra: Record<string, unknown> = {}): Change =>
    (p) => {
        p["mounts"] = [{ type: "bind", source, target: "/mnt/x", readOnly: true, ...extra }];
    };
const opts = (...o: string[]): Change => set("securityOpts", ["no-new-privileges:true", ...o]);

const table = (
    policy: PolicyTable["policy"],
    rest: Omit<PolicyTable, "policy" | "baseline">,
): PolicyTable => ({
    policy,
    baseline: () => [compliantContainer()],
    ...rest,
});

export const DOCKER_TABLES: PolicyTable[] = [
    table(priv.dockerNonRootUser, {
        broken: [
            { name: "no user", change: set("user", undefined), expect: "user is not set" },
            { name: 'user "root"', change: set("user", "root"), expect: 'user is "root", which is UID 0' },
            { name: 'user "0"', change: set("user", "0"), expect: 'user is "0", which is UID 0' },
            { name: 'user "0:0"', change: set("user", "0:0"), expect: 'user is "0:0", which is UID 0' },
            {
                name: 'user "root:root"',
                change: set("user", "root:root"),
                expect: 'is "root:root", which is UID 0',
            },
            { name: 'user "000:70"', change: set("user", "000:70"), expect: "which is UID 0" },
            {
                name: "a user name",
                change: set("user", "postgres"),
                expect: 'user is the name "postgres", which the pack cannot prove is not UID 0',
            },
        ],
        passing: [
            { name: 'user "1000"', change: set("user", "1000") },
            { name: 'user "1000:0" (group 0 is allowed by PSS)', change: set("user", "1000:0") },
        ],
    }),
    table(lsm.dockerAppArmorNotDisabled, {
        broken: [
            {
                name: "apparmor=unconfined",
                change: opts("apparmor=unconfined"),
                expect: 'securityOpts[1] is "apparmor=unconfined": it disables AppArmor',
            },
            {
                name: "apparmor:unconfined (legacy colon)",
                change: opts("apparmor:unconfined"),
                expect: 'is "apparmor:unconfined"',
            },
        ],
        passing: [{ name: "apparmor=docker-default", change: opts("apparmor=docker-default") }],
    }),
    table(lsm.dockerSeLinuxNotDisabled, {
        broken: [
            {
                name: "label=disable",
                change: opts("label=disable"),
                expect: "it turns SELinux separation off",
            },
            { name: "label:disable", change: opts("label:disable"), expect: 'is "label:disable"' },
            {
                name: "label=type:spc_t",
                change: opts("label=type:spc_t"),
                expect: "SELinux type spc_t is not one PSS allows",
            },
            {
                name: "label=user:system_u",
                change: opts("label=user:system_u"),
                expect: "PSS forbids setting the SELinux user",
            },
            {
                name: "label=role:sysadm_r",
                change: opts("label=role:sysadm_r"),
                expect: "PSS forbids setting the SELinux role",
            },
        ],
        passing: [
            { name: "label=type:container_t", change: opts("label=type:container_t") },
            { name: "label=level:s0:c100,c200", change: opts("label=level:s0:c100,c200") },
        ],
    }),
    table(priv.dockerCapabilitiesDropped, {
        broken: [
            {
                name: "no capabilities",
                change: set("capabilities", undefined),
                expect: "capabilities.drops does not include ALL",
            },
            {
                name: "drops only NET_RAW",
                change: set("capabilities", { drops: ["NET_RAW"] }),
                expect: "capabilities.drops does not include ALL",
            },
            {
                name: "adds SYS_ADMIN",
                change: set("capabilities", { drops: ["ALL"], adds: ["SYS_ADMIN", "NET_BIND_SERVICE"] }),
                expect: "capabilities.adds adds SYS_ADMIN, beyond the only allowed NET_BIND_SERVICE",
            },
            {
                name: "adds cap_net_raw",
                change: set("capabilities", { drops: ["ALL"], adds: ["cap_net_raw"] }),
                expect: "adds NET_RAW",
            },
        ],
        passing: [
            { name: 'drops ["all"] (Docker ignores case)', change: set("capabilities", { drops: ["all"] }) },
            {
                name: "adds CAP_NET_BIND_SERVICE",
                change: set("capabilities", { drops: ["ALL"], adds: ["CAP_NET_BIND_SERVICE"] }),
            },
        ],
    }),
    table(priv.dockerNotPrivileged, {
        broken: [{ name: "privileged: true", change: set("privileged", true), expect: "privileged is true" }],
        passing: [{ name: "privileged: false", change: set("privileged", false) }],
    }),
    table(fs.dockerNoSensitiveMounts, {
        broken: [
            {
                name: "bind of /etc",
                change: bind("/etc"),
                expect: 'mounts[0].source bind-mounts "/etc", inside the sensitive host directory /etc',
            },
            {
                name: "bind under /var/run",
                change: bind("/var/run/docker.sock"),
                expect: "inside the sensitive host directory /var/run",
            },
            {
                name: "bind of / via volumes[].hostPath",
                change: set("volumes", [{ hostPath: "/", containerPath: "/host", readOnly: true }]),
                expect: 'volumes[0].source bind-mounts "/"',
            },
            {
                name: "bind escaping with ..",
                change: bind("/srv/../etc/shadow"),
                expect: "inside the sensitive host directory /etc",
            },
            {
                name: "writable bind",
                change: bind("/srv/data", { readOnly: false }),
                expect: 'mounts[0].readOnly is not true for host path "/srv/data"',
            },
            {
                name: "read-only bind when allowReadOnlyBindMounts is false",
                change: bind("/srv/phase-stacks/dev/app.conf"),
                config: { allowReadOnlyBindMounts: false },
                expect: "PSS restrictedVolumes allows no host paths",
            },
        ],
        passing: [
            { name: "read-only bind of a dedicated path", change: bind("/srv/phase-stacks/dev/Caddyfile") },
            { name: '"/etcetera" is not under "/etc"', change: bind("/etcetera/app.conf") },
            {
                name: "named volume",
                change: set("mounts", [{ type: "volume", source: "data", target: "/data" }]),
            },
        ],
    }),
    table(fs.dockerNoRuntimeSocket, {
        broken: [
            {
                name: "/var/run/docker.sock",
                change: bind("/var/run/docker.sock"),
                expect: '"/var/run/docker.sock" exposes the container runtime socket',
            },
            { name: "the /run directory", change: bind("/run"), expect: '"/run" exposes' },
            {
                name: "containerd socket via volumes",
                change: set("volumes", [
                    { hostPath: "/run/containerd/containerd.sock", containerPath: "/c.sock" },
                ]),
                expect: "volumes[0].source",
            },
            {
                name: "a rootless docker.sock",
                change: bind("/home/dev/.docker/run/docker.sock"),
                expect: "exposes the container runtime socket",
            },
        ],
        passing: [{ name: "an application socket", change: bind("/srv/sockets/app.sock") }],
    }),
    table(fs.dockerNoSharedPropagation, {
        broken: [
            {
                name: "shared",
                change: bind("/srv/x", { bindOptions: { propagation: "shared" } }),
                expect: 'mounts[0].bindOptions.propagation is "shared"',
            },
            {
                name: "rshared",
                change: bind("/srv/x", { bindOptions: { propagation: "rshared" } }),
                expect: 'is "rshared"',
            },
        ],
        passing: [{ name: "rprivate", change: bind("/srv/x", { bindOptions: { propagation: "rprivate" } }) }],
    }),
    table(ports.dockerNoPrivilegedPorts, {
        broken: [
            {
                name: "host port 80",
                change: set("ports", [{ internal: 80, external: 80, ip: "127.0.0.1" }]),
                expect: "ports[0].external is 80, a privileged host port",
            },
        ],
        passing: [
            {
                name: "host port 1024",
                change: set("ports", [{ internal: 80, external: 1024, ip: "127.0.0.1" }]),
            },
            { name: "random host port", change: set("ports", [{ internal: 80, ip: "127.0.0.1" }]) },
        ],
    }),
    table(ns.dockerNoHostNetwork, {
        broken: [
            {
                name: 'networkMode "host"',
                change: set("networkMode", "host"),
                expect: 'networkMode is "host"',
            },
        ],
        passing: [{ name: 'networkMode "container:db"', change: set("networkMode", "container:db") }],
    }),
    table(ns.dockerNoHostPid, {
        broken: [{ name: 'pidMode "host"', change: set("pidMode", "host"), expect: "host's PID namespace" }],
    }),
    table(ns.dockerNoHostIpc, {
        broken: [{ name: 'ipcMode "host"', change: set("ipcMode", "host"), expect: "host's IPC namespace" }],
        passing: [{ name: 'ipcMode "private"', change: set("ipcMode", "private") }],
    }),
    table(ns.dockerNoHostUserns, {
        broken: [
            { name: 'usernsMode "host"', change: set("usernsMode", "HOST"), expect: "host's user namespace" },
        ],
    }),
    table(fs.dockerReadOnlyRoot, {
        broken: [
            { name: "readOnly unset", change: set("readOnly", undefined), expect: "readOnly is not true" },
            { name: "readOnly false", change: set("readOnly", false), expect: "readOnly is not true" },
        ],
    }),
    table(ports.dockerPortsBound, {
        broken: [
            {
                name: "ip unset",
                change: set("ports", [{ internal: 5432, external: 15432 }]),
                expect: "ports[0].ip is not set, so Docker binds 0.0.0.0",
            },
            {
                name: "ip 0.0.0.0",
                change: set("ports", [{ internal: 5432, ip: "0.0.0.0" }]),
                expect: 'ports[0].ip is "0.0.0.0", every host interface',
            },
            { name: "ip ::", change: set("ports", [{ internal: 5432, ip: "::" }]), expect: 'is "::"' },
            {
                name: "publishAllPorts",
                change: set("publishAllPorts", true),
                expect: "publishAllPorts is true",
                id: "CIS Docker Benchmark 5.9",
            },
        ],
        passing: [
            { name: "ip ::1", change: set("ports", [{ internal: 5432, ip: "::1" }]) },
            { name: "private network address", change: set("ports", [{ internal: 5432, ip: "10.0.1.2" }]) },
        ],
    }),
    table(rt.dockerRestartRetries, {
        broken: [
            {
                name: "on-failure without a cap",
                change: set("restart", "on-failure"),
                expect: "maxRetryCount is not set, so restarts are unlimited",
            },
            {
                name: "on-failure with 10 retries",
                change: (p) => Object.assign(p, { restart: "on-failure", maxRetryCount: 10 }),
                expect: "maxRetryCount is 10, above 5",
            },
        ],
        passing: [
            {
                name: "on-failure with 5 retries",
                change: (p) => Object.assign(p, { restart: "on-failure", maxRetryCount: 5 }),
            },
        ],
    }),
    table(priv.dockerNoHostDevices, {
        broken: [
            {
                name: "devices",
                change: set("devices", [{ hostPath: "/dev/kvm" }]),
                expect: "devices exposes host devices (1)",
            },
            { name: "gpus", change: set("gpus", "all"), expect: "gpus exposes host devices" },
            {
                name: "deviceRequests",
                change: set("deviceRequests", [{ count: 1 }]),
                expect: "deviceRequests exposes",
            },
            {
                name: "deviceCgroupRules",
                change: set("deviceCgroupRules", ["c 1:3 mr"]),
                expect: "deviceCgroupRules exposes",
            },
        ],
        passing: [{ name: "empty devices", change: set("devices", []) }],
    }),
    table(lsm.dockerSeccompNotDisabled, {
        broken: [
            {
                name: "seccomp=unconfined",
                change: opts("seccomp=unconfined"),
                expect: "it disables syscall filtering",
            },
            {
                name: "seccomp:unconfined",
                change: opts("seccomp:unconfined"),
                expect: 'is "seccomp:unconfined"',
            },
        ],
        passing: [{ name: "a custom profile", change: opts("seccomp=/etc/docker/seccomp.json") }],
    }),
    table(priv.dockerNoNewPrivileges, {
        broken: [
            {
                name: "missing",
                change: set("securityOpts", []),
                expect: "securityOpts does not contain no-new-privileges",
            },
            {
                name: "no-new-privileges:false",
                change: set("securityOpts", ["no-new-privileges:false"]),
                expect: 'securityOpts sets "no-new-privileges:false"',
            },
            {
                name: "no-new-privileges=false",
                change: set("securityOpts", ["no-new-privileges=false"]),
                expect: 'sets "no-new-privileges=false"',
            },
            {
                name: "a later false wins",
                change: set("securityOpts", ["no-new-privileges:true", "no-new-privileges:false"]),
                expect: 'sets "no-new-privileges:false"',
            },
        ],
        passing: [
            { name: "bare no-new-privileges", change: set("securityOpts", ["no-new-privileges"]) },
            { name: "no-new-privileges=true", change: set("securityOpts", ["no-new-privileges=true"]) },
        ],
    }),
    table(rt.dockerHealthcheck, {
        broken: [
            {
                name: "no healthcheck",
                change: set("healthcheck", undefined),
                expect: "healthcheck.tests is not set",
            },
            {
                name: "NONE",
                change: set("healthcheck", { tests: ["NONE"] }),
                expect: "disables the image's health check",
            },
        ],
    }),
    table(rt.dockerImagePinned, {
        broken: [
            {
                name: "a tag",
                change: set("image", "postgres:16.4-alpine"),
                expect: '"postgres:16.4-alpine" is not pinned by digest',
            },
        ],
        passing: [{ name: "an image id", change: set("image", DIGEST) }],
    }),
    table(rt.dockerNotDefaultBridge, {
        broken: [
            {
                name: "no network",
                change: set("networksAdvanced", undefined),
                expect: "networksAdvanced is empty",
            },
            {
                name: 'networkMode "bridge"',
                change: (p) => Object.assign(p, { networksAdvanced: [], networkMode: "bridge" }),
                expect: "default bridge",
            },
        ],
        passing: [
            {
                name: "joined another container's network",
                change: (p) => Object.assign(p, { networksAdvanced: [], networkMode: "container:proxy" }),
            },
        ],
    }),
    table(lsm.dockerMaskedPaths, {
        broken: [
            {
                name: "systempaths=unconfined",
                change: opts("systempaths=unconfined"),
                expect: "it unmasks /proc and /sys paths",
            },
        ],
    }),
    table(lsm.dockerSafeSysctls, {
        broken: [
            {
                name: "kernel.msgmax",
                change: set("sysctls", { "kernel.msgmax": "65536" }),
                expect: 'sysctls["kernel.msgmax"] is not on the PSS safe-sysctl allow-list',
            },
        ],
        passing: [
            {
                name: "net.ipv4.tcp_notsent_lowat (v1.37)",
                change: set("sysctls", { "net.ipv4.tcp_notsent_lowat": "16384" }),
            },
        ],
    }),
];
