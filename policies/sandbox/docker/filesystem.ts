/** CIS Docker 5.13, 5.6, 5.32, 5.20 (PSS hostPathVolumes, restrictedVolumes): the container's view of the host filesystem. */
import { posix } from "node:path";
import { z } from "zod";
import { bindMounts } from "./container";
import { dockerPolicy, NO_CONFIG } from "./define";

export const dockerReadOnlyRoot = dockerPolicy({
    name: "docker-read-only-root",
    description:
        "Docker containers must run with a read-only root filesystem; writable paths come from tmpfs or named volumes.",
    item: { cis: "5.13" },
    severity: "medium",
    remediation:
        'Set readOnly: true and give the paths the service writes a tmpfs (tmpfs: {"/tmp": "rw,noexec,nosuid,size=64m"}) or a named docker.Volume.',
    config: NO_CONFIG,
    judge: (props) =>
        props["readOnly"] === true
            ? []
            : [
                  {
                      field: "readOnly",
                      problem: "is not true, so a compromised process can rewrite the image's files",
                      fix: "set readOnly: true and mount tmpfs for scratch paths",
                  },
              ],
});

/** docker-bench-security's sensitive directories, plus the runtime state directories. */
const SENSITIVE_PATHS = [
    "/",
    "/boot",
    "/dev",
    "/etc",
    "/lib",
    "/proc",
    "/sys",
    "/usr",
    "/run",
    "/var/run",
    "/var/lib/docker",
];

const under = (path: string, dir: string) =>
    dir === "/" ? path === "/" : path === dir || path.startsWith(`${dir}/`);

export const dockerNoSensitiveMounts = dockerPolicy({
    name: "docker-no-sensitive-mounts",
    description:
        "Docker containers must not bind-mount sensitive host directories, nor any host path writable (PSS hostPathVolumes/restrictedVolumes); read-only binds of other paths are allowed unless configured otherwise.",
    item: { cis: "5.6" },
    severity: "high",
    remediation:
        "Ship files with a read-only bind of a dedicated directory (or uploads); keep state in named docker.Volume resources.",
    config: z.strictObject({
        sensitivePaths: z
            .array(z.string())
            .default(SENSITIVE_PATHS)
            .describe("Host directories that must never be bind-mounted, even read-only."),
        allowReadOnlyBindMounts: z
            .boolean()
            .default(true)
            .describe(
                "Accept read-only binds of non-sensitive paths (how config files reach a read-only container); false bans every bind, as PSS restricted does.",
            ),
    }),
    judge: (props, config) =>
        bindMounts(props).flatMap((m) => {
            const path = posix.normalize(m.source || "/");
            const sensitive = config.sensitivePaths.find((dir) => under(path, posix.normalize(dir)));
            if (sensitive) {
                return [
                    {
                        field: `${m.field}.source`,
                        problem: `bind-mounts "${m.source}", inside the sensitive host directory ${sensitive}`,
                        fix: "mount a dedicated directory or use a named volume",
                    },
                ];
            }
            if (!m.readOnly) {
                return [
                    {
                        field: `${m.field}.readOnly`,
                        problem: `is not true for host path "${m.source}", so the container can write to the host`,
                        fix: "set readOnly: true or move the data to a named docker.Volume",
                    },
                ];
            }
            if (!config.allowReadOnlyBindMounts) {
                return [
                    {
                        field: `${m.field}.source`,
                        problem: `bind-mounts host path "${m.source}" (PSS restrictedVolumes allows no host paths)`,
                        fix: "use a named docker.Volume or uploads",
                    },
                ];
            }
            return [];
        }),
});

const RUNTIME_SOCKETS = [
    "/var/run/docker.sock",
    "/run/docker.sock",
    "/run/containerd/containerd.sock",
    "/var/run/containerd/containerd.sock",
    "/run/podman/podman.sock",
    "/var/run/crio/crio.sock",
    "/run/buildkit/buildkitd.sock",
];
const SOCKET_NAME = /(^|\/)(docker|containerd|podman|crio|buildkitd|dockershim)\.sock$/;

export const dockerNoRuntimeSocket = dockerPolicy({
    name: "docker-no-runtime-socket",
    description:
        "Docker containers must not mount the Docker (or any container runtime) socket, which is root on the host.",
    item: { cis: "5.32" },
    severity: "critical",
    remediation:
        "Remove the socket mount; talk to the Docker API over mTLS on 2376 from the Pulumi runner only.",
    config: NO_CONFIG,
    judge: (props) =>
        bindMounts(props).flatMap((m) => {
            const path = posix.normalize(m.source || "/");
            const exposes =
                SOCKET_NAME.test(path) ||
                RUNTIME_SOCKETS.some((s) => s === path || s.startsWith(path === "/" ? "/" : `${path}/`));
            return exposes
                ? [
                      {
                          field: `${m.field}.source`,
                          problem: `"${m.source}" exposes the container runtime socket`,
                          fix: "remove this mount",
                      },
                  ]
                : [];
        }),
});

export const dockerNoSharedPropagation = dockerPolicy({
    name: "docker-no-shared-propagation",
    description: "Docker bind mounts must not use shared mount propagation.",
    item: { cis: "5.20" },
    severity: "medium",
    remediation: "Remove bindOptions.propagation or set it to a private mode (rprivate).",
    config: NO_CONFIG,
    judge: (props) =>
        bindMounts(props).flatMap((m) =>
            m.propagation === "shared" || m.propagation === "rshared"
                ? [
                      {
                          field: `${m.field}.bindOptions.propagation`,
                          problem: `is "${m.propagation}", so mounts made in the container appear on the host`,
                          fix: "remove it or use rprivate",
                      },
                  ]
                : [],
        ),
});
