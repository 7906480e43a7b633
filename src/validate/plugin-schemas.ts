/**
 * The zod schema of each cni-ts plugin's network configuration, as the
 * plugin itself parses it plus the debug log keys every plugin honours.
 * The JSON Schemas under `schemas/` are generated from these. Pure.
 *
 * @module
 */
import * as z from "zod/mini";
import "../config/zod-setup.ts";
import { hostLocalConfSchema } from "../../ipam/host-local/config.ts";
import { bridgeConfSchema } from "../../plugins/bridge/config.ts";
import { netConfSchema } from "../config/net-conf.ts";
import { debugLogConfSchema } from "../debug-log/conf-schema.ts";

/** The plugin types cni-ts implements. */
export const CNI_TS_PLUGIN_TYPES = ["bridge", "loopback", "host-local"] as const;

/** One of {@link CNI_TS_PLUGIN_TYPES}. */
export type CniTsPluginType = (typeof CNI_TS_PLUGIN_TYPES)[number];

/**
 * Whether `type` names one of our plugins.
 *
 * @example isCniTsPluginType("bridge") // true
 */
export function isCniTsPluginType(type: unknown): type is CniTsPluginType {
  return typeof type === "string" && (CNI_TS_PLUGIN_TYPES as readonly string[]).includes(type);
}

/**
 * Each plugin's full config schema: its own schema (loopback has none
 * beyond the base `netConfSchema`) extended with the debug log keys.
 */
export const PLUGIN_CONFIG_SCHEMAS: Readonly<Record<CniTsPluginType, z.ZodMiniObject>> = {
  bridge: z.extend(bridgeConfSchema(), debugLogConfSchema.shape),
  loopback: z.extend(netConfSchema(), debugLogConfSchema.shape),
  "host-local": z.extend(hostLocalConfSchema(), debugLogConfSchema.shape),
};
