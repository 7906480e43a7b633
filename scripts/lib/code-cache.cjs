// Run by the pinned Node (the runtime the executable embeds, so V8 accepts
// the result): writes V8 code cache for a script, compiled as the executable
// compiles it (src/sea-asset.ts: vm.Script with the same filename).
//   node code-cache.cjs <script> <filename> <output> [--eager]
//
// V8 caches only functions that have been compiled, and by default compiles
// a function on its first call: a plain cache holds the top level and
// little else. --eager compiles every function of the script up front
// (V8's --no-lazy, switched on only around this one compilation and back
// off before the cache is written: V8 refuses a cache made under other
// flags), so the cache holds all of them, the store, lock and socket code
// that no build-time run could reach without a kernel included
// (docs/ARCHITECTURE.md, "Code caches trained on real verbs"). Where the
// build can run verbs against a kernel, a plugin's cache is trained on them
// instead (code-cache-training.mjs), holding only what they run; --eager
// is the fallback, and the IPv6 bundle's cache.
const { readFileSync, writeFileSync } = require("node:fs");
const { setFlagsFromString } = require("node:v8");
const { Script } = require("node:vm");

const [source, filename, output, mode] = process.argv.slice(2);
const eager = mode === "--eager";
if (eager) setFlagsFromString("--no-lazy");
const script = new Script(readFileSync(source, "utf8"), { filename });
if (eager) setFlagsFromString("--lazy");
// Evaluated, as the executable does first, so the top level is compiled in any mode.
script.runInThisContext()({}, require, { exports: {} }, filename, ".");
writeFileSync(output, script.createCachedData());
