/**
 * IPAM delegation: run the plugin named by `ipam.type` for a verb.
 *
 * When `ipam.type` resolves in `CNI_PATH` to this very executable (our
 * multi-call binary, host-local being a hard link of it), its handlers run
 * in-process with the same arguments and config, saving a whole Node start.
 * Otherwise the plugin is exec'd with the same stdin bytes and environment.
 * Call only from the host namespace: a child spawned inside a pod namespace
 * would run there.
 *
 * @module
 */
import { hostLocalPlugin } from "../../ipam/host-local/plugin.ts";
import { DecodingError, IpamError } from "../errors.ts";
import { callHandler } from "../skel/call-handler.ts";
import { decodeStdinConfig } from "../skel/stdin-config.ts";
import type { CmdArgs, PluginDefinition, RawConf } from "../skel/types.ts";
import type { Result } from "../types/result.ts";
import { parseResult } from "../types/parse-result.ts";
import { isSupportedVersion } from "../version.ts";
import { errorFromOutcome, execPlugin } from "./exec-plugin.ts";
import { findPlugin, isOwnExecutable } from "./find-plugin.ts";

/** The verbs an IPAM plugin is delegated. */
export type IpamVerb = "ADD" | "DEL" | "CHECK" | "STATUS" | "GC";

/** Plugins our executable can run in-process, by `ipam.type`. */
const IN_PROCESS: Record<string, PluginDefinition> = { "host-local": hostLocalPlugin };

/**
 * Delegate `verb` to the IPAM plugin `ipamType`.
 *
 * @param verb the CNI verb to run
 * @param ipamType `ipam.type` from the config
 * @param args the calling plugin's arguments (stdin bytes and env are passed on)
 * @param conf the parsed config, when the caller has it (in-process path only)
 * @returns the IPAM result (1.1.0 model) for ADD, otherwise undefined
 * @throws {IpamError} plugin not found, failed to start, or unparsable output
 * @throws {CniError} the error the IPAM plugin reported, with its own code
 * @example
 * const res = await delegateIpam("ADD", "host-local", args);
 */
export async function delegateIpam(verb: IpamVerb, ipamType: string, args: CmdArgs, conf?: RawConf): Promise<Result | undefined> {
  const path = findPlugin(ipamType, args.path);
  const inProcess = Object.hasOwn(IN_PROCESS, ipamType) ? IN_PROCESS[ipamType] : undefined;
  if (inProcess && isOwnExecutable(path)) {
    return runInProcess(inProcess, verb, args, conf);
  }
  const outcome = execPlugin(path, verb, args.stdinData, args.env);
  if (outcome.status !== 0) throw errorFromOutcome(path, outcome);
  if (verb !== "ADD") return undefined;
  let doc: unknown;
  try {
    doc = JSON.parse(outcome.stdout);
  } catch {
    throw new IpamError(`failed to parse result of IPAM plugin ${ipamType}: ${JSON.stringify(outcome.stdout.slice(0, 200))}`);
  }
  const version = (doc as { cniVersion?: unknown } | null)?.cniVersion;
  if (typeof version !== "string" || !isSupportedVersion(version)) {
    throw new DecodingError(`failed to parse result of IPAM plugin ${ipamType}: unsupported cniVersion ${JSON.stringify(version)}`);
  }
  try {
    return parseResult(doc, version);
  } catch (err) {
    throw new DecodingError(`failed to parse result of IPAM plugin ${ipamType}: ${(err as Error).message}`);
  }
}

async function runInProcess(def: PluginDefinition, verb: IpamVerb, args: CmdArgs, conf: RawConf | undefined): Promise<Result | undefined> {
  const raw = conf ?? decodeStdinConfig(args.stdinData);
  const callArgs: CmdArgs = { ...args, command: verb, env: { ...args.env, CNI_COMMAND: verb } };
  if (verb === "ADD" && !def.add) throw new IpamError(`IPAM plugin ${def.name} does not implement ADD`);
  return callHandler(def, verb, callArgs, raw);
}
