/**
 * Debian's prometheus-node-exporter with only its textfile collector, reading a test's directory: the parser
 * the hosts' node exporters run on the scripts' `*.prom` files. Returns what /metrics serves.
 */
import { spawn } from "node:child_process";
import { requireTool } from "./tools";

export async function scrapeTextfiles(dir: string, port: number): Promise<string> {
    const child = spawn(
        requireTool("prometheus-node-exporter"),
        [
            "--collector.disable-defaults",
            "--collector.textfile",
            `--collector.textfile.directory=${dir}`,
            `--web.listen-address=127.0.0.1:${port}`,
        ],
        { stdio: "ignore" },
    );
    const exited = new Promise<never>((_, reject) =>
        child.once("exit", (code) => reject(new Error(`prometheus-node-exporter exited ${code}`))),
    );
    // Rejects when the exporter stops, which it also does once killed below.
    exited.catch(() => undefined);
    try {
        for (let attempt = 0; ; attempt++) {
            try {
                const res = await Promise.race([fetch(`http://127.0.0.1:${port}/metrics`), exited]);
                return await res.text();
            } catch (e) {
                if (child.exitCode !== null || attempt >= 50) throw e;
                await new Promise((r) => setTimeout(r, 100));
            }
        }
    } finally {
        child.kill();
    }
}
