// Run by the pinned Node (the runtime the executable embeds, so V8 accepts
// the result): writes V8 code cache for a script, compiled as the executable
// compiles it (src/cli/load-asset-module.ts: vm.Script with the same filename).
//   node code-cache.cjs <script> <filename> <output>
const { readFileSync, writeFileSync } = require("node:fs");
const { Script } = require("node:vm");

const [source, filename, output] = process.argv.slice(2);
const script = new Script(readFileSync(source, "utf8"), { filename });
writeFileSync(output, script.createCachedData());
