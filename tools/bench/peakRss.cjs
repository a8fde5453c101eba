// Preloaded by the benchmark (node --require) into a tool it times: on exit, writes the process's peak RSS in
// KiB to the file named by BENCH_RSS_FILE, since a parent cannot read a child's rusage from Node.
const { writeFileSync } = require("node:fs");
process.on("exit", () => writeFileSync(process.env.BENCH_RSS_FILE, String(process.resourceUsage().maxRSS)));
