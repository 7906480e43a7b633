/**
 * zod issues as validation findings: every issue, with its JSON path, the
 * offending value and a short reason. Pure.
 *
 * @module
 */
import type * as z from "zod/mini";
import { jsonPath } from "./diagnostic.ts";
import type { Finding } from "./diagnostic.ts";

function kindOf(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  if (typeof v === "object") return "an object";
  if (typeof v === "number" && !Number.isInteger(v)) return "a fractional number";
  return `a ${typeof v}`;
}

function withArticle(word: string): string {
  return `${/^[aeiou]/.test(word) ? "an" : "a"} ${word}`;
}

/**
 * The reason of one issue, written to follow the value.
 *
 * @example issueReason({ code: "invalid_type", expected: "boolean", input: "yes", path: [], message: "" }) // "expected a boolean, got a string"
 */
function issueReason(issue: z.core.$ZodIssue): string {
  const input = (issue as { input?: unknown }).input;
  switch (issue.code) {
    case "invalid_type": {
      const expected = issue.expected === "int" ? "integer" : String(issue.expected);
      if (input === undefined) return `missing (expected ${withArticle(expected)})`;
      return `expected ${withArticle(expected)}, got ${kindOf(input)}`;
    }
    case "invalid_value":
      return `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}`;
    case "unrecognized_keys":
      return `unknown keys ${issue.keys.map((k) => JSON.stringify(k)).join(", ")}`;
    case "too_small":
      return `must be at least ${String(issue.minimum)}`;
    case "too_big":
      return `must be at most ${String(issue.maximum)}`;
    default:
      return issue.message;
  }
}

/**
 * Parse `value` with `schema` and turn every issue into a finding.
 *
 * @param schema the zod schema
 * @param value the config (or part of it)
 * @param base the JSONPath of `value` in its file
 * @returns one error finding per issue (none when it parses)
 * @example zodFindings(bridgeConfSchema(), { name: "n", mtu: "x" }, "$") // [{ path: "$.mtu", value: "x", ... }]
 */
export function zodFindings(schema: z.ZodMiniType, value: unknown, base: string): Finding[] {
  const result = schema.safeParse(value, { reportInput: true });
  if (result.success) return [];
  return result.error.issues.map((issue) => {
    const finding: Finding = { path: jsonPath(base, issue.path), message: issueReason(issue), severity: "error" };
    const input = (issue as { input?: unknown }).input;
    if (input !== undefined) finding.value = input;
    return finding;
  });
}
