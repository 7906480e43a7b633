/**
 * A minimal JSON Schema (2020-12) checker for the keywords our generated
 * schemas use: type, properties, required, additionalProperties, items,
 * anyOf, enum, minimum, maximum, pattern, propertyNames. Enough to run example
 * configs against the checked-in files without a validator dependency;
 * it throws on any other keyword so it can never pass silently.
 */
type Schema = Record<string, unknown> | boolean;

const KNOWN = new Set([
  "$schema", "title", "description", "type", "properties", "required", "additionalProperties",
  "items", "anyOf", "enum", "minimum", "maximum", "pattern", "propertyNames",
]);

function typeOf(v: unknown): string[] {
  if (v === null) return ["null"];
  if (Array.isArray(v)) return ["array"];
  if (typeof v === "number") return Number.isInteger(v) ? ["integer", "number"] : ["number"];
  return [typeof v];
}

/** The JSONPaths at which `value` fails `schema` (empty when valid). */
export function jsonSchemaErrors(schema: Schema, value: unknown, path = "$"): string[] {
  if (schema === true) return [];
  if (schema === false) return [path];
  for (const key of Object.keys(schema)) if (!KNOWN.has(key)) throw new Error(`unsupported keyword ${key} at ${path}`);
  const errors: string[] = [];
  if (schema.type !== undefined) {
    const wanted = Array.isArray(schema.type) ? (schema.type as string[]) : [schema.type as string];
    if (!typeOf(value).some((t) => wanted.includes(t))) return [path];
  }
  if (Array.isArray(schema.enum) && !schema.enum.includes(value)) return [path];
  if (typeof value === "number") {
    if (typeof schema.minimum === "number" && value < schema.minimum) errors.push(path);
    if (typeof schema.maximum === "number" && value > schema.maximum) errors.push(path);
  }
  if (typeof value === "string" && typeof schema.pattern === "string" && !new RegExp(schema.pattern, "u").test(value)) errors.push(path);
  if (Array.isArray(schema.anyOf)) {
    const branches = (schema.anyOf as Schema[]).map((s) => jsonSchemaErrors(s, value, path));
    if (!branches.some((b) => b.length === 0)) errors.push(...branches.flat());
  }
  if (Array.isArray(value) && schema.items !== undefined) {
    value.forEach((item, i) => errors.push(...jsonSchemaErrors(schema.items as Schema, item, `${path}[${i}]`)));
  }
  if (value !== null && typeof value === "object" && !Array.isArray(value)) {
    const obj = value as Record<string, unknown>;
    const props = (schema.properties ?? {}) as Record<string, Schema>;
    for (const key of (schema.required ?? []) as string[]) if (!(key in obj)) errors.push(`${path}.${key}`);
    for (const [key, v] of Object.entries(obj)) {
      if (key in props) errors.push(...jsonSchemaErrors(props[key]!, v, `${path}.${key}`));
      else if (schema.additionalProperties !== undefined) {
        errors.push(...jsonSchemaErrors(schema.additionalProperties as Schema, v, `${path}.${key}`));
      }
    }
  }
  return errors;
}
