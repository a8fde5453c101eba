import { afterAll, describe, expect, it } from "vitest";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { PHASES } from "../../core/phases";
import { buildCostChart } from "../../tools/costs/chart";
import { seedCost } from "../../tools/costs/planCost";
import { el, serializeXml } from "../../tools/costs/svg";
import { costRow } from "../../tools/costs/table";
import { removeDir, tempDir } from "../render/fixtures";
import { xmllint } from "./xmllint";

const dir = tempDir("svg");
afterAll(() => removeDir(dir));

function lint(name: string, text: string) {
    const path = join(dir, name);
    writeFileSync(path, text);
    return xmllint(["--noout", path]);
}

describe("SVG serialization", () => {
    it("escapes text and attribute values", () => {
        const xml = serializeXml(el("svg", { "data-x": `a"<&>` }, [el("text", {}, ['EUR <5> & "up"'])]));
        expect(xml).toContain('data-x="a&quot;&lt;&amp;&gt;"');
        expect(xml).toContain('<text>EUR &lt;5&gt; &amp; "up"</text>');
        expect(lint("escaped.svg", xml).status).toBe(0);
    });

    it("refuses names that are not XML names", () => {
        expect(() => serializeXml(el("bad name"))).toThrow(/not an XML name/);
        expect(() => serializeXml(el("svg", { "on click": 1 }))).toThrow(/not an XML attribute name/);
    });

    it("xmllint rejects broken markup (the check can fail)", () => {
        expect(lint("broken.svg", "<svg><text>a</svg>").status).not.toBe(0);
    });
});

describe("the cost and capacity chart", () => {
    const rows = PHASES.map((p) =>
        p === "phase1" || p === "dev"
            ? costRow({ stack: p, source: "plan", eur: p === "dev" ? 0 : 15.57 })
            : costRow(seedCost(p, `${p}: the stack program failed: a & <b>`)),
    );
    const xml = serializeXml(buildCostChart(rows));

    it("is well-formed XML, by xmllint", () => {
        const r = lint("chart.svg", xml);
        expect(r.output).toBe("");
        expect(r.status).toBe(0);
    });

    it("has a bar group per phase, marked plan or seed, and the capacity line through every phase", () => {
        for (const r of rows) expect(xml).toContain(`data-stack="${r.stack}" data-source="${r.cost.source}"`);
        const points = /<polyline points="([^"]+)"/.exec(xml)![1]!.split(" ");
        expect(points).toHaveLength(PHASES.length);
        expect(xml).toContain("phase5: sized for 10,000+ users");
    });
});
