/**
 * The warm-pool keeper, run for real by bash against a recording fake `docker` on PATH (tests/render/fakes/docker):
 * it fills the pool with sandboxed, capped containers, replaces claimed and dead ones, and stops at the node's
 * container maximum and memory budget; Debian's node_exporter, started as the agent host's drop-in says,
 * publishes the series each pass leaves, and a pass whose write is cut short leaves the last file whole.
 * Then shellcheck and systemd-analyze judge the script and units.
 */
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import {
    chmodSync,
    existsSync,
    mkdirSync,
    readdirSync,
    readFileSync,
    statSync,
    writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { TIERS } from "../../../core/capacity/tiers";
import {
    renderWarmPool,
    WARM_NAME_PREFIX,
    WARM_POOL_PATHS,
    warmPoolSettings,
    type WarmPoolSpec,
} from "../../../core/render/agents/warmPool";
import { NODE_EXPORTER, renderNodeExporter } from "../../../core/render/monitoring/nodeExporter";
import { requireTool, runTool } from "../../helpers/tools";
import { cleanup, start, stop, waitFor } from "../../integration/support";
import { fileAt, removeDir, tempDir, writeTree } from "../fixtures";

const FAKES = join(__dirname, "..", "fakes");
const spec: WarmPoolSpec = {
    tier: "free",
    image: "ghcr.io/example/agent:1.0.0",
    maxContainers: 50,
    nodeMemoryMb: 16 * 1024,
    systemReserveMb: 1024,
    intervalSeconds: 15,
};
const files = renderWarmPool(spec);
const root = tempDir("warm-pool");
writeTree(root, files);
const script = join(root, WARM_POOL_PATHS.script);
afterAll(async () => {
    await cleanup();
    removeDir(root);
});

let work: string;
beforeEach(() => {
    work = tempDir("warm-pool-run");
    return () => removeDir(work);
});

interface Container {
    id: string;
    name: string;
    labels: Record<string, string>;
    status: string;
    network: string;
}
interface FakeState {
    containers: Container[];
    networks: { name: string; labels: Record<string, string> }[];
    images: string[];
    next: number;
}

const statePath = () => join(work, "state.json");
const readState = (): FakeState => JSON.parse(readFileSync(statePath(), "utf8")) as FakeState;
const writeState = (s: FakeState) => writeFileSync(statePath(), JSON.stringify(s));
const calls = (): string[][] => {
    const log = join(work, "calls.log");
    if (!existsSync(log)) return [];
    return readFileSync(log, "utf8")
        .split("\n")
        .filter((l) => l !== "")
        .map((l) => JSON.parse(l) as string[]);
};

const metricsPath = () => join(work, "phase_stacks_warm_pool.prom");

/** One keeper pass with the rendered settings (plus overrides), as its systemd unit would run it. */
function pass(overrides: Record<string, string> = {}, runner = "bash", argv: readonly string[] = [script]) {
    requireTool("python3");
    requireTool("flock");
    writeFileSync(join(work, "calls.log"), "");
    return runTool(runner, [...argv], {
        env: {
            PATH: `${FAKES}:${process.env["PATH"] ?? ""}`,
            FAKE_DOCKER_STATE: statePath(),
            FAKE_DOCKER_LOG: join(work, "calls.log"),
            WARM_POOL_LOCK: join(work, "lock"),
            WARM_POOL_METRICS: metricsPath(),
            ...warmPoolSettings(spec),
            ...overrides,
        },
    });
}

const warm = () => readState().containers.filter((c) => c.name.startsWith(`${WARM_NAME_PREFIX}free-`));
const runs = () => calls().filter((c) => c[0] === "run");

const POOL_LABELS = { "phase-stacks/pool": "agents", "phase-stacks/tier": "free" };

/** A node already holding `claimedCount` claimed and `warmCount` warm containers of the pool, image pulled. */
function node(claimedCount: number, warmCount = 0): void {
    const container = (name: string, i: number): Container => ({
        id: `x${i}`,
        name,
        labels: { ...POOL_LABELS },
        status: "running",
        network: name,
    });
    const containers = [
        ...Array.from({ length: claimedCount }, (_, i) => container(`agent-user-${i}`, i)),
        ...Array.from({ length: warmCount }, (_, i) =>
            container(`${WARM_NAME_PREFIX}free-${i}`, claimedCount + i),
        ),
    ];
    writeState({
        containers,
        networks: containers.map((c) => ({ name: c.network, labels: { ...POOL_LABELS } })),
        images: [spec.image],
        next: 1,
    });
}

function flagValues(args: string[], flag: string): string[] {
    return args.flatMap((a, i) => (a === flag ? [args[i + 1] ?? ""] : []));
}

describe("warm-pool keeper against a recording docker", () => {
    it("fills an empty node with the tier's 20 pre-warmed containers, pulling the image once", () => {
        const r = pass();
        expect(r.status, r.output).toBe(0);
        expect(warm()).toHaveLength(TIERS.free.prewarm);
        expect(calls().filter((c) => c[0] === "pull")).toEqual([["pull", "--quiet", spec.image]]);
        expect(r.output).toContain("warm=20 total=20 started=20");
    });

    it("starts every container with the tier's caps and the sandbox, on a network of its own", () => {
        pass();
        const started = runs();
        expect(started).toHaveLength(20);
        for (const args of started) {
            const name = flagValues(args, "--name")[0] ?? "";
            expect(flagValues(args, "--network")).toEqual([name]);
            expect(flagValues(args, "--memory")).toEqual(["256m"]);
            expect(flagValues(args, "--memory-swap")).toEqual(["256m"]);
            expect(flagValues(args, "--cpu-shares")).toEqual(["256"]);
            expect(flagValues(args, "--cpus")).toEqual(["0.25"]);
            expect(flagValues(args, "--pids-limit")).toEqual(["512"]);
            expect(flagValues(args, "--cap-drop")).toEqual(["ALL"]);
            expect(flagValues(args, "--security-opt")).toEqual(["no-new-privileges:true"]);
            expect(flagValues(args, "--user")).toEqual(["10001:10001"]);
            expect(flagValues(args, "--tmpfs")[0]).toMatch(/^\/tmp:rw,noexec,nosuid,nodev,size=64m$/);
            expect(args).toContain("--read-only");
            expect(flagValues(args, "--label")).toEqual([
                "phase-stacks/pool=agents",
                "phase-stacks/tier=free",
            ]);
            for (const forbidden of [
                "--privileged",
                "--pid",
                "--uts",
                "--userns",
                "--cap-add",
                "-v",
                "--volume",
                "--mount",
                "-p",
                "--publish",
            ])
                expect(args, forbidden).not.toContain(forbidden);
            expect(flagValues(args, "--ipc")).toEqual(["private"]);
            expect(args.at(-1)).toBe(spec.image);
        }
        const networks = calls().filter((c) => c[0] === "network" && c[1] === "create");
        expect(networks.map((c) => c.at(-1))).toEqual(started.map((a) => flagValues(a, "--name")[0]));
    });

    it("does nothing on a pass when the pool is already full", () => {
        node(0, 20);
        pass();
        expect(runs()).toHaveLength(0);
        expect(calls().filter((c) => c[0] === "pull")).toHaveLength(0);
        expect(warm()).toHaveLength(20);
    });

    it("replaces each container the application claims (renames), and keeps counting the claimed ones", () => {
        node(0, 20);
        const docker = join(FAKES, "docker");
        const env = {
            ...process.env,
            FAKE_DOCKER_STATE: statePath(),
            FAKE_DOCKER_LOG: join(work, "claims.log"),
        };
        for (const [i, c] of warm().slice(0, 3).entries())
            expect(runTool(docker, ["rename", c.name, `agent-user-${i}`], { env }).status).toBe(0);
        expect(warm()).toHaveLength(17);
        const r = pass();
        expect(r.status, r.output).toBe(0);
        expect(runs()).toHaveLength(3);
        expect(warm()).toHaveLength(20);
        expect(readState().containers).toHaveLength(23);
        expect(r.output).toContain("warm=20 total=23 started=3");
    });

    it("removes a warm container that stopped and starts a fresh one", () => {
        node(0, 20);
        const dead = warm()[0];
        const s = readState();
        s.containers = s.containers.map((c) => (c.id === dead?.id ? { ...c, status: "exited" } : c));
        writeState(s);
        const r = pass();
        expect(r.status, r.output).toBe(0);
        expect(calls()).toContainEqual(["rm", "--force", dead?.id]);
        expect(runs(), r.output).toHaveLength(1);
        expect(warm().every((c) => c.status === "running")).toBe(true);
        // Its network went with it (pruned), the replacement has its own.
        expect(readState().networks.map((n) => n.name)).not.toContain(dead?.name);
    });

    it("never takes the node past its maximum: 45 claimed of 50 leaves room for 5 warm", () => {
        node(45);
        const r = pass();
        expect(r.status, r.output).toBe(0);
        expect(runs()).toHaveLength(5);
        expect(readState().containers).toHaveLength(50);
        expect(r.output).toContain("node holds 50 of 50 containers");
    });

    it("never passes the memory budget, even when the maximum would allow it", () => {
        // 4 GiB node, 1 GiB reserve: 12 x 256 MiB fit, the 13th would not.
        node(0);
        const r = pass({ NODE_MEMORY_MB: "4096" });
        expect(r.status, r.output).toBe(0);
        expect(runs()).toHaveLength(12);
        expect(r.output).toMatch(/would pass the 3072 MiB budget/);
    });

    it("refuses settings that would disable a cap, naming the setting", () => {
        const r = pass({ PIDS_LIMIT: "" });
        expect(r.status).toBe(2);
        expect(r.output).toContain("PIDS_LIMIT must be a whole number");
        expect(pass({ AGENT_USER: "0:0" }).output).toContain("AGENT_USER must be a non-root uid:gid");
        expect(calls().filter((c) => c[0] === "run")).toHaveLength(0);
    });
});

describe("the pass's series, as Debian's node_exporter publishes them", () => {
    const EXPORTER_PORT = 25874;
    const series = /^phase_stacks_\w+\{.*$/gm;

    /** Debian's exporter with the drop-in's very flags, on loopback, reading the keeper's directory. */
    function exporter() {
        const [dropIn] = renderNodeExporter({ listenIp: "127.0.0.1", textfileDir: work });
        const exec = /^ExecStart=(\S.*)$/m.exec(dropIn?.content ?? "")?.[1] ?? "";
        expect(exec.startsWith(`${NODE_EXPORTER.binary} `), exec).toBe(true);
        return start(exec.replace(`:${NODE_EXPORTER.port}`, `:${EXPORTER_PORT}`).split(" "));
    }

    async function scrape(): Promise<string> {
        return waitFor(
            "the exporter's /metrics",
            async () => {
                try {
                    return await (await fetch(`http://127.0.0.1:${EXPORTER_PORT}/metrics`)).text();
                } catch {
                    return undefined;
                }
            },
            15_000,
        );
    }

    /** The node after the application claimed `n` warm containers (renamed them). */
    function claim(n: number, from: number): void {
        const env = {
            ...process.env,
            FAKE_DOCKER_STATE: statePath(),
            FAKE_DOCKER_LOG: join(work, "claims.log"),
        };
        for (const [i, c] of warm().slice(0, n).entries())
            expect(
                runTool(join(FAKES, "docker"), ["rename", c.name, `agent-user-${from + i}`], { env }).status,
            ).toBe(0);
    }

    it("carries the warm and claimed counts, the maximum, the target and the pass's time", async () => {
        node(3, 17);
        const before = Math.floor(Date.now() / 1000);
        const r = pass();
        expect(r.status, r.output).toBe(0);
        const server = exporter();
        try {
            const text = await scrape();
            expect(text.match(series)).toEqual([
                'phase_stacks_agent_containers{state="claimed",tier="free"} 3',
                'phase_stacks_agent_containers{state="warm",tier="free"} 20',
                'phase_stacks_agent_containers_max{tier="free"} 50',
                'phase_stacks_agent_containers_prewarm{tier="free"} 20',
                expect.stringMatching(
                    /^phase_stacks_warm_pool_last_run_timestamp_seconds\{tier="free"\} \S+$/,
                ),
            ]);
            // The exporter prints it as a float (1.7e+09).
            const stamp = Number(/last_run_timestamp_seconds\{tier="free"\} (\S+)/.exec(text)?.[1]);
            expect(stamp).toBeGreaterThanOrEqual(before);
            expect(stamp).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000));
            expect(text).toMatch(/^node_textfile_scrape_error 0$/m);
            expect(text).toMatch(/^node_memory_MemTotal_bytes \d/m);
        } finally {
            await stop(server);
        }
    });

    it("a pass whose write is cut short leaves the last pass's file whole, and the exporter reads it", async () => {
        node(0, 20);
        expect(pass().status).toBe(0);
        const last = readFileSync(metricsPath(), "utf8");
        expect(last.length, "the file must outgrow the 512-byte limit below").toBeGreaterThan(512);
        claim(5, 0);
        // The keeper's own writes stop at 512 bytes (RLIMIT_FSIZE); the fake docker lifts that for itself.
        const lifted = join(work, "bin");
        mkdirSync(lifted);
        writeFileSync(
            join(lifted, "docker"),
            `#!/bin/bash\nulimit -S -f unlimited\nexec ${join(FAKES, "docker")} "$@"\n`,
        );
        chmodSync(join(lifted, "docker"), 0o755);
        const limited = [
            "import os, resource, sys",
            "resource.setrlimit(resource.RLIMIT_FSIZE, (512, resource.RLIM_INFINITY))",
            "os.execvp('bash', ['bash', sys.argv[1]])",
        ].join("; ");
        const cut = pass({ PATH: `${lifted}:${FAKES}:${process.env["PATH"] ?? ""}` }, "python3", [
            "-c",
            limited,
            script,
        ]);
        expect(cut.status, cut.output).not.toBe(0);
        expect(runs(), "the pass did its work before the write").toHaveLength(5);
        expect(readFileSync(metricsPath(), "utf8")).toBe(last);
        // The half it wrote stayed under a name the exporter does not read.
        const written = readdirSync(work).filter((f) => f.startsWith("phase_stacks_warm_pool.prom"));
        expect(written).toHaveLength(2);
        expect(written.filter((f) => f.endsWith(".prom"))).toEqual(["phase_stacks_warm_pool.prom"]);
        const half = written.find((f) => !f.endsWith(".prom")) as string;
        expect(statSync(join(work, half)).size).toBe(512);
        const server = exporter();
        try {
            const text = await scrape();
            expect(text).toContain('phase_stacks_agent_containers{state="claimed",tier="free"} 0');
            expect(text).toContain('phase_stacks_agent_containers{state="warm",tier="free"} 20');
            expect(text).toMatch(/^node_textfile_scrape_error 0$/m);
        } finally {
            await stop(server);
        }
        // The next whole pass publishes the claims.
        expect(pass().status).toBe(0);
        expect(readFileSync(metricsPath(), "utf8")).toContain('state="claimed"} 5');
    });
});

