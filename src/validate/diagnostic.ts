/**
 * A validation finding: where (file and JSON path), the offending value,
 * what is wrong, and how bad. Formatting for humans. Pure.
 *
 * @module
 */

/** `error` and `warning` make `cni-ts validate` exit 1; a `note` never does. */
type Severity = "error" | "warning" | "note";

/** One problem in one file. */
export interface Diagnostic {
  file: string;
  /** JSONPath of the offending node, `$` for the document. */
  path: string;
  /** The offending value; absent when the key is missing or the problem is the whole document. */
  value?: unknown;
  message: string;
  severity: Severity;
}

/** A finding before it is attributed to a file. */
export type Finding = Omit<Diagnostic, "file">;

const IDENT = /^[A-Za-z_$][\w$]*$/;

/**
 * Append path segments to a JSONPath.
 *
 * @example jsonPath("$.plugins[1]", ["ipam", "ranges", 0, 0, "subnet"]) // "$.plugins[1].ipam.ranges[0][0].subnet"
 * @example jsonPath("$", ["cni.dev/attachments"]) // '$["cni.dev/attachments"]'
 */
export function jsonPath(base: string, segments: readonly PropertyKey[]): string {
  let out = base;
  for (const seg of segments) {
    if (typeof seg === "number") out += `[${seg}]`;
    else if (typeof seg === "string" && IDENT.test(seg)) out += `.${seg}`;
    else out += `[${JSON.stringify(String(seg))}]`;
  }
  return out;
}

/**
 * Split a dotted key as the plugins write it in messages into path segments.
 *
 * @example keySegments("ipam.ranges[0][1].gateway") // ["ipam", "ranges", 0, 1, "gateway"]
 */
export function keySegments(key: string): (string | number)[] {
  const out: (string | number)[] = [];
  for (const m of key.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) out.push(m[2] !== undefined ? Number(m[2]) : m[1]!);
  return out;
}

/**
 * The value at `segments` inside `doc`, or undefined.
 *
 * @example valueAt({ a: [{ b: 1 }] }, ["a", 0, "b"]) // 1
 */
export function valueAt(doc: unknown, segments: readonly (string | number)[]): unknown {
  let cur: unknown = doc;
  for (const seg of segments) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<string | number, unknown>)[seg];
  }
  return cur;
}

function showValue(v: unknown): string {
  let s: string;
  try {
    s = JSON.stringify(v) ?? String(v);
  } catch {
    s = String(v);
  }
  return s.length > 100 ? `${s.slice(0, 97)}...` : s;
}

/**
 * The human line: `file: path: value: message`, the message prefixed with
 * `warning:` or `note:` when not an error.
 *
 * @example formatDiagnostic({ file: "10-net.conflist", path: "$.plugins[1].ipam.ranges[0][0].subnet", value: "10.0.0.0/33", message: "invalid CIDR address", severity: "error" })
 *   // '10-net.conflist: $.plugins[1].ipam.ranges[0][0].subnet: "10.0.0.0/33": invalid CIDR address'
 */
export function formatDiagnostic(d: Diagnostic): string {
  const value = "value" in d && d.value !== undefined ? `${showValue(d.value)}: ` : "";
  const prefix = d.severity === "error" ? "" : `${d.severity}: `;
  return `${d.file}: ${d.path}: ${value}${prefix}${d.message}`;
}

/**
 * Whether the findings make validation fail (any error or warning).
 *
 * @example failsValidation([{ severity: "note" } as Diagnostic]) // false
 */
export function failsValidation(diagnostics: readonly Pick<Diagnostic, "severity">[]): boolean {
  return diagnostics.some((d) => d.severity !== "note");
}
