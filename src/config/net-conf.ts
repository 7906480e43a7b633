/**
 * The base network configuration schema every plugin extends
 * (`bridgeConfSchema = netConfSchema.extend({...})`), and the helper that
 * turns zod issues into an {@link InvalidConfigError} naming the JSON path and
 * the offending value. Unknown keys are tolerated (stripped).
 *
 * @module
 */
import * as z from "zod/mini";
import "./zod.ts";
import { optionalText, optionalTextList, text } from "./schema-parts.ts";
import { InvalidConfigError } from "../errors.ts";

/** Resolver settings (`dns` in the config and in results). */
export const dnsSchema = z.object({
  nameservers: optionalTextList,
  domain: optionalText,
  search: optionalTextList,
  options: optionalTextList,
});

/** The keys the CNI specification allows in every plugin's config, whatever its type. */
const optionalObject = z.optional(z.record(text, z.unknown()));

export const netConfSchema = z.object({
  cniVersion: optionalText,
  name: text,
  type: optionalText,
  capabilities: z.optional(z.record(text, z.boolean())),
  ipam: z.optional(z.looseObject({ type: optionalText })),
  dns: z.optional(dnsSchema),
  prevResult: optionalObject,
  runtimeConfig: optionalObject,
  args: optionalObject,
});

/** The base config type. */
export type NetConf = z.infer<typeof netConfSchema>;

/** `a.b[0][1].c` from a zod path. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const seg of path) {
    if (typeof seg === "number") out += `[${seg}]`;
    else out += out === "" ? String(seg) : `.${String(seg)}`;
  }
  return out;
}

function formatValue(v: unknown): string {
  if (v === undefined) return "undefined";
  try {
    const s = JSON.stringify(v);
    return s.length > 80 ? `${s.slice(0, 77)}...` : s;
  } catch {
    return String(v);
  }
}

/**
 * One line per issue: `<path>: <value> <reason>`. Custom refinements are
 * written to read after the value (`is not a valid CIDR`); zod's own issues
 * get a short reason of the same shape.
 *
 * @example formatIssue({ code: "custom", path: ["ipam","ranges",0,0,"subnet"], input: "10.0.0.0/33", message: "is not a valid CIDR" })
 *   // 'ipam.ranges[0][0].subnet: "10.0.0.0/33" is not a valid CIDR'
 */
export function formatIssue(issue: z.core.$ZodIssue): string {
  const path = formatPath(issue.path);
  const where = path === "" ? "config" : path;
  const input = (issue as { input?: unknown }).input;
  switch (issue.code) {
    case "invalid_type": {
      const expected = issue.expected === "int" ? "integer" : String(issue.expected);
      if (input === undefined) return `${where}: missing (expected ${expected})`;
      return `${where}: ${formatValue(input)} is not ${/^[aeiou]/.test(expected) ? "an" : "a"} ${expected}`;
    }
    case "unrecognized_keys":
      return `${where}: unknown keys ${issue.keys.map((k) => JSON.stringify(k)).join(", ")}`;
    case "custom":
      return `${where}: ${formatValue(input)} ${issue.message}`;
    default:
      return `${where}: ${formatValue(input)} is invalid (${issue.message})`;
  }
}

/**
 * The text of an {@link InvalidConfigError} for a failed parse.
 *
 * @example formatConfigIssues(result.error.issues) // 'invalid config: mtu: "x" is not a number'
 */
export function formatConfigIssues(issues: readonly z.core.$ZodIssue[]): string {
  return `invalid config: ${issues.map(formatIssue).join("; ")}`;
}

/**
 * Parse a raw config with a plugin's schema.
 *
 * @param schema `netConfSchema` or an extension of it
 * @param raw the object the skeleton decoded from stdin
 * @returns the typed config
 * @throws {InvalidConfigError} (7) naming each failing path and value
 * @example const conf = parseNetConf(bridgeConfSchema, raw);
 */
export function parseNetConf<S extends z.ZodMiniType>(schema: S, raw: unknown): z.infer<S> {
  const result = schema.safeParse(raw, { reportInput: true });
  if (!result.success) throw new InvalidConfigError(formatConfigIssues(result.error.issues));
  return result.data;
}
