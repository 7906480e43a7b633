/**
 * zod as the config schemas build with it: English messages, no JIT, and
 * only the `zod/mini` functions the plugins' schemas call. Schema modules
 * reach it through `zod()` (./zod.ts); `cni-ts validate` and the JSON
 * Schemas import `zod/mini` beside this module, for its effect.
 *
 * The schemas use `zod/mini` (the same zod 4 package and core as `zod`,
 * with functions instead of methods): the classic API builds every schema
 * type with all its methods when it loads (~13% of a bridge ADD's CPU),
 * while mini's functions, named one by one, let the bundler keep just the
 * schema types the configs use (a ~550 KiB bundle becomes ~30 KiB).
 * `jitless` skips zod's `new Function` fast path, which each process would
 * compile to parse a single document.
 *
 * In the single executable this module is a bundle of its own
 * (scripts/lib/bundle.mjs, entry "zod"), loaded only when a config fails
 * its compiled accept path.
 *
 * @module
 */
import { config } from "zod/mini";
import en from "zod/v4/locales/en.js";

config({ ...en(), jitless: true });

export {
  array,
  boolean,
  extend,
  int,
  looseObject,
  maximum,
  minimum,
  nullable,
  nullish,
  number,
  object,
  optional,
  pipe,
  record,
  refine,
  string,
  transform,
  unknown,
} from "zod/mini";
