/**
 * What a plugin's single-executable bundle has in place of ./zod.ts
 * (scripts/lib/bundle.mjs swaps them): zod's functions from the asset built
 * from ./zod-api.ts, compiled on the first call of `zod()` with the asset's
 * code cache. Keeping zod out of the plugin's bundle keeps its module
 * start-up and its share of the code cache out of every verb whose config
 * passes the compiled accept path.
 *
 * @module
 */
import type { ZodApi } from "./zod.ts";
import { loadAssetModule } from "../sea-asset.ts";

/** Set by the build: the zod bundle's asset key and its code cache's. */
declare const __CNI_TS_ZOD_ASSET__: { bundle: string; cache: string };

let loaded: ZodApi | undefined;

/** The configured zod functions, loaded on the first call. */
export function zod(): ZodApi {
  return (loaded ??= loadAssetModule(__CNI_TS_ZOD_ASSET__.bundle, __CNI_TS_ZOD_ASSET__.cache) as ZodApi);
}
