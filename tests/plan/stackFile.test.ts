import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readStackFile, StackFileError, stackNameOf } from "../../tools/plan/stackFile";

function project(files: Record<string, string>): string {
    const dir = mkdtempSync(join(tmpdir(), "stackfile-"));
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    return dir;
}

describe("stack file reader", () => {
    it("merges project values under stack values and replaces secure values with placeholders", () => {
        const dir = project({
            "Pulumi.yaml":
                "name: demo\nruntime: nodejs\nconfig:\n  size: { value: { a: 1, b: 2 } }\n  plain: 3\n  typed: { type: string, default: x }\n",
            "Pulumi.prod.yaml": "config:\n  demo:size: { a: 9 }\n  hcloud:token:\n    secure: v1:AAAA\n",
        });
        const f = readStackFile(join(dir, "Pulumi.prod.yaml"));
        expect(f.project).toBe("demo");
        expect(f.stack).toBe("prod");
        expect(f.values).toEqual({
            "demo:size": '{"a":9}',
            "demo:plain": "3",
            "demo:typed": "x",
            "hcloud:token": "<secret:hcloud:token>",
        });
        expect([...f.secretKeys]).toEqual(["hcloud:token"]);
    });

    it("names the file when it is missing or not YAML", () => {
        const dir = project({ "Pulumi.yaml": "name: demo\n", "Pulumi.bad.yaml": "config: [unclosed\n" });
        expect(() => readStackFile(join(dir, "Pulumi.none.yaml"))).toThrow(StackFileError);
        expect(() => readStackFile(join(dir, "Pulumi.bad.yaml"))).toThrow(
            /Pulumi\.bad\.yaml is not valid YAML/,
        );
    });

    it("takes the stack name from Pulumi.<stack>.yaml", () => {
        expect(stackNameOf("/x/Pulumi.phase1.yaml")).toBe("phase1");
        expect(stackNameOf("/x/custom.yaml")).toBe("custom");
    });
});
