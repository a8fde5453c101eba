// Loads the program the way `pulumi up` does (Pulumi's vendored ts-node 7 + the project's TypeScript), under mocks.
// Plain CommonJS run by plain node: tsx must not be in the loop, or it would hide a break in that path.
const path = require("path");
const root = process.argv[2];
process.chdir(root);
const pulumi = require(path.join(root, "node_modules/@pulumi/pulumi"));
const tsnode = require(path.join(root, "node_modules/@pulumi/pulumi/vendor/ts-node@7.0.1"));
tsnode.register({
    compiler: require.resolve("typescript", { paths: [root] }),
    project: "tsconfig.json",
    compilerOptions: {},
});
const { PlanMocks } = require(path.join(root, "tools/plan/mocks.ts"));
const { readStackFile } = require(path.join(root, "tools/plan/stackFile.ts"));
(async () => {
    const file = readStackFile(path.join(root, "Pulumi.phase1.yaml"));
    await pulumi.runtime.setMocks(new PlanMocks(), file.project, file.stack, true);
    pulumi.runtime.setAllConfig({ ...file.values }, [...file.secretKeys]);
    const program = require(path.join(root, "index.ts"));
    console.log("export is a function:", program instanceof Function);
    let n = 0;
    await pulumi.runtime.runInPulumiStack(async () => {
        const out = program();
        n = Object.keys(out).length;
        return out;
    });
    await pulumi.runtime.disconnect();
    console.log(
        "program ran, outputs:",
        n,
        "registered:",
        pulumi.runtime.getMonitor().getRegisteredResources().size,
    );
})().catch((e) => {
    console.error("FAILED:", e.message.split("\n").slice(0, 12).join("\n"));
    process.exit(1);
});
