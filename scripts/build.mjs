#!/usr/bin/env node
// Builds dist/bin/cni-ts (a Node 24 single-executable application holding the
// bundled plugins and the native addon) and hard-links dist/bin/bridge,
// dist/bin/loopback and dist/bin/host-local to it.
//
//   node scripts/build.mjs             always build
//   node scripts/build.mjs --if-stale  only when a source is newer than dist/bin
//   CNI_TS_CODE_CACHE=0 node scripts/build.mjs   leave V8's code cache out of the blob
//   node scripts/build.mjs --arch arm64  the same for linux/arm64, into dist/linux-arm64/bin:
//     the arm64 Node from the npm registry, the addon cross-compiled, blob and
//     code cache made by the arm64 Node under qemu-user (see scripts/lib/arch.mjs)
// Six bundles: the SEA main script (~30 KiB: entry, name dispatch, skeleton)
// answers VERSION and the about text; a runtime's other verbs run the
// plugin's own bundle (bridge, loopback, host-local), whose V8 code cache
// holds the functions its verbs run, trained on real verbs when the build
// runs as root (lib/code-cache-training.mjs), else every function; the CLI
// and anything with arguments run the
// "full" bundle; ip-address's IPv6 module is one of its own, loaded by
// whichever of those parses an IPv6 address. Those five are assets compiled
// on demand with code cache made by the same runtime. The main script's
// code cache is on too. A startup snapshot is not used.
import { createHash } from "node:crypto";
import { copyFileSync, linkSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync } from "node:fs";
import { join, relative } from "node:path";
import { bundle } from "./lib/bundle.mjs";
import {
  MAIN_NAME,
  NATIVE_ASSET_KEY,
  ROOT,
  PLUGIN_NAMES,
  SEA_DIR,
  FULL_ASSET_KEY,
  FULL_CACHE_ASSET_KEY,
  IPV6_ASSET_KEYS,
  pluginAssetKeys,
  packageVersion,
} from "./lib/paths.mjs";
import { trainCodeCache } from "./lib/code-cache-training.mjs";
import { injectSeaBlob, makeCodeCache, makeSeaBlob } from "./lib/sea.mjs";
import { isStale } from "./lib/stale.mjs";
import { archTarget, parseArch, prepareRuntime } from "./lib/arch.mjs";

const arch = parseArch(process.argv.slice(2));
const target = archTarget(arch);
const BIN_DIR = target.binDir;
const outDir = relative(ROOT, BIN_DIR);
if (process.argv.includes("--if-stale") && !isStale(BIN_DIR)) {
  console.log(`build: ${outDir} is up to date`);
  process.exit(0);
}

const started = Date.now();
const version = packageVersion();
const runtime = prepareRuntime(target);
const addon = readFileSync(runtime.addon);
const addonSha = createHash("sha256").update(addon).digest("hex").slice(0, 16);

// A private work dir, so concurrent builds (parallel test runs) never mix files;
// it becomes dist/sea (bundle, SEA config, blob: kept for inspection) at the end.
const seaDir = arch === "amd64" ? SEA_DIR : `${SEA_DIR}-${arch}`;
const work = `${seaDir}.${process.pid}`;
rmSync(work, { recursive: true, force: true });
mkdirSync(work, { recursive: true });
mkdirSync(BIN_DIR, { recursive: true });

const defines = {
  __CNI_TS_SEA__: "true",
  __CNI_TS_VERSION__: JSON.stringify(version),
  __CNI_TS_NATIVE_ASSET__: JSON.stringify(NATIVE_ASSET_KEY),
  __CNI_TS_NATIVE_SHA256__: JSON.stringify(addonSha),
  __CNI_TS_PLUGIN_ASSETS__: JSON.stringify(Object.fromEntries(PLUGIN_NAMES.map((name) => [name, pluginAssetKeys(name)]))),
  __CNI_TS_FULL_ASSET__: JSON.stringify(FULL_ASSET_KEY),
  __CNI_TS_FULL_CACHE_ASSET__: JSON.stringify(FULL_CACHE_ASSET_KEY),
  __CNI_TS_IPV6_ASSET__: JSON.stringify(IPV6_ASSET_KEYS),
};
const bundlePath = join(work, "main.cjs");
const fullPath = join(work, FULL_ASSET_KEY);
const fullCachePath = join(work, FULL_CACHE_ASSET_KEY);
/** Asset key -> file, for the blob. */
const assets = { [FULL_ASSET_KEY]: fullPath, [FULL_CACHE_ASSET_KEY]: fullCachePath };
for (const [entry, outfile] of [
  ["main", bundlePath],
  ["full", fullPath],
])
  await bundle({ entry, outfile, defines });
