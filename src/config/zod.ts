/**
 * Sets zod up once for every config schema: English messages, no JIT.
 * Import it for its effect beside `import * as z from "zod/mini"`.
 *
 * The schemas use `zod/mini` (the same zod 4 package and core as `zod`,
 * with functions instead of methods): the classic API builds every schema
 * type with all its methods when it loads (~13% of a bridge ADD's CPU), while
 * mini, imported as a namespace that is only ever used as `z.name`, lets the
 * bundler keep just the schema types the configs use (a ~550 KiB bundle
 * becomes ~30 KiB). Re-exporting that namespace as a value would keep all of
 * it, so this module exports nothing. `jitless` skips zod's `new Function`
 * fast path, which each process would compile to parse a single document.
 *
 * @module
 */
import { config } from "zod/mini";
import en from "zod/v4/locales/en.js";

config({ ...en(), jitless: true });
