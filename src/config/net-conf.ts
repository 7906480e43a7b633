/**
 * The base config schema every plugin extends, and zod issues worded as errors naming the path and
 * value. Unknown keys are tolerated: zod strips them.
 */
import * as z from "zod/mini";
import { builtOnFirstUse, schemaParts } from "./schema-parts.ts";
import { InvalidConfigError } from "../errors.ts";

/** The keys the CNI specification allows in every plugin's config, whatever its type. */
export const netConfSchema = builtOnFirstUse(() => {
  const { optionalText, optionalTextList, text } = schemaParts();
  const optionalObject = z.optional(z.record(text, z.unknown()));
  return z.object({
    cniVersion: optionalText,
    name: text,
    type: optionalText,
    capabilities: z.optional(z.record(text, z.boolean())),
    ipam: z.optional(z.looseObject({ type: optionalText })),
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

/** `<path>: <value> <reason>`; custom refinements are worded to read after the value. */
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

function formatConfigIssues(issues: readonly z.core.$ZodIssue[]): string {
  return `invalid config: ${issues.map(formatIssue).join("; ")}`;
}

function invalidConfig(error: z.core.$ZodError): InvalidConfigError {
  return new InvalidConfigError(formatConfigIssues(error.issues));
}

/**
 * @param toError for a plugin whose messages follow another wording
 * @throws {InvalidConfigError} (7) naming each failing path and value
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
 * As `schema` would parse it, asking its generated validator first: no schema transforms, so an
 * accepted config is returned as it is and zod is never built. zod words a refusal.
 * @throws {InvalidConfigError} (7) as {@link parseNetConf}
 */
export function parseValidated<S extends z.ZodMiniType>(
  isValid: (raw: unknown) => boolean,
  schema: () => S,
  raw: unknown,
  toError?: (error: z.core.$ZodError) => InvalidConfigError,
): z.infer<S> {
  return isValid(raw) ? (raw as z.infer<S>) : parseNetConf(schema(), raw, toError);
}
