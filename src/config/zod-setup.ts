/**
 * zod's one-time setup, imported for its effect by every module that builds
 * a schema: English messages (`zod/mini` ships none by default) and no JIT
 * (zod's `new Function` fast path would be compiled by each process to
 * parse a single document).
 *
 * The schemas use `zod/mini` (the same zod 4 core as `zod`, with functions
 * instead of methods): the bundler keeps only the schema types the configs
 * use, where the classic API builds every type with all its methods at load.
 *
 * @module
 */
import { config } from "zod/mini";
import en from "zod/v4/locales/en.js";

config({ ...en(), jitless: true });
