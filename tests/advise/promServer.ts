/**
 * A real Prometheus on loopback, serving synthetic series: written as OpenMetrics, turned into TSDB blocks by
 * `promtool tsdb create-blocks-from openmetrics`, and loaded by the `prometheus` binary at startup.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { requireTool, runTool } from "../helpers/tools";

export interface Family {
    readonly name: string;
    readonly type: "gauge" | "counter" | "histogram";
    /** Each series: labels, and the value at a Unix time in seconds. */
    readonly series: readonly {
        readonly labels: string;
        readonly at: (t: number) => number;
        readonly times: readonly number[];
    }[];
}

export function openMetrics(families: readonly Family[]): string {
    const lines = families.flatMap((f) => [
        `# TYPE ${f.name} ${f.type}`,
        ...f.series.flatMap((s) => s.times.map((t) => `${s.labels} ${s.at(t)} ${t}`)),
    ]);
    return `${[...lines, "# EOF"].join("\n")}\n`;
}

function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const srv = createServer();
        srv.once("error", reject);
        srv.listen(0, "127.0.0.1", () => {
            const address = srv.address();
            srv.close(() =>
                typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port")),
            );
        });
    });
}

export interface RunningPrometheus {
    readonly url: string;
    stop(): Promise<void>;
}

const STARTUP_MS = 20_000;

export async function startPrometheus(dir: string, families: readonly Family[]): Promise<RunningPrometheus> {
    const data = join(dir, "data");
    if (families.length > 0) {
        writeFileSync(join(dir, "series.om"), openMetrics(families));
        const r = runTool("promtool", [
            "tsdb",
            "create-blocks-from",
            "openmetrics",
            "--max-block-duration=240h",
            join(dir, "series.om"),
            data,
        ]);
        if (r.status !== 0) throw new Error(`promtool could not create the blocks:\n${r.output}`);
    }
    writeFileSync(join(dir, "prometheus.yml"), "global:\n  scrape_interval: 15s\n");
    const port = await freePort();
    const child: ChildProcess = spawn(
        requireTool("prometheus"),
        [
            `--config.file=${join(dir, "prometheus.yml")}`,
            `--storage.tsdb.path=${data}`,
            "--storage.tsdb.retention.time=30d",
            `--web.listen-address=127.0.0.1:${port}`,
        ],
        { stdio: ["ignore", "ignore", "pipe"] },
    );
    let log = "";
    child.stderr!.on("data", (b: Buffer) => (log += b.toString()));
    const url = `http://127.0.0.1:${port}`;
    const stop = () =>
        new Promise<void>((resolve) => {
            if (child.exitCode !== null) return resolve();
            child.once("exit", () => resolve());
            child.kill("SIGTERM");
        });
    const deadline = Date.now() + STARTUP_MS;
    while (Date.now() < deadline) {
        if (child.exitCode !== null) throw new Error(`prometheus exited with ${child.exitCode}:\n${log}`);
        const ready = await fetch(`${url}/-/ready`).then(
            (r) => r.ok,
            () => false,
        );
        if (ready) return { url, stop };
        await new Promise((r) => setTimeout(r, 200));
    }
    await stop();
    throw new Error(`prometheus was not ready within ${STARTUP_MS} ms:\n${log}`);
}
