import { afterAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import {
    NETWORKS,
    REACHES,
    buildCompose,
    renderCompose,
    type ComposeSpec,
} from "../../../core/render/app/compose";
import { SECRETS_DIR } from "../../../core/render/base/artifact";
import { ALL_LOCAL, serviceDnsName, type HostPlacement } from "../../../core/topology/placement";
import { SERVICE_NAMES, type ServiceName } from "../../../core/workload/services";
import { RESERVATIONS, WORKLOAD, pyYamlLoad, removeDir, tempDir } from "../fixtures";
import { dockerComposeConfig } from "../../helpers/composeConfig";

type Service = Record<string, unknown> & {
    image: string;
    networks: string[] | Record<string, { aliases: string[] }>;
    depends_on?: Record<string, { condition: string }>;
    healthcheck?: { test: string[] };
    ports?: string[];
    /** Binds in short syntax, named volumes in long syntax. */
    volumes?: (string | { type: string; source: string; target: string; volume?: { nocopy?: boolean } })[];
    secrets?: { source: string; target: string }[];
    env_file?: string[];
    environment?: Record<string, string>;
};
type ComposeFile = {
    services: Record<string, Service>;
    networks: Record<string, { internal?: boolean }>;
    volumes: Record<string, unknown>;
    secrets?: Record<string, { file: string }>;
};

const spec = (placement: HostPlacement = ALL_LOCAL): ComposeSpec => ({
    workload: WORKLOAD,
    reservationsMb: RESERVATIONS,
    placement,
    hostnames: { app: "app.example.com", api: "api.example.com" },
    postgres: { database: "chrono", user: "chrono_app", dataDir: "/mnt/postgres" },
});
const parsed = (s: ComposeSpec = spec()) => parse(renderCompose(s)) as ComposeFile;
const networkNames = (s: Service) => (Array.isArray(s.networks) ? s.networks : Object.keys(s.networks));
const hostOf = (n: ServiceName) => serviceDnsName(n);

const dirs: string[] = [];
afterAll(() => dirs.forEach(removeDir));

describe("compose project for the phase-1 host", () => {
    const c = parsed();

    it("runs every workload service, worker as one service per replica", () => {
        const expected = SERVICE_NAMES.flatMap((n) =>
            n === "worker" ? ["worker-1", "worker-2"] : [hostOf(n)],
        );
        expect(Object.keys(c.services).sort()).toEqual(expected.sort());
        expect(c.services["worker-1"]?.command).toEqual(WORKLOAD.worker.command);
    });

    it("gives each container its image, limits, reservation and sandboxing", () => {
        for (const n of SERVICE_NAMES) {
            for (const name of n === "worker" ? ["worker-1", "worker-2"] : [hostOf(n)]) {
                const s = c.services[name]!;
                expect(s.image, name).toBe(WORKLOAD[n].image);
                expect(s.mem_limit, name).toBe(`${WORKLOAD[n].memoryMb}m`);
                expect(s.memswap_limit, name).toBe(`${WORKLOAD[n].memoryMb}m`);
                expect(s.mem_reservation, name).toBe(`${RESERVATIONS[n]}m`);
                expect(s.cpus, name).toBe(WORKLOAD[n].cpus);
                expect(s.restart, name).toBe("unless-stopped");
                expect(s.security_opt, name).toEqual(["no-new-privileges:true"]);
                expect(s.cap_drop, name).toEqual(["ALL"]);
                expect(s.pids_limit, name).toBeGreaterThan(0);
                const logging = s.logging as { driver: string; options: Record<string, string> };
                expect([logging.driver, Object.keys(logging.options).sort()], name).toEqual([
                    "json-file",
                    ["labels", "max-file", "max-size"],
                ]);
                expect(logging.options["labels"], name).toBe("com.docker.compose.service");
                expect(s.privileged, name).toBeUndefined();
            }
        }
    });

    it("adds back only the capabilities the official images need", () => {
        const added = Object.fromEntries(
            Object.entries(c.services)
                .filter(([, s]) => s.cap_add)
                .map(([n, s]) => [n, s.cap_add]),
        );
        expect(added).toEqual({ proxy: ["NET_BIND_SERVICE"] });
    });

    it("runs every service as its runtime user on a read-only root", () => {
        for (const [n, s] of Object.entries(c.services)) {
            // The log agent reads root's log files as their owner, with no capability (core/workload/runtime.ts).
            expect(s["user"], n).toMatch(n === "log-agent" ? /^0:0$/ : /^[1-9]\d*:\d+$/);
            expect(s["read_only"], n).toBe(true);
        }
        expect(c.services.postgres!["user"]).toBe("70:70");
    });

    it("mounts named volumes without copying the image's root-owned directory over them", () => {
        const named = Object.values(c.services).flatMap((s) =>
            (s.volumes ?? []).filter((v) => typeof v !== "string"),
        );
        expect(named.map((v) => v.source).sort()).toEqual(Object.keys(c.volumes).sort());
        for (const v of named) expect(v).toMatchObject({ type: "volume", volume: { nocopy: true } });
    });

    it("publishes 80 and 443 from the proxy and nothing else except Grafana on loopback", () => {
        const published = Object.fromEntries(
            Object.entries(c.services)
                .filter(([, s]) => s.ports)
                .map(([n, s]) => [n, s.ports]),
        );
        expect(published).toEqual({ proxy: ["80:80", "443:443"], grafana: ["127.0.0.1:3000:3000"] });
    });

    it("keeps data and monitoring networks internal and the datastores off the edge", () => {
        expect(c.networks).toEqual({ edge: {}, data: { internal: true }, monitoring: { internal: true } });
        for (const n of ["postgres", "redis", "meilisearch", "node-exporter", "prometheus"]) {
            expect(networkNames(c.services[n]!), n).not.toContain("edge");
        }
        expect(networkNames(c.services.proxy!)).toEqual(["edge"]);
    });

    it("puts every pair of services that talk on a shared network", () => {
        for (const from of SERVICE_NAMES) {
            for (const to of REACHES[from]) {
                const a = Object.entries(c.services).filter(([n]) => n.startsWith(hostOf(from)));
                const b = Object.entries(c.services).filter(([n]) => n.startsWith(hostOf(to)));
                for (const [an, as] of a)
                    for (const [bn, bs] of b) {
                        const shared = networkNames(as).filter((x) => networkNames(bs).includes(x));
                        expect(shared, `${an} -> ${bn}`).not.toHaveLength(0);
                    }
            }
        }
    });

    it("starts a service after the services it uses are healthy", () => {
        expect(c.services.api!.depends_on).toEqual({
            postgres: { condition: "service_healthy" },
            redis: { condition: "service_healthy" },
            meilisearch: { condition: "service_healthy" },
            // The collector's image has no shell or HTTP client for a healthcheck.
            "otel-collector": { condition: "service_started" },
        });
        expect(c.services.proxy!.depends_on).toEqual({
            api: { condition: "service_healthy" },
            frontend: { condition: "service_healthy" },
        });
        expect(c.services.grafana!.depends_on).toEqual({ prometheus: { condition: "service_healthy" } });
        // node-exporter has no healthcheck, so Prometheus can only wait for it to start.
        expect(c.services.prometheus!.depends_on!["node-exporter"]).toEqual({ condition: "service_started" });
        for (const [name, s] of Object.entries(c.services)) {
            for (const [dep, { condition }] of Object.entries(s.depends_on ?? {})) {
                expect(c.services[dep], `${name} depends on missing ${dep}`).toBeDefined();
                expect(condition === "service_healthy", `${name} -> ${dep}`).toBe(
                    c.services[dep]!.healthcheck !== undefined,
                );
            }
        }
    });

    it("health-checks postgres with pg_isready, redis with an authenticated ping and HTTP services on their healthPath", () => {
        expect(c.services.postgres!.healthcheck!.test).toEqual([
            "CMD",
            "pg_isready",
            "-U",
            "chrono_app",
            "-d",
            "chrono",
        ]);
        const redis = c.services.redis!.healthcheck!.test.join(" ");
        expect(redis).toContain("REDISCLI_AUTH=");
        expect(redis).toContain("redis-cli ping");
        expect(c.services.api!.healthcheck!.test.join(" ")).toContain("http://127.0.0.1:8000/health");
        expect(c.services.meilisearch!.healthcheck!.test.join(" ")).toContain("http://127.0.0.1:7700/health");
        expect(c.services.grafana!.healthcheck!.test.join(" ")).toContain("http://127.0.0.1:3000/api/health");
        expect(c.services.crawler!.healthcheck).toBeUndefined();
    });

    it("reads every credential from files under the secrets directory", () => {
        expect(c.services.postgres!.environment!.POSTGRES_PASSWORD_FILE).toBe(
            "/run/secrets/postgres-password",
        );
        expect(c.services.postgres!.secrets).toEqual([
            { source: "postgresPassword", target: "/run/secrets/postgres-password" },
        ]);
        // Every secret is a compose secret of one file in the secrets directory, never a bind of it.
        for (const { file } of Object.values(c.secrets ?? {}))
            expect(file.startsWith(`${SECRETS_DIR}/`)).toBe(true);
        // docker-compose 1.29's `config` does not check that a service's secret is defined; compose v2's `up` does.
        for (const [n, s] of Object.entries(c.services))
            for (const x of s.secrets ?? []) expect(Object.keys(c.secrets ?? {}), n).toContain(x.source);
        for (const [n, s] of Object.entries(c.services))
            for (const v of s.volumes ?? []) expect(JSON.stringify(v), n).not.toContain(SECRETS_DIR);
        expect(c.services.grafana!.environment!.GF_SECURITY_ADMIN_PASSWORD__FILE).toBe(
            "/run/secrets/grafana-admin-password",
        );
        for (const n of ["api", "worker-1", "worker-2", "crawler", "meilisearch"]) {
            expect(c.services[n]!.env_file!.length, n).toBeGreaterThan(0);
            for (const f of c.services[n]!.env_file!)
                expect(f.startsWith(`${SECRETS_DIR}/`), `${n}: ${f}`).toBe(true);
        }
        // An inline credential would need a name like these; only *_FILE variants (paths) may appear.
        const secretLike = /PASSWORD|SECRET|TOKEN|_KEY\b/;
        for (const [n, s] of Object.entries(c.services)) {
            for (const k of Object.keys(s.environment ?? {}))
                if (secretLike.test(k)) expect(k, n).toMatch(/_FILE$/);
        }
    });

    it("stores Postgres data on the mounted volume", () => {
        expect(c.services.postgres!.volumes).toContain("/mnt/postgres:/var/lib/postgresql/data");
        expect(c.services.postgres!.environment!.PGDATA).toMatch(/^\/var\/lib\/postgresql\/data\/.+/);
    });

    it("runs Caddy with its JSON config and refuses another proxy image", () => {
        expect(c.services.proxy!.command).toEqual(["caddy", "run", "--config", "/etc/caddy/caddy.json"]);
        expect(() =>
            buildCompose({
                ...spec(),
                workload: { ...WORKLOAD, proxy: { ...WORKLOAD.proxy, image: "nginx:1.27.2" } },
            }),
        ).toThrow(/Caddy image/);
    });

    it("rejects a reservation above the limit and copies of a stateful service", () => {
        expect(() => buildCompose({ ...spec(), reservationsMb: { ...RESERVATIONS, redis: 4096 } })).toThrow(
            /redis/,
        );
        expect(() =>
            buildCompose({
                ...spec(),
                workload: { ...WORKLOAD, postgres: { ...WORKLOAD.postgres, replicas: 2 } },
            }),
        ).toThrow(/postgres/);
    });

    it("escapes $ in values taken from config, so compose does not interpolate them", () => {
        const w = { ...WORKLOAD, worker: { ...WORKLOAD.worker, command: ["sh", "-c", "echo $HOME"] } };
        const raw = renderCompose({ ...spec(), workload: w });
        expect((parse(raw) as ComposeFile).services["worker-1"]!.command).toEqual([
            "sh",
            "-c",
            "echo $$HOME",
        ]);
    });

    it("reads the same in PyYAML (YAML 1.1, docker-compose 1.29), even with values 1.1 would take for numbers or booleans", () => {
        const w = {
            ...WORKLOAD,
            worker: { ...WORKLOAD.worker, command: ["run", "on", "22:22", "0644", "yes"] },
        };
        const raw = renderCompose({ ...spec(), workload: w });
        expect(pyYamlLoad(raw)).toEqual(parse(raw));
        expect((pyYamlLoad(raw) as ComposeFile).services["worker-1"]!.command).toEqual([
            "run",
            "on",
            "22:22",
            "0644",
            "yes",
        ]);
    });
});

describe("compose project for an app host whose data services live elsewhere (phase 2)", () => {
    const placement: HostPlacement = {
        local: SERVICE_NAMES.filter((n) => !["postgres", "redis", "meilisearch"].includes(n)),
        remote: {
            postgres: { host: "10.0.1.3", port: 5432 },
            redis: { host: "10.0.1.3", port: 6379 },
            meilisearch: { host: "10.0.1.3", port: 7700 },
        },
    };
    const c = parsed(spec(placement));

    it("leaves out the remote services and their volumes", () => {
        for (const n of ["postgres", "redis", "meilisearch"]) expect(c.services[n]).toBeUndefined();
        expect(Object.keys(c.volumes)).not.toContain("redis-data");
        expect(c.services.api!.depends_on).toEqual({ "otel-collector": { condition: "service_started" } });
    });

    it("routes the services that use them through a network with a way out", () => {
        expect(networkNames(c.services.api!)).toContain("edge");
        expect(networkNames(c.services.crawler!)).toContain("edge");
        expect(NETWORKS.edge.internal).toBe(false);
    });
});

describe("compose project with several api copies", () => {
    const c = parsed({ ...spec(), workload: { ...WORKLOAD, api: { ...WORKLOAD.api, replicas: 2 } } });

    it("names each copy and lets clients reach them all by the service name", () => {
        expect(c.services["api-1"]!.networks).toMatchObject({
            edge: { aliases: ["api"] },
            data: { aliases: ["api"] },
        });
        expect(c.services.frontend!.environment!.API_INTERNAL_URL).toBe("http://api:8000");
        expect(Object.keys(c.services.proxy!.depends_on!)).toEqual(["api-1", "api-2", "frontend"]);
    });
});

describe("docker-compose 1.29 accepts the project", () => {
    function composeConfig(raw: string): { status: number | null; output: string } {
        const dir = tempDir("compose");
        dirs.push(dir);
        return dockerComposeConfig(raw, dir);
    }

    it("validates the rendered file with `docker-compose config -q`", () => {
        const r = composeConfig(renderCompose(spec()));
        expect(r.output).toBe("");
        expect(r.status).toBe(0);
    });

    it("fails on a broken project (the check can fail)", () => {
        const r = composeConfig(renderCompose(spec()).replace("    mem_limit:", "    memory_limit:"));
        expect(r.output).toContain("memory_limit");
        expect(r.status).not.toBe(0);
    });
});
