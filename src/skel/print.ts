/**
 * JSON as the reference prints it: 4-space indent, no trailing newline, Go's HTML-safe escapes.
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

/** Like Go's `json.MarshalIndent(v, "", "    ")`. */
export function formatJson(value: unknown): string {
  return JSON.stringify(value, null, 4).replace(/[<>&\u2028\u2029]/g, (c) => GO_ESCAPES[c]!);
}

export interface ErrorDocument {
  cniVersion: string;
  code: number;
  msg: string;
  details?: string;
}

/** A {@link CniError} as is, anything else as code 999 with its message. */
export function errorDocument(err: unknown, cniVersion: string): ErrorDocument {
  if (err instanceof CniError) {
    const doc: ErrorDocument = { cniVersion, code: err.code, msg: err.msg };
    if (err.details) doc.details = err.details;
    return doc;
  }
  const msg = err instanceof Error ? err.message : String(err);
  return { cniVersion, code: CODE_INTERNAL, msg };
}

/**
 * `text` as one line of at most 500 characters: stderr gets no more from a plugin.
 *
 * @example oneLine("a\n  b") // "a b"
 */
export function oneLine(text: string): string {
  const line = text.replace(/\s*\n\s*/g, " ").trim();
  return line.length > 500 ? `${line.slice(0, 497)}...` : line;
}
