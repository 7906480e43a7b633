// Run by the pinned Node (the runtime the executable embeds, so V8 accepts
// the result): writes V8 code cache for a script, compiled as the executable
// compiles it (src/cli/load-asset-module.ts: vm.Script with the same filename).
//   node code-cache.cjs <script> <filename> <output> [--eager]
//
// V8 caches only functions that have been compiled, and compiles a function
// on its first call. So before writing the cache the bundle is run (its
// wrapper evaluated, then its `warmUpForCodeCache` export if any, which
// loads every plugin module and runs their pure code once).
//
// --eager compiles every function of the script up front (V8's --no-lazy,
// switched on only around this one compilation and back off before the
// cache is written: V8 refuses a cache made under other flags), so the
// cache holds functions the warm-up cannot reach without a kernel (the
// store, the lock, the socket wrappers). BENCHMARKS.md ("Fifth pass")
// has what that saves per ADD and what it costs in size.
const { readFileSync, writeFileSync } = require("node:fs");
const { setFlagsFromString } = require("node:v8");
const { Script } = require("node:vm");

async function main() {
  const [source, filename, output, mode] = process.argv.slice(2);
  const eager = mode === "--eager";
  if (eager) setFlagsFromString("--no-lazy");
  const script = new Script(readFileSync(source, "utf8"), { filename });
  if (eager) setFlagsFromString("--lazy");
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
