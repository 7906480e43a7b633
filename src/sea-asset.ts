// The build stores each embedded bundle already wrapped as a CommonJS function, with V8 code
// cache for exactly that text from the same pinned Node, so it compiles without re-parsing.

/** Everything else is inside the bundle; cheaper at start than a `createRequire`'d function. */
function requireBuiltin(id: string): unknown {
  const builtin = process.getBuiltinModule(id);
  if (builtin === undefined) throw new Error(`cannot load ${id}: an embedded bundle requires built-in modules only`);
  return builtin;
}

/**
 * @param cacheKey V8 code cache for the bundle (ignored if V8 rejects it)
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
