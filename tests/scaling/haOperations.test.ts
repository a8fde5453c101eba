import { describe, expect, it } from "vitest";
import { haOperations } from "../../core/scaling/haOperations";
import { PRODUCTION_PHASES } from "../../core/scaling/matrix";
import { PATRONI_CREDENTIAL, PATRONI_UNIT } from "../../core/render/data/patroniNode";
import { sharedPlanObject } from "../helpers/sharedPlans";
import { runTool } from "../helpers/tools";

/** bash with `ssh` replaced by a function that records and syntax-checks the remote command line. */
const HARNESS = [
    'ssh() { while [ "$1" != "--" ]; do shift; done; shift; printf "%s\\n" "$*" >>"$REMOTE_LOG"; bash -n -c "$*"; }',
    "pulumi() { echo 10.0.0.1; }",
    "jq() { :; }",
].join("\n");

const remoteCommands = (commands: readonly string[]): string[] => {
    const log = `/tmp/ha-operations-${process.pid}.log`;
    const r = runTool(
        "bash",
        ["-c", `${HARNESS}\n: >"$REMOTE_LOG"\n${commands.join("\n")}\ncat "$REMOTE_LOG"`],
        {
            env: { ...process.env, REMOTE_LOG: log },
        },
    );
    expect(r.status, r.output).toBe(0);
    return r.output.split("\n").filter((l) => l.includes("patronictl"));
};

describe("the data tier's operations", () => {
    it("are listed for the Patroni phase only", () => {
        expect(PRODUCTION_PHASES.filter((p) => haOperations(p).length > 0)).toEqual(["phase3", "phase4"]);
        const titles = haOperations("phase3").map((o) => o.title.split(":")[0]);
        expect(titles).toEqual([
            "Find the cluster",
            "Switchover",
            "Maintenance pause",
            "Re-add a node",
            "Emergency failover",
        ]);
    });

    it("run patronictl on a node with the config the Patroni unit is handed, and valid bash on both ends", () => {
        const steps = haOperations("phase3");
        const remote = remoteCommands(steps.flatMap((s) => s.commands));
        expect(remote.length).toBeGreaterThanOrEqual(7);
        for (const r of remote) expect(r).toContain(`patronictl -c ${PATRONI_CREDENTIAL("patroni.yml")}`);
        const unit = sharedPlanObject("phase3").artifacts.find((a) => a.target.endsWith(`/${PATRONI_UNIT}`));
        expect(unit?.content).toMatch(/LoadCredential=patroni\.yml:/);
    });

    it("use only subcommands and flags the packaged patronictl knows", () => {
        const used = haOperations("phase3")
            .flatMap((s) => s.commands)
            .flatMap((c) => [...c.matchAll(/patroni\.yml (\w+)([^']*)/g)])
            .map((m) => ({
                sub: m[1] as string,
                flags: [...(m[2] ?? "").matchAll(/--[a-z-]+/g)].map((f) => f[0]),
            }));
        expect(used.map((u) => u.sub)).toEqual(
            expect.arrayContaining(["list", "switchover", "pause", "resume", "reinit", "failover"]),
        );
        for (const u of used) {
            const help = runTool("patronictl", [u.sub, "--help"]);
            expect(help.status, `${u.sub}: ${help.output}`).toBe(0);
            for (const f of u.flags) expect(help.output, `patronictl ${u.sub} ${f}`).toContain(f);
        }
    });
});
