// One run of a plugin's bundle for code-cache-training.mjs, by the pinned
// Node, inside its throwaway namespaces: the bundle compiled as the
// executable compiles it (src/sea-asset.ts: vm.Script with the same
// filename), with the cache the previous runs wrote, then the verb in the
// environment on the config on stdin; at exit, V8's cache of everything
// compiled so far (what the cache held, plus what this run compiled).
//   node code-cache-run.cjs <plugin> <script> <filename> <cache in, or -> <cache out> <assets.json>
// assets.json maps the executable's asset keys (the addon, the IPv6 bundle)
// to files: the bundle reads them through node:sea, as in the executable.
const { readFileSync, writeFileSync } = require("node:fs");
const { setFlagsFromString } = require("node:v8");
const { Script } = require("node:vm");

const [plugin, source, filename, cacheIn, cacheOut, assetsFile] = process.argv.slice(2);
const assets = JSON.parse(readFileSync(assetsFile, "utf8"));
const cachedData = cacheIn === "-" ? undefined : readFileSync(cacheIn);
const script = new Script(readFileSync(source, "latin1"), { filename, cachedData });
if (cachedData && script.cachedDataRejected) {
  process.stderr.write(`code-cache-run: V8 rejected ${cacheIn}\n`);
  process.exit(70);
}
// No tiering while training: V8 notes in each function how hot it ran and
// the cache keeps the note, but how hot varies with timing (waiting for a
// new port polls as often as the kernel takes), and two builds must write
// the same cache.
// Switched back before writing: V8 refuses a cache made under other flags.
const TIERS = ["profile-guided-optimization", "sparkplug", "maglev", "turbofan"];
setFlagsFromString(TIERS.map((flag) => `--no-${flag}`).join(" "));
process.on("exit", () => {
  setFlagsFromString(TIERS.map((flag) => `--${flag}`).join(" "));
  writeFileSync(cacheOut, script.createCachedData());
});

const bytes = (key) => {
  const b = readFileSync(assets[key]);
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength);
};
const sea = {
  isSea: () => true,
  getAsset: (key, encoding) => (encoding ? readFileSync(assets[key], encoding) : bytes(key)),
  getRawAsset: bytes,
};
const builtin = process.getBuiltinModule;
process.getBuiltinModule = (id) => (id === "node:sea" ? sea : builtin(id));

const bundle = { exports: {} };
script.runInThisContext()(bundle.exports, (id) => process.getBuiltinModule(id), bundle, source, ".");
bundle.exports.runPlugin(plugin);
