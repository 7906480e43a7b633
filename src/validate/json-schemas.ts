/**
 * JSON Schemas of the plugins' configurations, generated from their zod
 * schemas with `z.toJSONSchema` (input side: what a config file may say).
 * `scripts/gen-schemas.ts` writes them to `schemas/`; a test regenerates
 * and compares. Pure.
 *
 * Zod refinements (a valid CIDR, a range inside its subnet, VLAN rules) have
 * no JSON Schema form: the files check shape and types, `cni-ts validate`
 * checks everything.
 *
 * @module
 */
import * as z from "zod/mini";
import "../config/zod-setup.ts";
import { CNI_TS_PLUGIN_TYPES, PLUGIN_CONFIG_SCHEMAS } from "./plugin-schemas.ts";
import type { CniTsPluginType } from "./plugin-schemas.ts";

/** Directory (relative to the repository root) holding the generated files. */
export const SCHEMAS_DIR = "schemas";

/**
 * The file name of a plugin's schema.
 *
 * @example schemaFileName("host-local") // "host-local.schema.json"
 */
export function schemaFileName(type: CniTsPluginType): string {
  return `${type}.schema.json`;
}

const DESCRIPTIONS: Readonly<Record<CniTsPluginType, string>> = {
  bridge: "Network configuration of the cni-ts bridge plugin (a drop-in for containernetworking/plugins bridge).",
  loopback: "Network configuration of the cni-ts loopback plugin.",
  "host-local": "Network configuration of the cni-ts host-local IPAM plugin (the `ipam` object when bridge delegates to it).",
};

/**
 * One plugin's JSON Schema as an object.
 *
 * @example jsonSchemaFor("bridge").properties.vlan
 */
function jsonSchemaFor(type: CniTsPluginType): Record<string, unknown> {
  const generated = z.toJSONSchema(PLUGIN_CONFIG_SCHEMAS[type], { io: "input", unrepresentable: "any" }) as Record<string, unknown>;
  const { $schema, ...rest } = generated;
  return {
    $schema,
    title: `cni-ts ${type} plugin configuration`,
    description: DESCRIPTIONS[type],
    ...rest,
  };
}

/**
 * Every schema file's name and exact text (two-space JSON, trailing newline).
 *
 * @example generateJsonSchemas().get("loopback.schema.json")
 */
export function generateJsonSchemas(): Map<string, string> {
  const files = new Map<string, string>();
  for (const type of CNI_TS_PLUGIN_TYPES) {
    files.set(schemaFileName(type), `${JSON.stringify(jsonSchemaFor(type), null, 2)}\n`);
  }
  return files;
}
