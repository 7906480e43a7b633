/**
 * The CNI environment as a table: each variable, the verbs that need it, and
 * its validator, with the reference skeleton's messages. Pure.
 *
 * @module
 */
import { InvalidEnvError } from "../errors.ts";
import type { CniCommand } from "./types.ts";

/** The verbs the skeleton knows. */
export const CNI_COMMANDS: readonly CniCommand[] = ["ADD", "DEL", "CHECK", "VERSION", "STATUS", "GC"];

/** One row of the environment table. */
interface EnvVarSpec {
  name: string;
  /** Verbs for which an empty or missing value is an error. */
  requiredFor: readonly CniCommand[];
  /** Checks a present value for the verbs that require it. */
  validate?: (value: string) => void;
}

const CONTAINER_ID_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

/**
 * Check a container ID against the spec's regex.
 *
 * @throws {InvalidEnvError} `invalid characters in containerID` (details: the ID)
 */
function validateContainerId(id: string): void {
  if (!CONTAINER_ID_RE.test(id)) throw new InvalidEnvError("invalid characters in containerID", id);
}

/**
 * Check an interface name as the kernel would (`dev_valid_name`): 1–15 bytes,
 * not `.` or `..`, no `/`, `:` or whitespace.
 *
 * @throws {InvalidEnvError} with the reference's messages
 */
function validateIfName(name: string): void {
  if (name.length === 0) throw new InvalidEnvError("interface name is empty");
  if (Buffer.byteLength(name, "utf8") > 15) {
    throw new InvalidEnvError("interface name is too long", "interface name should be less than 16 characters");
  }
  if (name === "." || name === "..") throw new InvalidEnvError("interface name is . or ..");
  if (/[/:\s\u0085\u00a0]/u.test(name)) {
    throw new InvalidEnvError("interface name contains / or : or whitespace characters");
  }
}

/** Network names follow the container ID regex. */
export const NAME_RE = CONTAINER_ID_RE;

/** The environment table, in the reference's order (which is the order of the missing-variables message). */
const ENV_TABLE: readonly EnvVarSpec[] = [
  { name: "CNI_COMMAND", requiredFor: CNI_COMMANDS },
  { name: "CNI_CONTAINERID", requiredFor: ["ADD", "CHECK", "DEL"], validate: validateContainerId },
  { name: "CNI_NETNS", requiredFor: ["ADD", "CHECK"] },
  { name: "CNI_IFNAME", requiredFor: ["ADD", "CHECK", "DEL"], validate: validateIfName },
  { name: "CNI_ARGS", requiredFor: [] },
  { name: "CNI_PATH", requiredFor: ["ADD", "CHECK", "DEL", "GC", "STATUS"] },
  { name: "CNI_NETNS_OVERRIDE", requiredFor: [] },
];

/**
 * Check the environment for `command` (which may be unknown: then only
 * `CNI_COMMAND` is needed). Empty counts as missing.
 *
 * @throws {InvalidEnvError} `required env variables [A,B] missing`, or a validator's error
 * @example checkEnv("DEL", { CNI_COMMAND: "DEL", CNI_CONTAINERID: "c1", CNI_IFNAME: "eth0", CNI_PATH: "/opt/cni/bin" })
 */
export function checkEnv(command: string, env: Record<string, string | undefined>): void {
  const required = (spec: EnvVarSpec) => (spec.requiredFor as readonly string[]).includes(command);
  const missing = ENV_TABLE.filter((spec) => !env[spec.name] && (required(spec) || spec.name === "CNI_COMMAND"));
  if (missing.length > 0) {
    throw new InvalidEnvError(`required env variables [${missing.map((s) => s.name).join(",")}] missing`);
  }
  for (const spec of ENV_TABLE) {
    const value = env[spec.name];
    if (value && spec.validate && required(spec)) spec.validate(value);
  }
}
