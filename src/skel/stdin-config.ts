/**
 * The skeleton's checks on stdin: JSON, keys no config may carry, network
 * name, the debug log's keys, and the config's spec version with the
 * per-verb gates. Pure.
 *
 * @module
 */
import { DecodingError, IncompatibleVersionError, InvalidConfigError } from "../errors.ts";
import { UNSAFE_KEYS, findUnsafeKeys, formatKeyPath } from "../config/unsafe-keys.ts";
import { debugLogConfProblems } from "../debug-log/conf-rules.ts";
import { SUPPORTED_VERSIONS, isSupportedVersion, type SpecVersion } from "../version.ts";
import { NAME_RE } from "./env.ts";
import { versionAtLeast } from "./spec-version.ts";
import type { CniCommand, RawConf } from "./types.ts";

/** How many unsafe keys an error names (a hostile document may hold millions). */
const MAX_NAMED_KEYS = 5;

/**
 * Decode stdin into the config object and check what every plugin reads
 * alike: no unsafe keys, the `name`, and the debug log's keys.
 *
 * @throws {DecodingError} (6) `error unmarshall network config: …`
 * @throws {InvalidConfigError} (7) `missing network name` / `invalid characters found in network name`,
 *   a `__proto__`, `constructor` or `prototype` key at any depth (see `src/config/unsafe-keys.ts`),
 *   or a debug-log key breaking its rule (see `src/debug-log/conf-rules.ts`)
 * @example decodeStdinConfig(Buffer.from('{"name":"net","cniVersion":"1.1.0"}')).name // "net"
 */
export function decodeStdinConfig(bytes: Buffer): RawConf {
  const text = bytes.toString("utf8");
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    const reason = text.trim() === "" ? "unexpected end of JSON input" : (err as Error).message;
    throw new DecodingError(`error unmarshall network config: ${reason}`);
  }
  if (parsed === null) parsed = {};
  if (typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new DecodingError(
      `error unmarshall network config: json: cannot unmarshal ${jsonKind(parsed)} into a network config object`,
    );
  }
  const unsafe = findUnsafeKeys(parsed);
  if (unsafe.length > 0) {
    const more = unsafe.length > MAX_NAMED_KEYS ? ` and ${unsafe.length - MAX_NAMED_KEYS} more` : "";
    throw new InvalidConfigError(
      `config keys named ${UNSAFE_KEYS.join(", ")} are not allowed: ${unsafe.slice(0, MAX_NAMED_KEYS).map(formatKeyPath).join(", ")}${more}`,
    );
  }
  const conf = parsed as Record<string, unknown>;
  const name = conf.name;
  if (name !== undefined && name !== null && typeof name !== "string") {
    throw new DecodingError(`error unmarshall network config: json: cannot unmarshal ${jsonKind(name)} into field .name of type string`);
  }
  if (!name) throw new InvalidConfigError("missing network name");
  if (!NAME_RE.test(name)) throw new InvalidConfigError("invalid characters found in network name", name);
  const logProblems = debugLogConfProblems(conf);
  if (logProblems.length > 0) throw new InvalidConfigError(`invalid config: ${logProblems.join("; ")}`);
  return conf as RawConf;
}

function jsonKind(v: unknown): string {
  if (Array.isArray(v)) return "array";
  if (typeof v === "object") return "object";
  return typeof v === "boolean" ? "bool" : typeof v;
}

/**
 * The config's `cniVersion` as written (missing or empty = `0.1.0`).
 *
 * @throws {DecodingError} when `cniVersion` is not a string
 */
function configVersionText(conf: RawConf): string {
  const v = conf.cniVersion;
  if (v === undefined || v === null || v === "") return "0.1.0";
  if (typeof v !== "string") {
    throw new DecodingError(
      `decoding version from network config: json: cannot unmarshal ${jsonKind(v)} into field .cniVersion of type string`,
    );
  }
  return v;
}

/** Minimum config version per verb gate, and the verb's name in the messages. */
const GATES: Partial<Record<CniCommand, string>> = { CHECK: "0.4.0", STATUS: "1.1.0", GC: "1.1.0" };

/**
 * Check that the config's version is supported and allows `command`.
 *
 * @returns the version, now known to be supported
 * @throws {IncompatibleVersionError} (1) `incompatible CNI versions` (details `config is "X", plugin supports [...]`),
 *   `config version does not allow CHECK|STATUS|GC`, `plugin version does not allow …`
 * @throws {DecodingError} (6) when a gated verb's version does not parse
 */
export function checkConfigVersion(command: CniCommand, conf: RawConf): SpecVersion {
  const version = configVersionText(conf);
  const min = GATES[command];
  if (min !== undefined) {
    if (!versionAtLeast(version, min)) throw new IncompatibleVersionError(`config version does not allow ${command}`);
    if (!SUPPORTED_VERSIONS.some((v) => versionAtLeast(v, version))) {
      throw new IncompatibleVersionError(`plugin version does not allow ${command}`);
    }
  }
  if (!isSupportedVersion(version)) {
    throw new IncompatibleVersionError(
      "incompatible CNI versions",
      `config is ${JSON.stringify(version)}, plugin supports [${SUPPORTED_VERSIONS.map((v) => JSON.stringify(v)).join(" ")}]`,
    );
  }
  return version;
}
