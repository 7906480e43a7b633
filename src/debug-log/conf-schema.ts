/**
 * The debug log's config keys as a zod schema, for `cni-ts validate` and
 * the JSON Schemas. The plugins themselves read these keys without zod
 * (see `debug-log.ts`), so logging costs nothing at start-up.
 *
 * @module
 */
import * as z from "zod/mini";
import "../config/zod.ts";

/** Top-level keys every cni-ts plugin config may carry to turn the debug log on. */
export const debugLogConfSchema = z.object({
  debugLog: z
    .optional(z.string().check(z.refine((p) => p.startsWith("/"), { message: "must be an absolute path" })))
    .check(z.describe("cni-ts: append one JSON line per invocation to this file (CNI_TS_DEBUG_LOG wins)")),
  debugLogLevel: z
    .optional(z.enum(["info", "debug"]))
    .check(z.describe("cni-ts: `debug` adds the steps taken, the config and the output to each line")),
  debugLogMaxBytes: z
    .optional(z.number().check(z.int(), z.minimum(0)))
    .check(z.describe("cni-ts: rotate the log to <file>.1 past this size (default 5 MiB, 0 = never)")),
});
