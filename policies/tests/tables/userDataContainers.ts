/** docker-user-data-containers: the Docker rules over compose services and the keeper's docker run in user data. */
import { parse, stringify } from "yaml";
import { renderCompose } from "../../../core/render/app/compose";
import { ALL_LOCAL } from "../../../core/topology/placement";
import { RESERVATIONS, WORKLOAD } from "../../../tests/render/fixtures";
import { T } from "../../lib/typeTokens";
import { DOCKER_SANDBOX_POLICIES } from "../../sandbox/docker";
import { KEEPER_ENV, KEEPER_SCRIPT } from "../../sandbox/docker/keeperContainers";
import { res, type Change, type PolicyTable } from "../table";
import { DIGEST } from "./docker";

function packPolicy(name: string) {
    const policy = DOCKER_SANDBOX_POLICIES.find((p) => p.name === name);
    if (!policy) throw new Error(`${name} is not in the pack`);
    return policy;
}
const policy = packPolicy("docker-user-data-containers");
const advisory = packPolicy("docker-user-data-containers-advisory");

/** The phase-1 app host's compose project as the program renders it. */
const renderedServices = () =>
    parse(
        renderCompose({
            workload: WORKLOAD,
            reservationsMb: RESERVATIONS,
            placement: ALL_LOCAL,
            hostnames: { app: "app.example.com", api: "api.example.com" },
            postgres: { database: "app", user: "app", dataDir: "/mnt/postgres" },
        }),
    ) as { services: Record<string, Record<string, unknown>> } & Record<string, unknown>;

/** Ships the rendered compose project, edited by `f`, instead of the compliant one. */
const rendered =
    (f: (services: Record<string, Record<string, unknown>>) => void = () => {}): Change =>
    (p) => {
        const { services, ...project } = renderedServices();
        f(services);
        p["userData"] = userData({ services, project, keeper: KEEPER });
    };

/** A compose service that passes every Docker rule, the compose twin of compliantContainer(). */
const compliantService = () => ({
    image: `postgres@${DIGEST}`,
    user: "70:70",
    read_only: true,
    tmpfs: ["/tmp"],
    cap_drop: ["ALL"],
    security_opt: ["no-new-privileges:true"],
    mem_limit: "1024m",
    memswap_limit: "1024m",
    cpus: 1,
    ports: ["127.0.0.1:15432:5432"],
    networks: ["data"],
    healthcheck: { test: ["CMD", "pg_isready"], interval: "10s" },
    restart: "unless-stopped",
    volumes: [
        "pgdata:/var/lib/postgresql/data",
        "/srv/phase-stacks/postgresql.conf:/etc/postgresql/postgresql.conf:ro",
    ],
});

const KEEPER = `#!/usr/bin/env bash
start() {
    docker run --detach --name "$name" --network "$name" \\
        --memory "\${MEMORY_MB}m" --memory-swap "\${MEMORY_MB}m" --cpus "$CPUS" \\
        --read-only --tmpfs /tmp --cap-drop ALL --security-opt no-new-privileges:true \\
        --user "$AGENT_USER" --health-cmd "true" --restart on-failure:5 \\
        "$AGENT_IMAGE" >/dev/null
}
`;

interface Shipped {
    services: Record<string, Record<string, unknown>>;
    /** The compose project's top-level `volumes` and `secrets`. */
    project?: Record<string, unknown>;
    keeper: string;
}

function userData(s: Shipped): string {
    return `#cloud-config\n${stringify({
        write_files: [
            {
                path: "/opt/phase-stacks/compose.yaml",
                content: stringify({ services: s.services, ...s.project }),
            },
            {
                path: KEEPER_ENV,
                content: `AGENT_IMAGE=ghcr.io/example/agent@${DIGEST}\nAGENT_USER=10001:10001\nMEMORY_MB=256\nCPUS=0.25\n`,
            },
            { path: KEEPER_SCRIPT, content: s.keeper },
        ],
    })}`;
}

const compliant = (): Shipped => ({ services: { postgres: compliantService() }, keeper: KEEPER });

/** Edits a compliant compose service or keeper and ships the result as the server's user data. */
const edit =
    (f: (s: Shipped) => void): Change =>
    (p) => {
        const shipped = compliant();
        f(shipped);
        p["userData"] = userData(shipped);
    };
const service = (f: (svc: Record<string, unknown>) => void) => edit((s) => f(s.services["postgres"] ?? {}));
const keeper = (from: string, to: string) => edit((s) => (s.keeper = s.keeper.replace(from, to)));

