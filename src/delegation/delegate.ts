/**
 * IPAM delegation. When `ipam.type` resolves to this very executable under a name registered as
 * in-process, its handlers run here, saving a whole Node start; under another name, or the calling
 * plugin itself, it is refused, as it would wait on its own lock forever. Call only from the host
 * namespace: a child spawned inside a pod's namespace would run there.
 */
import { CniError, CODE_INVALID_NETWORK_CONFIG, DecodingError, IpamError } from "../errors.ts";
import { callHandler } from "../skel/call-handler.ts";
import { decodeStdinConfig } from "../skel/stdin-config.ts";
import type { CmdArgs, PluginDefinition, RawConf } from "../skel/types.ts";
import type { Result } from "../types/result.ts";
import { parseResult } from "../types/parse-result.ts";
import { isSupportedVersion } from "../version.ts";
import { errorFromOutcome, execPlugin } from "./exec-plugin.ts";
import { findPlugin, isOwnExecutable } from "./find-plugin.ts";

export type IpamVerb = "ADD" | "DEL" | "CHECK" | "STATUS" | "GC";

/** Code 7: `ipam.type` is the caller itself, or our executable under a non-IPAM name. */
export class DelegationRefusedError extends CniError {
  override name = "DelegationRefusedError";
  constructor(msg: string) {
    super(CODE_INVALID_NETWORK_CONFIG, msg);
  }
}

interface IpamTarget {
  path: string;
  inProcess?: () => Promise<PluginDefinition>;
}

function resolveIpam(ipamType: string, args: CmdArgs): IpamTarget {
  const toItself = callingPluginAsIpam(ipamType, args.plugin);
  if (toItself) throw toItself;
  const path = findPlugin(ipamType, args.path);
  if (!isOwnExecutable(path)) return { path };
  const registry = args.inProcessIpam ?? {};
  const inProcess = Object.hasOwn(registry, ipamType) ? registry[ipamType] : undefined;
  if (inProcess === undefined) throw ownExecutableAsIpam(ipamType, path);
  return { path, inProcess };
}

/** The refusal for an `ipam.type` that names the calling plugin, if it does (also used by `cni-ts validate`). */
export function callingPluginAsIpam(ipamType: string, caller: string | undefined): DelegationRefusedError | undefined {
  if (caller === undefined || ipamType !== caller) return undefined;
  return new DelegationRefusedError(`ipam.type ${JSON.stringify(ipamType)} is the calling plugin itself; it cannot be its own IPAM`);
}

/** The refusal for an `ipam.type` that reaches this executable under a name that is not an IPAM plugin. */
export function ownExecutableAsIpam(ipamType: string, path: string): DelegationRefusedError {
  return new DelegationRefusedError(`ipam.type ${JSON.stringify(ipamType)} resolves to ${path}, this executable, which is not an IPAM plugin under that name`);
}

/**
 * Refuses, before any effect, what {@link delegateIpam} would refuse or not find.
 * @throws {IpamError} not found in `CNI_PATH`, or an invalid name
 * @throws {DelegationRefusedError}
 */
export function assertDelegable(ipamType: string, args: CmdArgs): void {
  resolveIpam(ipamType, args);
}

/**
 * @param conf the parsed config, when the caller has it (in-process only)
 * @returns the result (1.1.0 model) for ADD, otherwise undefined
 * @throws {IpamError} plugin not found, failed to start, or unparsable output
 * @throws {DelegationRefusedError}
 * @throws {CniError} the error the IPAM plugin reported, with its own code
 */
export async function delegateIpam(verb: IpamVerb, ipamType: string, args: CmdArgs, conf?: RawConf): Promise<Result | undefined> {
  const { path, inProcess } = resolveIpam(ipamType, args);
  if (inProcess) return runInProcess(await inProcess(), verb, args, conf);
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
  const callArgs: CmdArgs = { ...args, command: verb, plugin: def.name, env: { ...args.env, CNI_COMMAND: verb } };
  if (verb === "ADD" && !def.add) throw new IpamError(`IPAM plugin ${def.name} does not implement ADD`);
  return callHandler(def, verb, callArgs, raw);
}
