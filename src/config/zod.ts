/**
 * `zod()`: the functions the config schemas are built with (./zod-api.ts).
 *
 * A schema module calls it inside the builder it hands to
 * `builtOnFirstUse`, never at load, so a plugin whose config passes the
 * compiled accept path never touches zod. In a plugin's single-executable
 * bundle this module is swapped for ./zod-asset.ts, which loads zod from an
 * asset of its own on that first call; elsewhere (tests, the CLI's full
 * bundle) it is this static import.
 *
 * @module
 */
import * as zodApi from "./zod-api.ts";

/** The configured zod functions. */
export type ZodApi = typeof zodApi;

/** The configured zod functions, already loaded. */
export function zod(): ZodApi {
  return zodApi;
}
