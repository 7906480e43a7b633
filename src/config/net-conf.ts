/**
 * The base network configuration schema every plugin extends
 * (`z.extend(netConfSchema(), {...})`), and the helper that
 * turns zod issues into an {@link InvalidConfigError} naming the JSON path and
 * the offending value. Unknown keys are tolerated (stripped).
 *
 * @module
 */
import type * as z from "zod/mini";
import { zod } from "./zod.ts";
import { builtOnFirstUse, schemaParts } from "./schema-parts.ts";
import { InvalidConfigError } from "../errors.ts";
// A namespace import: scripts/gen-schemas.ts loads this module to write that file.
import * as acceptPaths from "./accept-paths.generated.ts";

/** The keys the CNI specification allows in every plugin's config, whatever its type. */
export const netConfSchema = builtOnFirstUse(() => {
  const z = zod();
  const { optionalText, optionalTextList, text } = schemaParts();
  const optionalObject = z.optional(z.record(text, z.unknown()));
  return z.object({
    cniVersion: optionalText,
    name: text,
    type: optionalText,
    capabilities: z.optional(z.record(text, z.boolean())),
    ipam: z.optional(z.looseObject({ type: optionalText })),
    // Resolver settings, as in results.
    dns: z.optional(
      z.object({
        nameservers: optionalTextList,
        domain: optionalText,
        search: optionalTextList,
        options: optionalTextList,
      }),
    ),
    prevResult: optionalObject,
    runtimeConfig: optionalObject,
    args: optionalObject,
  });
});

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
    // eslint-disable-next-line @typescript-eslint/no-base-to-string -- only a BigInt or a cycle gets here
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
function formatIssue(issue: z.core.$ZodIssue): string {
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
function formatConfigIssues(issues: readonly z.core.$ZodIssue[]): string {
  return `invalid config: ${issues.map(formatIssue).join("; ")}`;
}

/** The error for a config zod rejected: {@link formatConfigIssues} as an InvalidConfigError. */
function invalidConfig(error: z.core.$ZodError): InvalidConfigError {
  return new InvalidConfigError(formatConfigIssues(error.issues));
}

/**
 * Parse a raw config with a plugin's schema.
 *
 * @param schema `netConfSchema` or an extension of it
 * @param raw the object the skeleton decoded from stdin
 * @param toError the error to throw for zod's verdict (a plugin whose
 *   messages follow another wording passes its own)
 * @returns the typed config
 * @throws {InvalidConfigError} (7) naming each failing path and value
 * @example const conf = parseNetConf(bridgeConfSchema(), raw);
 */
export function parseNetConf<S extends z.ZodMiniType>(
  schema: S,
  raw: unknown,
  toError: (error: z.core.$ZodError) => InvalidConfigError = invalidConfig,
): z.infer<S> {
  const result = schema.safeParse(raw, { reportInput: true });
  if (!result.success) throw toError(result.error);
  return result.data;
}

/**
 * Parse a raw config as `schema` would, through the schema's compiled
 * accept path (./accept-paths.generated.ts) first: a config that path
 * accepts is what zod would have returned, without zod's schemas being
 * built. Anything else goes to zod, which gives the verdict and the
 * messages.
 *
 * @param accept the schema's compiled accept path
 * @param schema the schema, built on first use
 * @param toError as in {@link parseNetConf}
 * @throws {InvalidConfigError} (7) as {@link parseNetConf}
 * @example const conf = parseAccepted(acceptBridgeConf, bridgeConfSchema, raw);
 */
export function parseAccepted<S extends z.ZodMiniType>(
  accept: (raw: unknown) => unknown,
  schema: () => S,
  raw: unknown,
  toError?: (error: z.core.$ZodError) => InvalidConfigError,
): z.infer<S> {
  const accepted = accept(raw);
  return accepted === acceptPaths.REJECTED ? parseNetConf(schema(), raw, toError) : (accepted as z.infer<S>);
}
