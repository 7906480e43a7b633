/**
 * Spec version strings as the reference compares them (`version.ParseVersion`,
 * `GreaterThanOrEqualTo`): `major[.minor[.micro]]` integers, `""` = 0.1.0.
 * Pure.
 *
 * @module
 */
import { DecodingError } from "../errors.ts";

/**
 * Parse a spec version into [major, minor, micro].
 *
 * @throws {DecodingError} `invalid version "x": too many parts`, `failed to convert major version part "x"` …
 * @example parseSpecVersion("0.4.0") // [0, 4, 0]
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

/**
 * Whether version `a` ≥ version `b`.
 *
 * @throws {DecodingError} when either does not parse
 * @example versionAtLeast("1.0.0", "0.4.0") // true
 */
export function versionAtLeast(a: string, b: string): boolean {
  const x = parseSpecVersion(a);
  const y = parseSpecVersion(b);
  for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return x[i]! > y[i]!;
  return true;
}
