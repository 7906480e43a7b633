/**
 * As libcni's `version.ParsePrevResult`: the result's own `cniVersion` (absent = the config's)
 * must be in the config version's family.
 */
import { CniError, DecodingError } from "../errors.ts";
import { parseResult } from "../types/parse-result.ts";
import type { Result } from "../types/result.ts";
import { FAMILY_020, FAMILY_040, FAMILY_100 } from "../types/wire.ts";
import { isSupportedVersion } from "../version.ts";
import { configVersion } from "./config-version.ts";

function familyOf(version: string): readonly string[] {
  if ((FAMILY_100 as readonly string[]).includes(version)) return FAMILY_100;
  if ((FAMILY_040 as readonly string[]).includes(version)) return FAMILY_040;
  return ["", ...FAMILY_020];
}

/**
 * @returns the 1.1.0 model, or undefined when there is none
 * @throws {DecodingError} (6) it does not fit the config's version or is malformed
 */
export function parsePrevResult(conf: { cniVersion?: unknown; prevResult?: unknown }): Result | undefined {
  if (conf.prevResult === undefined || conf.prevResult === null) return undefined;
  const confVersion = configVersion(conf);
  const raw = conf.prevResult as { cniVersion?: unknown };
  const own = raw.cniVersion === undefined ? confVersion : raw.cniVersion;
  const family = familyOf(confVersion);
  if (typeof own !== "string" || !family.includes(own)) {
    throw new DecodingError(
      `failed to parse prevResult: could not parse prevResult: result type supports [${family.join(" ")}] but unmarshalled CNIVersion is ${JSON.stringify(own)}`,
    );
  }
  const version = own === "" ? "0.1.0" : own;
  if (!isSupportedVersion(version)) throw new DecodingError(`failed to parse prevResult: unsupported version ${JSON.stringify(own)}`);
  try {
    return parseResult(raw, version);
  } catch (err) {
    if (err instanceof CniError) throw new DecodingError(`failed to parse prevResult: ${err.msg}`);
    throw err;
  }
}
