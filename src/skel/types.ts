import type { Result } from "../types/result.ts";
import type { Capability, Privileges } from "./privileges.ts";

export type CniCommand = "ADD" | "DEL" | "CHECK" | "VERSION" | "STATUS" | "GC";

/** The runtime's input after the skeleton's checks; strings are "" when not given. */
export interface CmdArgs {
  command: CniCommand;
  containerId: string;
  netns: string;
  ifName: string;
  /** Raw `CNI_ARGS`. */
  args: string;
  /** Empty entries dropped. */
  path: string[];
  /** Passed unchanged to delegated IPAM. */
  stdinData: Buffer;
  /** For delegation. */
  env: Record<string, string | undefined>;
  /** Delegation never runs the running plugin as IPAM. */
  plugin?: string;
  /** By `ipam.type`, handed in by the entry point. */
  inProcessIpam?: InProcessPlugins;
}

/** Loaded on first use. */
export type InProcessPlugins = Readonly<Record<string, () => Promise<PluginDefinition>>>;

/**
 * Stdin after the skeleton's checks; each plugin parses it further with its own schema.
 */
export interface RawConf {
  name: string;
  cniVersion?: string;
  [key: string]: unknown;
}

type Maybe<T> = Promise<T> | T;

/** A missing handler means "success, nothing done". */
export interface PluginDefinition {
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

/** The process around a plugin, injected so tests can drive plugins with fakes. */
export interface PluginIo {
  env: Record<string, string | undefined>;
  /** Called at most once, and never for VERSION. */
  readStdin(): Buffer;
  /** Called at most once per run. */
  writeStdout(text: string): void;
  writeStderr(text: string): void;
  /** After the executable. */
  argv: string[];
  isOwnNetns(path: string): boolean;
  /** The process's uid and capabilities. */
  privileges(): Privileges;
}