describe("rendered keeper files", () => {
    it("the keeper passes shellcheck", () => {
        const r = runTool("shellcheck", ["--severity=style", "--shell=bash", script]);
        expect(r.status, r.output).toBe(0);
    });

    it("the service and timer pass systemd-analyze verify without a warning", () => {
        requireTool("systemd-analyze");
        const dir = tempDir("warm-pool-units");
        try {
            const units = files.filter((f) => f.kind === "systemd");
            expect(units).toHaveLength(2);
            // verify checks that ExecStart and EnvironmentFile exist: point them into the rendered tree.
            for (const u of units) {
                const local = u.content.replace(
                    /=\/(opt|etc)\/phase-stacks\//g,
                    (m) => `=${root}${m.slice(1)}`,
                );
                writeFileSync(join(dir, u.path.slice(u.path.lastIndexOf("/") + 1)), local);
            }
            const r = runTool("systemd-analyze", [
                "verify",
                ...units.map((u) => join(dir, u.path.slice(u.path.lastIndexOf("/") + 1))),
            ]);
            expect(r.output).toBe("");
            expect(r.status).toBe(0);
        } finally {
            removeDir(dir);
        }
    });

    it("the settings file holds the tier's caps and refuses a node too small for the maximum", () => {
        const env = fileAt(files, WARM_POOL_PATHS.env).content;
        expect(env).toContain("MEMORY_MB=256\n");
        expect(env).toContain("PREWARM=20\n");
        expect(() => warmPoolSettings({ ...spec, maxContainers: 61 })).toThrow(
            /61 free containers need 16640 MiB/,
        );
        expect(() => warmPoolSettings({ ...spec, image: "bad image" })).toThrow(/agents.image/);
    });
});
