import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { renderIni } from "../../../core/render/base/ini";
import { shellQuote } from "../../../core/render/base/shell";
import { runTool } from "../../helpers/tools";

describe("INI serializer (systemd units, fail2ban jails)", () => {
    it("repeats a key for each value of a list and writes booleans as yes/no", () => {
        const text = renderIni({
            Unit: { After: ["a.service", "b.service"], Description: "x" },
            Service: { RemainAfterExit: true, Nice: 10, Skipped: undefined },
        });
        expect(text).toBe(
            "[Unit]\nAfter=a.service\nAfter=b.service\nDescription=x\n\n[Service]\nRemainAfterExit=yes\nNice=10\n",
        );
    });

    it("refuses a value with a line break, which would smuggle in another directive", () => {
        expect(() => renderIni({ Timer: { OnCalendar: "daily\nExecStart=/bin/sh" } })).toThrow(
            /\[Timer\] OnCalendar/,
        );
    });
});

describe("shell quoting", () => {
    it("gives bash back every string unchanged", () => {
        const values = fc.sample(
            fc.string({ unit: "binary", minLength: 0, maxLength: 40 }).filter((s) => !s.includes("\0")),
            { numRuns: 200, seed: 42 },
        );
        values.push("it's", "$(reboot)", "`id`", "a\nb", "\\", "'\"'");
        const script = values.map((v) => `printf '%s\\0' ${shellQuote(v)}`).join("\n");
        const r = runTool("bash", ["-c", script]);
        expect(r.status).toBe(0);
        expect(r.output.split("\0").slice(0, -1)).toEqual(values);
    });
});
