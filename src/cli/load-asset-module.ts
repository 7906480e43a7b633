/**
 * Loading a CommonJS bundle embedded in the single executable as an asset.
 *
 * The build stores the bundle already wrapped as
 * `(function (exports, require, module, __filename, __dirname) {...})` plus
 * V8 code cache for exactly that text, made by the same pinned Node; so the
 * asset compiles without re-parsing. Modules get the main script's
 * `require` (built-ins only: everything else is inside the bundle).
 *
 * @module
 */
import { createRequire } from "node:module";

/**
 * Compile and run the asset `key` (with code cache from `cacheKey`) and return its exports.
 *
 * @param key asset holding the wrapped bundle
 * @param cacheKey asset holding V8 code cache for it (ignored if V8 rejects it)
 * @returns the bundle's `module.exports`
 * @throws {Error} when the asset is missing (not a single-executable build)
 */
export function loadAssetModule(key: string, cacheKey: string): unknown {
  const require = createRequire(__filename);
  const sea = require("node:sea") as typeof import("node:sea");
  const { Script } = require("node:vm") as typeof import("node:vm");
  const source = sea.getAsset(key, "utf8");
  const cachedData = Buffer.from(sea.getRawAsset(cacheKey) as ArrayBuffer);
  const script = new Script(source, { filename: key, cachedData });
  if (process.env.CNI_TS_DEBUG_CODE_CACHE) {
    process.stderr.write(`cni-ts: code cache for ${key} ${script.cachedDataRejected ? "rejected" : "accepted"}\n`);
  }
  const module = { exports: {} as unknown };
  const wrapper = script.runInThisContext() as (...args: unknown[]) => void;
  wrapper(module.exports, require, module, __filename, __dirname);
  return module.exports;
}