makeCodeCache({ runtime, script: fullPath, filename: FULL_ASSET_KEY, output: fullCachePath });
// Each plugin's bundle, and ip-address's IPv6 module on its own (only IPv6
// addresses load it).
const onDemand = [["ipv6", IPV6_ASSET_KEYS]];
const assetBundles = [...PLUGIN_NAMES.map((name) => [`plugin:${name}`, pluginAssetKeys(name)]), ...onDemand];
for (const [entry, keys] of assetBundles) {
  for (const key of Object.values(keys)) assets[key] = join(work, key);
  await bundle({ entry, outfile: assets[keys.bundle], defines });
}
// The on-demand bundle's cache with every function compiled (made first:
// the training's dual-stack pod loads it); each plugin's trained
// on real verbs where this machine can run them, else with every function
// compiled too.
const trainingAssets = { [NATIVE_ASSET_KEY]: runtime.addon };
for (const [, keys] of onDemand) {
  makeCodeCache({ runtime, script: assets[keys.bundle], filename: keys.bundle, output: assets[keys.cache], eager: true });
  trainingAssets[keys.bundle] = assets[keys.bundle];
  trainingAssets[keys.cache] = assets[keys.cache];
}
const caches = [];
for (const name of PLUGIN_NAMES) {
  const keys = pluginAssetKeys(name);
  const training =
    arch === "amd64" && process.env.CNI_TS_TRAIN_CODE_CACHE !== "0"
      ? trainCodeCache({
          node: runtime.node,
          plugin: name,
          script: assets[keys.bundle],
          filename: keys.bundle,
          output: assets[keys.cache],
          addOutput: assets[keys.addCache],
          assets: trainingAssets,
        })
      : { trained: false, reason: arch === "amd64" ? "CNI_TS_TRAIN_CODE_CACHE=0" : `a ${arch} build cannot run its verbs here` };
  if (!training.trained) {
    makeCodeCache({ runtime, script: assets[keys.bundle], filename: keys.bundle, output: assets[keys.cache], eager: true });
    copyFileSync(assets[keys.cache], assets[keys.addCache]);
  }
  caches.push(
    training.trained
      ? `${name} trained on ${training.runs} verbs (error answers: ${training.errors.join(", ") || "none"})`
      : `${name} eager (${training.reason})`,
  );
}

const blob = makeSeaBlob({
  runtime,
  dir: work,
  main: bundlePath,
  useCodeCache: process.env.CNI_TS_CODE_CACHE !== "0",
  assets,
});
// Build beside the target and rename, so a running dist/bin/cni-ts is never overwritten in place.
const temp = join(BIN_DIR, `.${MAIN_NAME}.build-${process.pid}`);
injectSeaBlob({ runtime, blob, output: temp });
// Stamped with the time the sources were read, so --if-stale sees an edit made during the build.
utimesSync(temp, started / 1000, started / 1000);
renameSync(temp, join(BIN_DIR, MAIN_NAME));
for (const name of PLUGIN_NAMES) {
  const link = join(BIN_DIR, `.${name}.build-${process.pid}`);
  linkSync(join(BIN_DIR, MAIN_NAME), link);
  renameSync(link, join(BIN_DIR, name));
}

const size = statSync(join(BIN_DIR, MAIN_NAME)).size;
const bundleSize = statSync(bundlePath).size;
const pluginSizes = PLUGIN_NAMES.map((name) => `${name} ${(statSync(assets[pluginAssetKeys(name).bundle]).size / 1024).toFixed(0)}`).join(" / ");
const fullSize = statSync(fullPath).size;
rmSync(seaDir, { recursive: true, force: true });
try {
  renameSync(work, seaDir);
} catch {
  rmSync(work, { recursive: true, force: true }); // another build got there first
}
console.log(
  `build: ${outDir}/${MAIN_NAME} v${version} (linux/${arch}) (${(size / 1048576).toFixed(1)} MiB, main ${(bundleSize / 1024).toFixed(0)} KiB + plugins ${pluginSizes} KiB + full ${(fullSize / 1024).toFixed(0)} KiB, addon ${addonSha}) ` +
    `+ ${PLUGIN_NAMES.join(", ")} as hard links, in ${((Date.now() - started) / 1000).toFixed(1)} s; code caches: ${caches.join(", ")}`,
);
