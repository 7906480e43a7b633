/**
 * The debug log's config keys as a zod schema, for `cni-ts validate` and
 * the JSON Schemas. The plugins themselves read these keys without zod
 * (see `debug-log.ts`), so logging costs nothing at start-up.
 *
 * @module
 */
import { z } from "zod";

/** Top-level keys every cni-ts plugin config may carry to turn the debug log on. */
export const debugLogConfSchema = z.object({
  debugLog: z
    .string()
    .refine((p) => p.startsWith("/"), { message: "must be an absolute path" })
    .optional()
    .describe("cni-ts: append one JSON line per invocation to this file (CNI_TS_DEBUG_LOG wins)"),
  debugLogLevel: z
    .enum(["info", "debug"])
    .optional()
    .describe("cni-ts: `debug` adds the steps taken, the config and the output to each line"),
  debugLogMaxBytes: z
    .number()
    .int()
    .min(0)
    .optional()
    .describe("cni-ts: rotate the log to <file>.1 past this size (default 5 MiB, 0 = never)"),
});
