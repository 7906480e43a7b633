// The CNI environment as a table, with the reference skeleton's messages.
import { InvalidEnvError } from "../errors.ts";
import type { CniCommand } from "./types.ts";

export const CNI_COMMANDS: readonly CniCommand[] = ["ADD", "DEL", "CHECK", "VERSION", "STATUS", "GC"];

/** One row of the environment table. */
interface EnvVarSpec {
  name: string;
  /** Verbs for which an empty or missing value is an error. */
  requiredFor: readonly CniCommand[];
  /** Runs only for the verbs that require the variable. */
  validate?: (value: string) => void;
}

const CONTAINER_ID_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

/**
 * @throws {InvalidEnvError} when the ID does not match the spec's regex
 */
function validateContainerId(id: string): void {
  if (!CONTAINER_ID_RE.test(id)) throw new InvalidEnvError("invalid characters in containerID", id);
}

/**
 * As the kernel's `dev_valid_name` checks it.
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
 * An unknown `command` needs only `CNI_COMMAND`. Empty counts as missing.
 * @throws {InvalidEnvError} naming the missing variables, or a validator's error
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
