/**
 * node_exporter on the agent hosts: the drop-in over the packaged unit (one address, the textfile directory, the
 * package's environment and command line dropped), the packaged unit with it passing `systemd-analyze verify`,
 * and the `agents` job's targets with each host's name and tier.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
    AGENT_SCRAPE_JOB,
    agentScrapeTargets,
    NODE_EXPORTER,
    renderNodeExporter,
} from "../../../core/render/monitoring/nodeExporter";
import { TEXTFILE_COLLECTOR_DIR } from "../../../core/render/monitoring/dashboards";
import { UNIT_DIR } from "../../../core/render/base/systemd";
import { runTool } from "../../helpers/tools";
import { removeDir, tempDir } from "../fixtures";
import { dropInArgv, serviceLines } from "../../helpers/systemdUnits";

const PACKAGED_UNIT = `/lib/systemd/system/${NODE_EXPORTER.unit}`;
const SPEC = { listenIp: "10.0.1.150", textfileDir: TEXTFILE_COLLECTOR_DIR };
const [dropIn] = renderNodeExporter(SPEC);
const dirs: string[] = [];
afterAll(() => dirs.forEach(removeDir));

describe("the node exporter's drop-in", () => {
    it("listens on the one address given and reads the keeper's textfile directory, nothing else", () => {
        expect(dropIn?.path).toBe(`${UNIT_DIR}/${NODE_EXPORTER.unit}.d/10-phase-stacks.conf`);
        expect(dropInArgv(dropIn?.content ?? "")).toEqual([
            NODE_EXPORTER.binary,
            "--web.listen-address=10.0.1.150:9100",
            `--collector.textfile.directory=${TEXTFILE_COLLECTOR_DIR}`,
        ]);
        // The package's /etc/default file (ARGS, every interface) never applies.
        expect(serviceLines(dropIn?.content ?? "", "EnvironmentFile")).toEqual([""]);
        expect(serviceLines(dropIn?.content ?? "", "MemoryMax")).toEqual([NODE_EXPORTER.memoryMax]);
    });

    it("refuses a wildcard or non-IPv4 listen address and a textfile directory that is not a plain path", () => {
        for (const listenIp of ["0.0.0.0", "", "::", "agent-1", "10.0.1.256"])
            expect(() => renderNodeExporter({ ...SPEC, listenIp }), listenIp).toThrow(/listen address/);
        for (const textfileDir of ["", "relative/dir", "/var/lib/x y", "/var/lib/$(id)"])
            expect(() => renderNodeExporter({ ...SPEC, textfileDir }), textfileDir).toThrow(/textfileDir/);
    });

    it("passes `systemd-analyze verify` merged with the packaged unit, and a broken one does not", () => {
        if (!existsSync(PACKAGED_UNIT))
            throw new Error(`${PACKAGED_UNIT} is missing: run 'apt-get install -y ${NODE_EXPORTER.package}'`);
        const dir = tempDir("node-exporter-unit");
        dirs.push(dir);
        const merged = (text: string) => {
            const path = join(dir, NODE_EXPORTER.unit);
            writeFileSync(path, `${readFileSync(PACKAGED_UNIT, "utf8")}\n${text}`);
            return runTool("systemd-analyze", ["verify", path]);
        };
        const ok = merged(dropIn?.content ?? "");
        expect(ok.output).toBe("");
        expect(ok.status).toBe(0);
        expect(merged((dropIn?.content ?? "").replace("ExecStart=\n", "")).status).not.toBe(0);
    });
});

describe("the agents job's targets", () => {
    it("reads each host's exporter at port 9100, labelled with its name and tier", () => {
        expect(AGENT_SCRAPE_JOB).toBe("agents");
        expect(
            agentScrapeTargets([
                { name: "agents-free-node-0", ip: "10.0.1.150", tier: "free" },
                { name: "agents-pro-node-0", ip: "10.0.1.151", tier: "pro" },
            ]),
        ).toEqual({
            targets: ["10.0.1.150:9100", "10.0.1.151:9100"],
            labels: {
                "10.0.1.150:9100": { node: "agents-free-node-0", tier: "free" },
                "10.0.1.151:9100": { node: "agents-pro-node-0", tier: "pro" },
            },
        });
        expect(() =>
            agentScrapeTargets([
                { name: "a", ip: "10.0.1.150", tier: "free" },
                { name: "b", ip: "10.0.1.150", tier: "free" },
            ]),
        ).toThrow(/agents scrape job: a host's ip appears twice/);
    });
});
