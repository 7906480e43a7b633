/**
 * Checks a value against the JSON Schema `z.toJSONSchema` writes for a config schema, so a valid
 * config is accepted without building zod's schemas. Only the keywords those schemas use are
 * understood; the generator (scripts/lib/config-validators.ts) refuses a schema with any other, so
 * a zod upgrade that writes a new keyword stops the build instead of loosening a check.
 * Values are read as zod reads them (`value[key]`, inherited members included).
 */
import { FORMATS, type FormatName } from "./schema-functions.ts";

type JsonType = "null" | "boolean" | "integer" | "number" | "string" | "array" | "object";

export interface JsonSchema {
  $schema?: string;
  type?: JsonType | JsonType[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: JsonSchema;
  propertyNames?: JsonSchema;
  items?: JsonSchema;
  format?: FormatName;
  minimum?: number;
  maximum?: number;
}

const SCHEMA_KEYWORDS: ReadonlySet<string> = new Set([
  "$schema",
  "type",
  "properties",
  "required",
  "additionalProperties",
  "propertyNames",
  "items",
  "format",
  "minimum",
  "maximum",
]);

function hasType(value: unknown, type: JsonType): boolean {
  switch (type) {
    case "null":
      return value === null;
    case "boolean":
      return typeof value === "boolean";
    case "integer":
      return Number.isInteger(value);
    case "number":
      return typeof value === "number" && Number.isFinite(value);
    case "string":
      return typeof value === "string";
    case "array":
      return Array.isArray(value);
    case "object":
      return value !== null && typeof value === "object" && !Array.isArray(value);
  }
}

/** Whether `value` satisfies `schema`. */
export function conforms(schema: JsonSchema, value: unknown): boolean {
  const { type } = schema;
  if (type !== undefined && !(Array.isArray(type) ? type.some((t) => hasType(value, t)) : hasType(value, type))) return false;
  if (typeof value === "string") return schema.format === undefined || FORMATS[schema.format](value);
  if (typeof value === "number") return !(value < (schema.minimum ?? -Infinity) || value > (schema.maximum ?? Infinity));
  if (Array.isArray(value)) return schema.items === undefined || value.every((item) => conforms(schema.items!, item));
  if (value === null || typeof value !== "object") return true;
  const object = value as Record<string, unknown>;
  const properties = schema.properties ?? {};
  if (schema.required?.some((key) => object[key] === undefined)) return false;
  for (const [key, property] of Object.entries(properties)) {
    if (object[key] !== undefined && !conforms(property, object[key])) return false;
  }
  const names = schema.propertyNames;
  // `{}`, what zod writes for "any other key", holds for every value.
  const others = schema.additionalProperties && Object.keys(schema.additionalProperties).length > 0 ? schema.additionalProperties : undefined;
  if (others === undefined && names === undefined) return true;
  return Object.keys(object).every(
    (key) => (names === undefined || conforms(names, key)) && (others === undefined || Object.hasOwn(properties, key) || conforms(others, object[key])),
  );
}

/**
 * `schema` as a {@link JsonSchema}, or an error naming what {@link conforms} would not understand.
 * @throws {Error}
 */
export function supportedSchema(schema: unknown, path = "#"): JsonSchema {
  if (schema === null || typeof schema !== "object" || Array.isArray(schema)) throw new Error(`${path}: not a schema object`);
  for (const [key, value] of Object.entries(schema)) {
    if (!SCHEMA_KEYWORDS.has(key)) throw new Error(`${path}: keyword "${key}" is not understood by src/config/schema-check.ts`);
    if (key === "format" && !Object.hasOwn(FORMATS, value as string)) throw new Error(`${path}: format ${JSON.stringify(value)} is unknown`);
    if (key === "properties") for (const [name, sub] of Object.entries(value as object)) supportedSchema(sub, `${path}/properties/${name}`);
    if (key === "items" || key === "additionalProperties" || key === "propertyNames") supportedSchema(value, `${path}/${key}`);
  }
  return schema;
}
