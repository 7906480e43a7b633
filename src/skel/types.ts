/**
 * The contract between the skeleton and each plugin: what a verb handler
 * receives and what a plugin definition provides.
 *
 * @module
 */
import type { Result } from "../types/result.ts";
import type { Capability, Privileges } from "./privileges.ts";

/** A CNI verb. */
export type CniCommand = "ADD" | "DEL" | "CHECK" | "VERSION" | "STATUS" | "GC";

/** Everything the runtime passed, after the skeleton's checks. */
export interface CmdArgs {
  command: CniCommand;
  /** `CNI_CONTAINERID`; "" when not required and not given. */
  containerId: string;
  /** `CNI_NETNS`; "" when absent. */
  netns: string;
  /** `CNI_IFNAME`; "" when not required and not given. */
  ifName: string;
  /** Raw `CNI_ARGS` (parse with `parseCniArgs`). */
  args: string;
  /** `CNI_PATH` split on ":", empty entries dropped. */
  path: string[];
  /** The exact stdin bytes (passed unchanged to delegated IPAM). */
  stdinData: Buffer;
  /** The whole environment, for delegation. */
  env: Record<string, string | undefined>;
}

/**
 * The parsed stdin object after the skeleton's base checks: valid JSON object,
 * a valid `name`, a supported `cniVersion` (absent = 0.1.0) that allows the
 * verb. Each plugin parses it further with its own zod schema.
 */
export interface RawConf {
  name: string;
  cniVersion?: string;
  [key: string]: unknown;
}

/** A verb handler's possible return. */
type Maybe<T> = Promise<T> | T;

/** One plugin: its name and its verb handlers. A missing handler means "success, nothing done". */
export interface PluginDefinition {
  /** Plugin name, for the about text (`CNI <name> plugin v<version>+cni-ts`). */
  name: string;
  /**
   * What the handlers need: root and these capabilities (checked before a
   * handler runs); undefined = nothing (in-process test plugins).
   */
  privileges?: readonly Capability[];
  add?(args: CmdArgs, conf: RawConf): Maybe<Result>;
  del?(args: CmdArgs, conf: RawConf): Maybe<void>;
  check?(args: CmdArgs, conf: RawConf): Maybe<void>;
  status?(args: CmdArgs, conf: RawConf): Maybe<void>;
  gc?(args: CmdArgs, conf: RawConf): Maybe<void>;
}

/** The process around a plugin, injected so tests can drive {@link PluginDefinition}s with fakes. */
export interface PluginIo {
  /** Environment variables. */
  env: Record<string, string | undefined>;
  /** Reads all of stdin; called at most once, and never for VERSION. */
  readStdin(): Buffer;
  /** Writes to stdout (called at most once per run). */
  writeStdout(text: string): void;
  /** Writes to stderr. */
  writeStderr(text: string): void;
  /** Command-line arguments after the executable (for `--help` / `--version`). */
  argv: string[];
  /** Whether `path` names the plugin's own network namespace (false when empty or unopenable). */
  isOwnNetns(path: string): boolean;
  /** The process's uid and capabilities. */
  privileges(): Privileges;
}
