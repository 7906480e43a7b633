/**
 * The config's spec version, without pulling zod into the startup path.
 *
 * @module
 */
import { isSupportedVersion, type SpecVersion } from "../version.ts";

/**
 * The config's spec version (missing or empty = `0.1.0`). The skeleton has
 * already rejected unsupported versions; anything else maps to 1.1.0.
 *
 * @example configVersion({ name: "n", cniVersion: "1.0.0" }) // "1.0.0"
 */
export function configVersion(conf: { cniVersion?: unknown }): SpecVersion {
  const v = typeof conf.cniVersion === "string" && conf.cniVersion !== "" ? conf.cniVersion : "0.1.0";
  return isSupportedVersion(v) ? v : "1.1.0";
}
