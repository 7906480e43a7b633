// Run by the pinned Node (the runtime the executable embeds, so V8 accepts
// the result): writes V8 code cache for a script, compiled as the executable
// compiles it (src/cli/load-asset-module.ts: vm.Script with the same filename).
//   node code-cache.cjs <script> <filename> <output>
//
// V8 caches only functions that have been compiled, and compiles a function
// on its first call. So before writing the cache the bundle is run (its
// wrapper evaluated, then its `warmUpForCodeCache` export, which loads every
// plugin module and parses sample configs): the cache then carries the
// plugin initialisers and parsers compiled, instead of only the top level.
const { readFileSync, writeFileSync } = require("node:fs");
const { Script } = require("node:vm");

async function main() {
  const [source, filename, output] = process.argv.slice(2);
  const script = new Script(readFileSync(source, "utf8"), { filename });
  const wrapper = script.runInThisContext();
  const module = { exports: {} };
  wrapper(module.exports, require, module, filename, ".");
  if (typeof module.exports.warmUpForCodeCache === "function") await module.exports.warmUpForCodeCache();
  writeFileSync(output, script.createCachedData());
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
