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

/** Edits (insert, delete, substitute, swap two neighbours) between two words, ignoring case. */
function editDistance(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  const d = Array.from({ length: x.length + 1 }, (_, i) => [i, ...Array<number>(y.length).fill(0)]);
  for (let j = 1; j <= y.length; j++) d[0]![j] = j;
  for (let i = 1; i <= x.length; i++) {
    for (let j = 1; j <= y.length; j++) {
      const cost = x[i - 1] === y[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && x[i - 1] === y[j - 2] && x[i - 2] === y[j - 1]) best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  }
  return d[x.length]![y.length]!;
}

/**
 * The known word `word` is probably a typo of: within two edits (one for
 * words of four letters or fewer), the closest first.
 *
 * @example nearestWord("isGatway", ["isGateway", "ipMasq"]) // "isGateway"
 * @example nearestWord("colour", ["mtu"]) // undefined
 */
export function nearestWord(word: string, known: readonly string[]): string | undefined {
  const limit = word.length <= 4 ? 1 : 2;
  let best: { word: string; distance: number } | undefined;
  for (const candidate of known) {
    const distance = editDistance(word, candidate);
    if (distance <= limit && (best === undefined || distance < best.distance)) best = { word: candidate, distance };
  }
  return best?.word;
}

/**
 * The warning for a key no plugin reads, with the known key it is probably a typo of.
 *
 * @example unknownKey("$", "isGatway", true, ["isGateway"], "bridge").message // 'unknown key, ignored by bridge; did you mean "isGateway"?'
 */
export function unknownKey(base: string, key: string, value: unknown, known: readonly string[], plugin: string): Finding {
  const near = nearestWord(key, known);
  const hint = near === undefined ? "" : `; did you mean ${JSON.stringify(near)}?`;
  return { path: jsonPath(base, [key]), value, message: `unknown key, ignored by ${plugin}${hint}`, severity: "warning" };
}
