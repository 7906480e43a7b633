/**
 * Loading a CommonJS bundle embedded in the single executable as an asset.
 *
 * The build stores the bundle already wrapped as
 * `(function (exports, require, module, __filename, __dirname) {...})` plus
 * V8 code cache for exactly that text, made by the same pinned Node; so the
 * asset compiles without re-parsing. Modules get a `require` of built-in
 * modules only (everything else is inside the bundle).
 *
 * @module
 */
/**
 * The `require` a bundle's modules get: everything else is inside the
 * bundle. `process.getBuiltinModule` rather than a `createRequire`'d
 * function, which cost ~0.3 ms at every start to build.
 */
function requireBuiltin(id: string): unknown {
  const builtin = process.getBuiltinModule(id);
  if (builtin === undefined) throw new Error(`cannot load ${id}: an embedded bundle requires built-in modules only`);
  return builtin;
}

/**
 * Compile and run the asset `key` (with code cache from `cacheKey`) and return its exports.
 *
 * @param key asset holding the wrapped bundle
 * @param cacheKey asset holding V8 code cache for it (ignored if V8 rejects it)
 * @returns the bundle's `module.exports`
 * @throws {Error} when the asset is missing (not a single-executable build)
 */
export function loadAssetModule(key: string, cacheKey: string): unknown {
  const sea = process.getBuiltinModule("node:sea");
  const { Script } = process.getBuiltinModule("node:vm");
  const source = sea.getAsset(key, "utf8");
  const cachedData = Buffer.from(sea.getRawAsset(cacheKey));
  const script = new Script(source, { filename: key, cachedData });
  if (process.env.CNI_TS_DEBUG_CODE_CACHE) {
    process.stderr.write(`cni-ts: code cache for ${key} ${script.cachedDataRejected ? "rejected" : "accepted"}\n`);
  }
  const module = { exports: {} as unknown };
  const wrapper = script.runInThisContext() as (...args: unknown[]) => void;
  wrapper(module.exports, requireBuiltin, module, __filename, __dirname);
  return module.exports;
}
