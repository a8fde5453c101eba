import { describe, expect, it } from "vitest";
import { composeServiceProps } from "../sandbox/docker/composeContainers";
import { dockerRunProps } from "../sandbox/docker/keeperContainers";

describe("composeServiceProps", () => {
    it("reads compose's names into ContainerArgs' names", () => {
        expect(
            composeServiceProps({
                image: "caddy:2",
                user: 1000,
                read_only: true,
                cap_drop: ["ALL"],
                cap_add: ["NET_BIND_SERVICE"],
                security_opt: ["no-new-privileges:true"],
                network_mode: "host",
                pid: "host",
                mem_limit: "1g",
                memswap_limit: "512m",
                cpus: 0.5,
                restart: "on-failure:3",
                healthcheck: { test: "curl -f http://localhost/" },
                sysctls: ["net.core.somaxconn=1024"],
                labels: { "phase-stacks/tier": "free" },
            }),
        ).toEqual({
            image: "caddy:2",
            user: "1000",
            readOnly: true,
            capabilities: { adds: ["NET_BIND_SERVICE"], drops: ["ALL"] },
            securityOpts: ["no-new-privileges:true"],
            networkMode: "host",
            pidMode: "host",
            mounts: [],
            ports: [],
            memory: 1024,
            memorySwap: 512,
            cpus: "0.5",
            restart: "on-failure",
            maxRetryCount: 3,
            healthcheck: { tests: ["CMD-SHELL", "curl -f http://localhost/"] },
            sysctls: { "net.core.somaxconn": "1024" },
            labels: [{ label: "phase-stacks/tier", value: "free" }],
        });
    });

    it("reads short and long volumes, binds by path and named volumes by name", () => {
        const { mounts } = composeServiceProps({
            volumes: [
                "/etc/x:/x:ro",
                "./conf:/conf:ro,rshared",
                "data:/data",
                "/scratch",
                {
                    type: "bind",
                    source: "/srv",
                    target: "/srv",
                    read_only: true,
                    bind: { propagation: "shared" },
                },
            ],
        });
        expect(mounts).toEqual([
            { type: "bind", source: "/etc/x", target: "/x", readOnly: true },
            {
                type: "bind",
                source: "./conf",
                target: "/conf",
                readOnly: true,
                bindOptions: { propagation: "rshared" },
            },
            { type: "volume", source: "data", target: "/data", readOnly: false },
            { type: "volume", source: "", target: "/scratch", readOnly: false },
            {
                type: "bind",
                source: "/srv",
                target: "/srv",
                readOnly: true,
                bindOptions: { propagation: "shared" },
            },
        ]);
    });

    it("reads a named volume the local driver binds from a host directory as that bind", () => {
        const project = {
            volumes: {
                etc: { driver_opts: { type: "none", o: "bind", device: "/etc" } },
                nfs: { driver_opts: { type: "nfs", o: "addr=10.0.0.2,rw", device: ":/export" } },
                plain: {},
            },
            secrets: {},
        };
        const { mounts } = composeServiceProps(
            { volumes: ["etc:/host-etc:ro", "nfs:/nfs", "plain:/p"] },
            project,
        );
        expect(mounts).toEqual([
            { type: "bind", source: "/etc", target: "/host-etc", readOnly: true },
            { type: "volume", source: "nfs", target: "/nfs", readOnly: false },
            { type: "volume", source: "plain", target: "/p", readOnly: false },
        ]);
    });

    it("reads file secrets as the read-only binds Docker makes of them, at their target or /run/secrets", () => {
        const project = {
            volumes: {},
            secrets: { key: { file: "/etc/phase-stacks/secrets/key.pem" }, ext: { external: true } },
        };
        const { volumes } = composeServiceProps(
            { secrets: ["key", { source: "key", target: "/etc/caddy/key.pem" }, "ext", "missing"] },
            project,
        );
        expect(volumes).toEqual([
            {
                hostPath: "/etc/phase-stacks/secrets/key.pem",
                containerPath: "/run/secrets/key",
                readOnly: true,
            },
            {
                hostPath: "/etc/phase-stacks/secrets/key.pem",
                containerPath: "/etc/caddy/key.pem",
                readOnly: true,
            },
        ]);
    });

    it("reads every port syntax, an unset address stays unset", () => {
        const { ports } = composeServiceProps({
            ports: [
                "80:80",
                "127.0.0.1:8080:80/udp",
                "[::1]:9090:9090",
                "3000",
                { target: 443, published: 8443, host_ip: "10.0.0.2" },
            ],
        });
        expect(ports).toEqual([
            { internal: 80, external: 80, protocol: "tcp" },
            { internal: 80, external: 8080, ip: "127.0.0.1", protocol: "udp" },
            { internal: 9090, external: 9090, ip: "::1", protocol: "tcp" },
            { internal: 3000, protocol: "tcp" },
            { internal: 443, external: 8443, ip: "10.0.0.2", protocol: "tcp" },
        ]);
    });
});

describe("dockerRunProps", () => {
    it("reads docker run's flags up to the image", () => {
        expect(
            dockerRunProps([
                "--detach",
                "--name",
                "a",
                "--network",
                "pool-1",
                "--memory",
                "256m",
                "--memory-swap=256m",
                "--cpus",
                "0.25",
                "--read-only",
                "--cap-drop",
                "ALL",
                "--security-opt",
                "no-new-privileges:true",
                "--user",
                "10001:10001",
                "--ipc",
                "private",
                "--restart",
                "on-failure:5",
                "-p",
                "127.0.0.1:80:80",
                "-v",
                "/srv:/srv:ro",
                "--label",
                "tier=free",
                "img:1",
                "--privileged",
            ]),
        ).toEqual({
            capabilities: { adds: [], drops: ["ALL"] },
            securityOpts: ["no-new-privileges:true"],
            mounts: [{ type: "bind", source: "/srv", target: "/srv", readOnly: true }],
            ports: [{ internal: 80, external: 80, ip: "127.0.0.1", protocol: "tcp" }],
            networksAdvanced: [{ name: "pool-1" }],
            memory: 256,
            memorySwap: 256,
            cpus: "0.25",
            readOnly: true,
            user: "10001:10001",
            ipcMode: "private",
            restart: "on-failure",
            maxRetryCount: 5,
            labels: [{ label: "tier", value: "free" }],
            image: "img:1",
        });
    });

    it("treats host, none and container: networks as a network mode", () => {
        expect(dockerRunProps(["--network", "host", "img"])["networkMode"]).toBe("host");
        expect(dockerRunProps(["--net=container:x", "img"])["networkMode"]).toBe("container:x");
    });
});
