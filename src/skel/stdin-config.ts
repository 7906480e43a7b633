import { DecodingError, IncompatibleVersionError, InvalidConfigError } from "../errors.ts";
import { UNSAFE_KEYS, findUnsafeKeys, formatKeyPath } from "../config/unsafe-keys.ts";
import { debugLogConfProblems } from "../debug-log/conf-rules.ts";
import { SUPPORTED_VERSIONS, isSupportedVersion, type SpecVersion } from "../version.ts";
import { NAME_RE } from "./env.ts";
import { versionAtLeast } from "./spec-version.ts";
import type { CniCommand, RawConf } from "./types.ts";

/** A hostile document may hold millions of unsafe keys; the error names a few. */
const MAX_NAMED_KEYS = 5;

/**
 * Decode stdin into the config object and check what every plugin reads
 * alike: no unsafe keys and the `name` (the debug log's keys: {@link checkDebugLogKeys}).
 *
 * @throws {DecodingError} (6) `error unmarshall network config: …`
 * @throws {InvalidConfigError} (7) `missing network name` / `invalid characters found in network name`,
 *   or a `__proto__`, `constructor` or `prototype` key at any depth (see `src/config/unsafe-keys.ts`)
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
    throw new DecodingError(`error unmarshall network config: json: cannot unmarshal ${jsonKind(parsed)} into a network config object`);
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
  return conf as RawConf;
}

/**
 * Check the debug log's keys (`src/debug-log/conf-rules.ts`). A debug
 * setting must never block a pod's teardown: DEL only reports a broken
 * one (the log then stays off) and proceeds.
 *
 * @returns the problem DEL proceeds despite, or undefined when the keys are fine
 * @throws {InvalidConfigError} (7) `invalid config: debugLog: … must be …` on any other verb
 * @example checkDebugLogKeys("DEL", { name: "n", debugLogLevel: "loud" }) // 'invalid config: debugLogLevel: "loud" must be "info" or "debug"'
 */
export function checkDebugLogKeys(command: CniCommand, conf: RawConf): string | undefined {
  const problems = debugLogConfProblems(conf);
  if (problems.length === 0) return undefined;
  const message = `invalid config: ${problems.join("; ")}`;
  if (command !== "DEL") throw new InvalidConfigError(message);
  return message;
}

function jsonKind(v: unknown): string {
  if (Array.isArray(v)) return "array";
  if (typeof v === "object") return "object";
  return typeof v === "boolean" ? "bool" : typeof v;
}

/**
 * Missing or empty means `0.1.0`.
 * @throws {DecodingError} when `cniVersion` is not a string
 */
function configVersionText(conf: RawConf): string {
  const v = conf.cniVersion;
  if (v === undefined || v === null || v === "") return "0.1.0";
  if (typeof v !== "string") {
    throw new DecodingError(`decoding version from network config: json: cannot unmarshal ${jsonKind(v)} into field .cniVersion of type string`);
  }
  return v;
}

/** Minimum config version per gated verb. */
const GATES: Partial<Record<CniCommand, string>> = { CHECK: "0.4.0", STATUS: "1.1.0", GC: "1.1.0" };

/**
 * @throws {IncompatibleVersionError} when the version is unsupported or does not allow `command`
 * @throws {DecodingError} when a gated verb's version does not parse
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
