/**
 * The validators a runtime's verbs check their config with before zod:
 * each config schema's input side as JSON Schema (`z.toJSONSchema`, with
 * the JSON Schema `format` of each refined string from `stringFormats`),
 * compiled ahead of time by ajv's standalone mode into plain functions.
 * A validator that says yes lets the plugin skip building zod's schemas;
 * one that says no hands the config to zod for the verdict and the message
 * (src/config/net-conf.ts, `parseValidated`). test/config/validators.test.ts
 * holds every validator against zod on valid and mutated configs.
 *
 * Used by scripts/gen-schemas.ts and the tests, never at run time.
 *
 * @module
 */
import { Ajv, _ } from "ajv";
import standalone from "ajv/dist/standalone/index.js";
import * as z from "zod/mini";
import { hostLocalConfSchema } from "../../ipam/host-local/config.ts";
import { bridgeConfSchema } from "../../plugins/bridge/config.ts";
import { gcAttachmentsSchema } from "../../plugins/bridge/gc-conf.ts";
import { FORMATS } from "../../src/config/schema-functions.ts";
import { stringFormats } from "../../src/config/schema-parts.ts";

/** One validator of a generated module. */
interface ValidatorSpec {
  /** The exported function's name. */
  name: string;
  schema: z.ZodMiniObject;
  /** When set, also export the schema's top-level keys under this name. */
  keysName?: string;
}

/** Each generated module (path from the repository's root) and its validators. */
function validatorModules(): Map<string, ValidatorSpec[]> {
  return new Map([
    [
      "plugins/bridge/config.generated.ts",
      [
        { name: "validateBridgeConf", schema: bridgeConfSchema(), keysName: "BRIDGE_CONF_KEYS" },
        { name: "validateGcAttachments", schema: gcAttachmentsSchema() },
      ],
    ],
    ["ipam/host-local/config.generated.ts", [{ name: "validateHostLocalConf", schema: hostLocalConfSchema() }]],
  ]);
}

/**
 * The JSON Schema a validator checks: what a config may say (zod's input
 * side), each nullable written as a type list (see {@link nullableAsTypeList}).
 *
 * @throws {Error} on a schema JSON Schema cannot express (a custom type),
 *   or one whose output is not its input (a transform, a default): a config
 *   the validator accepts is used as it is. The unknown keys zod strips
 *   (`additionalProperties: false` on the output side only) are never read.
 */
export function validatorJsonSchema(schema: z.ZodMiniType): Record<string, unknown> {
  const options = { target: "draft-07", metadata: stringFormats, unrepresentable: "throw" } as const;
  const input = z.toJSONSchema(schema, { ...options, io: "input" });
  const output = z.toJSONSchema(schema, { ...options, io: "output" });
  const unstripped = JSON.stringify(output, (key, value: unknown) => (key === "additionalProperties" && value === false ? undefined : value));
  if (unstripped !== JSON.stringify(input)) throw new Error("a config schema whose output differs from its input (a default?)");
  return nullableAsTypeList(input) as Record<string, unknown>;
}

/**
 * `{anyOf: [{type: T, ...rest}, {type: "null"}]}`, zod's form of a nullable
 * T, as `{type: [T, "null"], ...rest}`: the same set of values (every other
 * keyword applies to T's values only), for which ajv writes a third less
 * code than for the `anyOf` (each branch collects its errors).
 */
function nullableAsTypeList(json: unknown): unknown {
  if (Array.isArray(json)) return json.map(nullableAsTypeList);
  if (json === null || typeof json !== "object") return json;
  const out = Object.fromEntries(Object.entries(json).map(([key, value]) => [key, nullableAsTypeList(value)]));
  const [first, second, ...others] = Array.isArray(out.anyOf) ? (out.anyOf as Record<string, unknown>[]) : [];
  const onlyNull = second !== undefined && Object.keys(second).length === 1 && second.type === "null";
  if (Object.keys(out).length !== 1 || others.length || !onlyNull || typeof first?.type !== "string") return out;
  return { ...first, type: [first.type, "null"] };
}

/**
 * The source of the module at `file`.
 *
 * @throws {Error} when ajv's code would need its runtime (the plugins do not ship ajv)
 */
function generateValidatorModule(file: string, specs: readonly ValidatorSpec[]): string {
  const ajv = new Ajv({
    code: { source: true, esm: true, formats: _`FORMATS` },
    formats: FORMATS,
    strict: true,
    allErrors: false,
    messages: false,
  });
  const exports: Record<string, string> = {};
  for (const { name, schema } of specs) {
    ajv.addSchema(validatorJsonSchema(schema), name);
    exports[name] = name;
  }
  const code = standalone.default(ajv, exports);
  if (/\brequire\(/.test(code)) throw new Error(`${file}: ajv's code needs its runtime (a keyword the configs should not use)`);
  const depth = file.split("/").length - 1;
  const keys = specs.flatMap(({ keysName, schema }) =>
    keysName ? [`export const ${keysName}: readonly string[] = ${JSON.stringify(Object.keys(schema.shape))};`] : [],
  );
  return [
    "// Generated by `npm run schemas` (scripts/gen-schemas.ts, scripts/lib/config-validators.ts)",
    "// from the config schemas with ajv's standalone mode: do not edit.",
    "// @ts-nocheck",
    `import { FORMATS } from "${"../".repeat(depth)}src/config/schema-functions.ts";`,
    ...keys,
    code,
    "",
  ].join("\n");
}

/** Every generated module's path and text. */
export function generateValidators(): Map<string, string> {
  const files = new Map<string, string>();
  for (const [file, specs] of validatorModules()) files.set(file, generateValidatorModule(file, specs));
  return files;
}