export const USER_DATA_CONTAINER_TABLES: PolicyTable[] = [
    {
        policy,
        baseline: () => [
            res(T.hcloudServer, "app-server", { serverType: "cx33", userData: userData(compliant()) }),
        ],
        broken: [
            {
                name: "a privileged compose service",
                change: service((s) => (s["privileged"] = true)),
                expect: "services.postgres privileged is true",
                id: "CIS Docker Benchmark 5.5",
            },
            {
                name: "cap_add SYS_ADMIN",
                change: service((s) => (s["cap_add"] = ["SYS_ADMIN"])),
                expect: "services.postgres cap_add adds SYS_ADMIN",
                id: "CIS Docker Benchmark 5.4",
            },
            {
                name: "network_mode host",
                change: service((s) => (s["network_mode"] = "host")),
                expect: "services.postgres network_mode",
                id: "CIS Docker Benchmark 5.10",
            },
            {
                name: "the Docker socket mounted",
                change: service((s) => (s["volumes"] = ["/home/ops/docker.sock:/var/run/docker.sock:ro"])),
                expect: '"/home/ops/docker.sock" exposes the container runtime socket',
                id: "CIS Docker Benchmark 5.32",
            },
            {
                name: "a long-syntax writable bind",
                change: service(
                    (s) => (s["volumes"] = [{ type: "bind", source: "/srv/data", target: "/data" }]),
                ),
                expect: 'volumes[0].readOnly is not true for host path "/srv/data"',
                id: "CIS Docker Benchmark 5.6",
            },
            {
                name: "a named volume that binds /etc",
                change: edit((s) => {
                    s.project = {
                        volumes: { conf: { driver_opts: { type: "none", o: "bind", device: "/etc" } } },
                    };
                    s.services["postgres"]!["volumes"] = ["conf:/host-etc:ro"];
                }),
                expect: 'volumes[0].source bind-mounts "/etc", inside the sensitive host directory /etc',
                id: "CIS Docker Benchmark 5.6",
            },
            {
                name: "a secret read from /etc/shadow",
                change: edit((s) => {
                    s.project = { secrets: { shadow: { file: "/etc/shadow" } } };
                    s.services["postgres"]!["secrets"] = ["shadow"];
                }),
                expect: 'secrets[0].source bind-mounts "/etc/shadow"',
                id: "CIS Docker Benchmark 5.6",
            },
            {
                name: "a port on every interface",
                change: service((s) => (s["ports"] = ["15432:5432"])),
                expect: "ports[0].ip is not set",
                id: "CIS Docker Benchmark 5.14",
            },
            {
                name: "no user",
                change: service((s) => delete s["user"]),
                expect: "services.postgres user is not set",
                id: "CIS Docker Benchmark 4.1",
            },
            {
                name: "a service not exempt binding a config file from /etc",
                change: service((s) => (s["volumes"] = ["/etc/phase-stacks/app.conf:/app.conf:ro"])),
                expect: 'volumes[0].source bind-mounts "/etc/phase-stacks/app.conf"',
                id: "CIS Docker Benchmark 5.6",
            },
            {
                name: "a secret file bound as a volume, not passed as a compose secret",
                change: service((s) => (s["volumes"] = ["/etc/phase-stacks/secrets/key.pem:/key.pem:ro"])),
                expect: 'volumes[0].source bind-mounts "/etc/phase-stacks/secrets/key.pem"',
                id: "CIS Docker Benchmark 5.6",
            },
            {
                name: "a secret from a folder below the secrets directory",
                change: edit((s) => {
                    s.project = { secrets: { all: { file: "/etc/phase-stacks/secrets/tls/key.pem" } } };
                    s.services["postgres"]!["secrets"] = ["all"];
                }),
                expect: 'secrets[0].source bind-mounts "/etc/phase-stacks/secrets/tls/key.pem"',
                id: "CIS Docker Benchmark 5.6",
            },
            {
                name: "node-exporter also mounting /etc",
                change: rendered((s) => {
                    s["node-exporter"]!["volumes"] = [
                        ...(s["node-exporter"]!["volumes"] as string[]),
                        "/etc:/host/etc:ro",
                    ];
                }),
                expect: 'services.node-exporter volumes[4].source bind-mounts "/etc"',
                id: "CIS Docker Benchmark 5.6",
            },
            {
                name: "node-exporter mounting /sys writable",
                change: rendered((s) => {
                    s["node-exporter"]!["volumes"] = ["/sys:/host/sys"];
                }),
                expect: 'services.node-exporter volumes[0].source bind-mounts "/sys"',
                id: "CIS Docker Benchmark 5.6",
            },
            {
                name: "another service mounting /proc like node-exporter",
                change: rendered((s) => (s["prometheus"]!["volumes"] = ["/proc:/host/proc:ro"])),
                expect: 'services.prometheus volumes[0].source bind-mounts "/proc"',
                id: "CIS Docker Benchmark 5.6",
            },
            {
                name: "the proxy publishing 5432 on every address",
                change: rendered(
                    (s) => (s["proxy"]!["ports"] = [...(s["proxy"]!["ports"] as string[]), "5432:5432"]),
                ),
                expect: "services.proxy ports[2].ip is not set",
                id: "CIS Docker Benchmark 5.14",
            },
            {
                name: "the proxy publishing 443 to another container port",
                change: rendered((s) => (s["proxy"]!["ports"] = ["127.0.0.1:443:8443"])),
                expect: "services.proxy ports[0].external is 443, a privileged host port",
                id: "CIS Docker Benchmark 5.8",
            },
            {
                name: "a non-proxy service publishing on every address",
                change: rendered((s) => (s["frontend"]!["ports"] = ["8443:8443"])),
                expect: "services.frontend ports[0].ip is not set",
                id: "CIS Docker Benchmark 5.14",
            },
            {
                name: "postgres binding a host directory writable elsewhere than its data",
                change: rendered((s) => {
                    s["postgres"]!["volumes"] = [
                        ...(s["postgres"]!["volumes"] as string[]),
                        "/srv/dumps:/dumps",
                    ];
                }),
                expect: 'services.postgres volumes[1].readOnly is not true for host path "/srv/dumps"',
                id: "CIS Docker Benchmark 5.6",
            },
            {
                name: "postgres keeping its data in /etc",
                change: rendered((s) => (s["postgres"]!["volumes"] = ["/etc/pg:/var/lib/postgresql/data"])),
                expect: 'services.postgres volumes[0].source bind-mounts "/etc/pg"',
                id: "CIS Docker Benchmark 5.6",
            },
            {
                name: "the rendered proxy run as root",
                change: rendered((s) => (s["proxy"]!["user"] = "0:0")),
                expect: 'services.proxy user is "0:0", which is UID 0',
                id: "CIS Docker Benchmark 4.1",
            },
            {
                name: "a keeper started --privileged",
                change: keeper("--read-only", "--privileged --read-only"),
                expect: "warm-pool-keeper.sh) docker run --privileged is true",
                id: "CIS Docker Benchmark 5.5",
            },
            {
                name: "a keeper on the host network",
                change: keeper('--network "$name"', "--network host"),
                expect: "docker run --network",
                id: "CIS Docker Benchmark 5.10",
            },
            {
                name: "a keeper without --cap-drop ALL",
                change: keeper("--cap-drop ALL ", ""),
                expect: "docker run --cap-drop does not include ALL",
                id: "CIS Docker Benchmark 5.4",
            },
        ],
        passing: [
            { name: "a server without user data", change: (p) => delete p["userData"] },
            { name: "a script, not a cloud-config", change: (p) => (p["userData"] = "#!/bin/sh\necho hi\n") },
            {
                name: "the app host's compose project as the program renders it (node-exporter's host views, the proxy's 80 and 443, Postgres' data volume, compose secrets)",
                change: rendered(),
            },
            {
                name: "the keeper's user from its env file",
                change: keeper('--user "$AGENT_USER"', "--user ${AGENT_USER}"),
            },
        ],
    },
    {
        policy: advisory,
        baseline: () => [
            res(T.hcloudServer, "app-server", { serverType: "cx33", userData: userData(compliant()) }),
        ],
        broken: [
            {
                name: "an image not pinned by digest",
                change: service((s) => (s["image"] = "postgres:16")),
                expect: 'services.postgres image "postgres:16" is not pinned by digest (docker-image-pinned)',
                id: "CIS Docker Benchmark 5.28",
            },
            {
                name: "a keeper without a health check",
                change: keeper(' --health-cmd "true"', ""),
                expect: "docker run --health-cmd is not set (docker-healthcheck)",
                id: "CIS Docker Benchmark 5.27",
            },
        ],
        passing: [
            {
                name: "a privileged service (the mandatory policy's finding)",
                change: service((s) => (s["privileged"] = true)),
            },
        ],
    },
];
