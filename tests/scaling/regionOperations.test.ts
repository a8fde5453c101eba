/**
 * Phase 4's region operations: valid bash on both ends of every ssh, only patronictl subcommands and flags the
 * packaged patronictl knows, the promotion and the rebuild expressed as the dynamic-config edits Patroni 3.0.2
 * applies (`-s key=null` deletes a key), and a region failover that fits the seed's 1 h RTO.
 */
import { describe, expect, it } from "vitest";
import { PHASE_SPECS } from "../../core/phases";
import { PRODUCTION_PHASES } from "../../core/scaling/matrix";
import { regionFailoverMinutes, regionOperations } from "../../core/scaling/regionOperations";
import { PATRONI_CREDENTIAL } from "../../core/render/data/patroniNode";
import { runTool } from "../helpers/tools";

/** bash with `ssh`, `pulumi`, `jq` and `curl` replaced: ssh records and syntax-checks the remote command line. */
const HARNESS = [
    'ssh() { while [ "$1" != "--" ]; do shift; done; shift; printf "%s\\n" "$*" >>"$REMOTE_LOG"; bash -n -c "$*"; }',
    "pulumi() { echo 192.0.2.10; }",
    "jq() { echo 192.0.2.10; }",
    "curl() { echo 200; }",
].join("\n");

function remoteCommands(commands: readonly string[]): string[] {
    const log = `/tmp/region-operations-${process.pid}.log`;
    const r = runTool(
        "bash",
        ["-c", `${HARNESS}\n: >"$REMOTE_LOG"\n${commands.join("\n")}\ncat "$REMOTE_LOG"`],
        {
            env: { ...process.env, REMOTE_LOG: log },
        },
    );
    expect(r.status, r.output).toBe(0);
    return r.output.split("\n").filter(Boolean);
}

const steps = regionOperations("phase4");

describe("phase 4's region operations", () => {
    it("exist for phase 4 only, in the order a failover and its failback run", () => {
        expect(PRODUCTION_PHASES.filter((p) => regionOperations(p).length > 0)).toEqual(["phase4"]);
        expect(steps.map((s) => s.title.split(":")[0])).toEqual([
            "Check replication between regions",
            "Region failover, 1",
            "Region failover, 2",
            "Region failover, 3",
            "Failback, 1",
            "Failback, 2",
        ]);
    });

    it("run as valid bash here and on the nodes, patronictl with the Patroni unit's config", () => {
        const remote = remoteCommands(steps.flatMap((s) => s.commands));
        const pctl = remote.filter((r) => r.includes("patronictl"));
        expect(pctl.length).toBeGreaterThanOrEqual(8);
        for (const r of pctl) expect(r).toContain(`patronictl -c ${PATRONI_CREDENTIAL("patroni.yml")}`);
    });

    it("fence the lost region in Cloudflare before promoting, and promote by deleting standby_cluster", () => {
        const [, fence, promote] = steps;
        expect(fence?.commands.join("\n")).toMatch(/loadBalancing\.fencedRegions/);
        expect(promote?.commands.join("\n")).toContain("edit-config --force -s standby_cluster=null");
    });

    it("use only subcommands and flags the packaged patronictl knows", () => {
        const used = steps
            .flatMap((s) => s.commands)
            .flatMap((c) => [...c.matchAll(/patroni\.yml (\w[\w-]*)([^']*)/g)])
            .map((m) => ({
                sub: m[1] as string,
                // Up to the first command substitution: the addresses come from `pulumi stack output`, not patronictl.
                flags: [...(m[2] ?? "").split("$(")[0]!.matchAll(/(?<=\s)--?[a-z][a-z-]*/g)].map((f) => f[0]),
            }));
        expect(used.map((u) => u.sub)).toEqual(expect.arrayContaining(["list", "edit-config"]));
        for (const u of used) {
            const help = runTool("patronictl", [u.sub, "--help"]);
            expect(help.status, `${u.sub}: ${help.output}`).toBe(0);
            for (const f of u.flags) expect(help.output, `patronictl ${u.sub} ${f}`).toContain(f);
        }
    });

    it("fail a region over within the seed's RTO, even in the worst case of every step", () => {
        const [typical, worst] = regionFailoverMinutes(steps);
        const rto = PHASE_SPECS.phase4.rtoMinutes ?? 0;
        expect(rto).toBe(60);
        expect(typical).toBeLessThan(worst);
        expect(worst).toBeLessThanOrEqual(rto);
    });
});
