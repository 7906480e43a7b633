// Spec versions as the reference's `version.ParseVersion` reads them; "" means 0.1.0.
import { DecodingError } from "../errors.ts";

/**
 * @throws {DecodingError} with the reference's messages
 */
function parseSpecVersion(version: string): [number, number, number] {
  if (version === "") return [0, 1, 0];
  const parts = version.split(".");
  if (parts.length >= 4) throw new DecodingError(`invalid version ${JSON.stringify(version)}: too many parts`);
  const names = ["major", "minor", "micro"] as const;
  const out: [number, number, number] = [0, 0, 0];
  parts.forEach((part, i) => {
    if (!/^[+-]?[0-9]+$/.test(part)) {
      throw new DecodingError(
        `failed to convert ${names[i]} version part ${JSON.stringify(part)}: strconv.Atoi: parsing ${JSON.stringify(part)}: invalid syntax`,
      );
    }
    out[i] = Number(part);
  });
  return out;
}

/** @throws {DecodingError} when either does not parse */
export function versionAtLeast(a: string, b: string): boolean {
  const x = parseSpecVersion(a);
  const y = parseSpecVersion(b);
  for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return x[i]! > y[i]!;
  return true;
}
