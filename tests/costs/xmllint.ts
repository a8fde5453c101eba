/** xmllint (Debian libxml2-utils): fails with the package to install when it is missing, never skips. */
import { execFileSync, spawnSync } from "node:child_process";

export function xmllint(args: readonly string[]): { status: number | null; output: string } {
    try {
        execFileSync("sh", ["-c", "command -v xmllint"]);
    } catch {
        throw new Error("required tool 'xmllint' is not installed: run 'apt-get install -y libxml2-utils'");
    }
    const r = spawnSync("xmllint", args, { encoding: "utf8", timeout: 30_000 });
    return { status: r.status, output: `${r.stdout ?? ""}${r.stderr ?? ""}` };
}
