/**
 * The debug log's config keys as a zod schema, for `cni-ts validate` and
 * the JSON Schemas. The plugins check the same rules without zod
 * (`conf-rules.ts`, from the skeleton), so logging costs nothing at start-up
 * and the two never disagree.
 *
 * @module
 */
import * as z from "zod/mini";
import "../config/zod-setup.ts";
import { DEBUG_LOG_FILE_NAME_RE, DEBUG_LOG_KEY_RULES } from "./conf-rules.ts";

/** Top-level keys every cni-ts plugin config may carry to turn the debug log on. */
export const debugLogConfSchema = z.object({
  debugLog: z
    .optional(z.string().check(z.regex(DEBUG_LOG_FILE_NAME_RE, { message: DEBUG_LOG_KEY_RULES.debugLog.message })))
    .check(
      z.describe(
        "cni-ts: append one JSON line per invocation to this file in the directory named by CNI_TS_DEBUG_LOG_DIR (ignored unless the node sets it; CNI_TS_DEBUG_LOG wins)",
      ),
    ),
  debugLogLevel: z.optional(z.enum(["info", "debug"])).check(z.describe("cni-ts: `debug` adds the steps taken, the config and the output to each line")),
  debugLogMaxBytes: z
    .optional(z.number().check(z.int(), z.minimum(0)))
    .check(z.describe("cni-ts: rotate the log to <file>.1 past this size (default 5 MiB, 0 = never)")),
});
