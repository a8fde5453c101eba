/**
 * The k3s nodes' metadata-service block, run for real in a private user and network namespace (no root needed, the
 * host's rules are untouched): shellcheck judges the script, iptables shows the rules it leaves behind.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { HOST_PATHS, UNITS } from "../../../core/render/base/paths";
import { K3S_POD_INTERFACES, renderK3sMetadataBlock } from "../../../core/render/host/metadataBlock";
import { requireTool, runTool } from "../../helpers/tools";
import { fileAt, removeDir, tempDir } from "../fixtures";

const files = renderK3sMetadataBlock();
const dir = tempDir("k3s-metadata-block");
afterAll(() => removeDir(dir));
const script = join(dir, "block-metadata-service.sh");
writeFileSync(script, fileAt(files, HOST_PATHS.metadataBlockScript).content, { mode: 0o755 });

const POD_RULES = [
    "-A FORWARD -d 169.254.169.254/32 -i flannel.1 -m conntrack --ctstate NEW -j DROP",
    "-A FORWARD -d 169.254.169.254/32 -i cni0 -m conntrack --ctstate NEW -j DROP",
];
/** The Docker hosts' OUTPUT rule, unchanged: non-root host processes (and non-root hostNetwork pods) are refused. */
const OUTPUT_RULE =
    "-A OUTPUT -d 169.254.169.254/32 -m owner ! --uid-owner 0 -j REJECT --reject-with icmp-port-unreachable";

/** Runs `commands` in a fresh user and network namespace; returns the `-A` lines it printed. */
function inNamespace(commands: string): { status: number | null; output: string; rules: string[] } {
    requireTool("iptables");
    const r = runTool("unshare", ["--map-root-user", "--net", "bash", "-c", `set -e; ${commands}`]);
    return { ...r, rules: r.output.split("\n").filter((l) => l.startsWith("-A ")) };
}

const LIST = "iptables -w -t mangle -S FORWARD && iptables -w -S FORWARD && iptables -w -S OUTPUT";

describe("k3s metadata-service block script", () => {
    it("passes shellcheck", () => {
        const r = runTool("shellcheck", ["--severity=style", "--shell=bash", script]);
        expect(r.output).toBe("");
        expect(r.status).toBe(0);
    });

    it("drops new pod connections from cni0 and flannel.1 to 169.254.169.254 once, however often it runs", () => {
        expect(K3S_POD_INTERFACES).toEqual(["cni0", "flannel.1"]);
        const r = inNamespace(`bash ${script}; bash ${script}; ${LIST}`);
        expect(r.status, r.output).toBe(0);
        // Exactly these: nothing else is blocked, the filter table's FORWARD is left to k3s.
        expect(r.rules).toEqual([...POD_RULES, OUTPUT_RULE]);
    });

    it("is not undone by ACCEPTs k3s puts at the top of filter FORWARD (the rule is in mangle, which runs first)", () => {
        // What kube-router (network policy) and flannel insert above anything of ours once k3s runs.
        const k3sAccepts = [
            "iptables -w -I FORWARD 1 -m mark --mark 0x20000/0x20000 -j ACCEPT",
            "iptables -w -I FORWARD 1 -s 10.42.0.0/16 -j ACCEPT",
        ].join("; ");
        const r = inNamespace(
            `bash ${script}; ${k3sAccepts}; bash ${script}; iptables -w -t mangle -S FORWARD`,
        );
        expect(r.status, r.output).toBe(0);
        expect(r.rules).toEqual(POD_RULES);
    });

    it("restores the rules k3s's installer and killall script strip (`grep -iv flannel`) when it runs again", () => {
        const strip = "iptables-save | grep -v KUBE- | grep -v CNI- | grep -iv flannel | iptables-restore";
        const stripped = inNamespace(`bash ${script}; ${strip}; ${LIST}`);
        expect(stripped.status, stripped.output).toBe(0);
        // The reset really removes one: this is why the unit re-runs with k3s (PartOf, WantedBy).
        expect(stripped.rules).toEqual([POD_RULES[1], OUTPUT_RULE]);
        const restored = inNamespace(`bash ${script}; ${strip}; bash ${script}; ${LIST}`);
        expect(restored.status, restored.output).toBe(0);
        expect(restored.rules).toEqual([...POD_RULES, OUTPUT_RULE]);
    });

    it("fails loudly when iptables refuses a rule, rather than leaving pods unblocked", () => {
        // A broken iptables on PATH: the unit must fail, not report success with no rule in place.
        writeFileSync(join(dir, "iptables"), "#!/bin/sh\nexit 2\n", { mode: 0o755 });
        const r = runTool("env", [`PATH=${dir}:/usr/bin:/bin`, "bash", script]);
        expect(r.status).not.toBe(0);
    });
});

describe("k3s metadata-service block unit", () => {
    const unit = fileAt(files, `/etc/systemd/system/${UNITS.metadataBlock}`).content;

    it("runs once before k3s starts and again whenever k3s is restarted, at boot and with k3s", () => {
        expect(unit).toMatch(/^Before=k3s\.service k3s-agent\.service$/m);
        expect(unit).toMatch(/^PartOf=k3s\.service k3s-agent\.service$/m);
        expect(unit).toMatch(/^Type=oneshot$/m);
        expect(unit).toMatch(/^RemainAfterExit=(true|yes)$/m);
        expect(unit).toContain(`\nExecStart=${HOST_PATHS.metadataBlockScript}\n`);
        const wantedBy = [...unit.matchAll(/^WantedBy=(.+)$/gm)].flatMap((m) => m[1]!.split(" "));
        expect(wantedBy.sort()).toEqual(["k3s-agent.service", "k3s.service", "multi-user.target"]);
        // Nothing of Docker's: k3s nodes have no dockerd.
        expect(unit).not.toContain("docker");
        expect(fileAt(files, HOST_PATHS.metadataBlockScript).content).not.toContain("DOCKER-USER");
    });

    it("passes systemd-analyze verify", () => {
        requireTool("systemd-analyze");
        const local = join(dir, UNITS.metadataBlock);
        writeFileSync(local, unit.replace(`=${HOST_PATHS.metadataBlockScript}`, `=${script}`));
        const r = runTool("systemd-analyze", ["verify", local]);
        expect(r.output).toBe("");
        expect(r.status).toBe(0);
    });
});
