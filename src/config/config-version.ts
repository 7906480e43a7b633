/** Apart from the schemas, so reading the version keeps zod off the startup path. */
import { isSupportedVersion, type SpecVersion } from "../version.ts";

/** Missing or empty means `0.1.0`; the skeleton has already refused unsupported versions. */
export function configVersion(conf: { cniVersion?: unknown }): SpecVersion {
  const v = typeof conf.cniVersion === "string" && conf.cniVersion !== "" ? conf.cniVersion : "0.1.0";
  return isSupportedVersion(v) ? v : "1.1.0";
}
