/**
 * JSON output as the reference prints it: 4-space indentation, no trailing
 * newline, and Go's HTML-safe escaping of `<`, `>`, `&`, U+2028, U+2029.
 * Pure.
 *
 * @module
 */
import { CODE_INTERNAL, CniError } from "../errors.ts";

const GO_ESCAPES: Record<string, string> = {
  "<": "\\u003c",
  ">": "\\u003e",
  "&": "\\u0026",
  "\u2028": "\\u2028",
  "\u2029": "\\u2029",
};

/**
 * Format a value like Go's `json.MarshalIndent(v, "", "    ")`.
 *
 * @example formatJson({ a: 1 }) // '{\n    "a": 1\n}'
 */
export function formatJson(value: unknown): string {
  return JSON.stringify(value, null, 4).replace(/[<>&\u2028\u2029]/g, (c) => GO_ESCAPES[c]!);
}

/** The error document the runtime reads. */
export interface ErrorDocument {
  cniVersion: string;
  code: number;
  msg: string;
  details?: string;
}

/**
 * The error document for anything thrown: a {@link CniError} as is, anything
 * else as code 999 with its message.
 *
 * @example errorDocument(new Error("boom"), "1.1.0") // { cniVersion: "1.1.0", code: 999, msg: "boom" }
 */
export function errorDocument(err: unknown, cniVersion: string): ErrorDocument {
  if (err instanceof CniError) {
    const doc: ErrorDocument = { cniVersion, code: err.code, msg: err.msg };
    if (err.details) doc.details = err.details;
    return doc;
  }
  const msg = err instanceof Error ? err.message : String(err);
  return { cniVersion, code: CODE_INTERNAL, msg };
}
