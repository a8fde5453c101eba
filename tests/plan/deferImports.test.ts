/**
 * The offline plan defers the two heavy modules the Pulumi SDK loads for closure serialization: they are not
 * compiled while the SDK loads, and each still works the first time something uses it.
 */
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { compiled, ROOT } from "../helpers/build";

// Records every .js file node compiles; a deferred module is not compiled until first use.
const PROBE = `
const Module = require("node:module");
const compile = Module._extensions[".js"];
const compiledFiles = [];
Module._extensions[".js"] = (m, file) => (compiledFiles.push(file), compile(m, file));
require(${JSON.stringify(compiled("tools/plan/deferImports"))}).deferUnusedSdkImports();
require("@pulumi/pulumi");
const heavy = () => compiledFiles.filter((f) => /node_modules\\/(typescript|@npmcli\\/arborist)\\//.test(f)).length;
const atLoad = heavy();
const ts = require("typescript");
const arborist = require("@npmcli/arborist");
console.log(JSON.stringify({
    atLoad,
    version: ts.version,
    parses: ts.createSourceFile("a.ts", "const a = 1;", ts.ScriptTarget.Latest).statements.length,
    arborist: typeof arborist.Arborist,
    afterUse: heavy(),
}));
`;

describe("deferUnusedSdkImports", () => {
    it("keeps typescript and @npmcli/arborist out of the SDK's load and loads each on first use", () => {
        const r = spawnSync(process.execPath, ["-e", PROBE], { cwd: ROOT, encoding: "utf8" });
        expect(r.stderr).toBe("");
        const out = JSON.parse(r.stdout) as Record<string, unknown>;
        expect(out).toMatchObject({ atLoad: 0, parses: 1, arborist: "function" });
        expect(out["version"]).toMatch(/^\d+\.\d+/);
        expect(out["afterUse"]).toBeGreaterThan(1);
    });
});
